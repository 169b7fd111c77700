from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from lms import views

# The admin's login goes through allauth (rate limits, MFA) instead of
# Django's own form, so it cannot be brute-forced around allauth.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Koza"
admin.site.site_title = "Koza"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("jobs/<uuid:job_id>/", views.job_progress, name="job_progress"),
    path("", include("notifications.urls")),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("courses.urls")),
    path("", include("quizzes.homework.urls")),
    path("", include("quizzes.surveys.urls")),
    path("", include("competitions.urls")),
    path("", include("completion.urls")),
    path("", include("archives.urls")),
    path("", include("discussions.urls")),
    path("", include("discussions.moderation_urls")),
]

# Floor views for the deadline-spike benchmark (bench/bench_spike.py): only
# when the benchmark starts the server with BENCH_VIEWS=1.
if settings.BENCH_VIEWS:
    urlpatterns.append(path("bench/", include("bench.urls")))
