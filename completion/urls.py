from django.urls import path

from completion import staff_views, views

urlpatterns = [
    path(
        "certificates/<str:code>.pdf",
        views.certificate_pdf_view,
        name="certificate_pdf",
    ),
    path(
        "certificates/<str:code>/", views.certificate_verify, name="certificate_verify"
    ),
    path("courses/<slug:slug>/progress/", views.progress, name="progress"),
    path(
        "staff/<slug:slug>/completion/",
        staff_views.dashboard,
        name="staff_completion",
    ),
    path(
        "staff/<slug:slug>/completion.csv",
        staff_views.dashboard_csv,
        name="staff_completion_csv",
    ),
    path(
        "staff/<slug:slug>/completion/remind/",
        staff_views.reminder,
        name="staff_completion_remind",
    ),
    path(
        "staff/<slug:slug>/completion/overrides/",
        staff_views.overrides,
        name="staff_completion_overrides",
    ),
    path(
        "staff/<slug:slug>/completion/learners/<int:enrollment_id>/override/",
        staff_views.override,
        name="staff_completion_override",
    ),
    path(
        "staff/<slug:slug>/completion/run/",
        staff_views.certification,
        name="staff_completion_run",
    ),
    path(
        "staff/<slug:slug>/completion/run/start/",
        staff_views.certification_start,
        name="staff_completion_run_start",
    ),
]
