from django.urls import path

from quizzes.homework import views

LEARNER = "courses/<slug:slug>/lectures/<int:number>/homework/"
STAFF = "staff/<slug:slug>/homework/<int:number>/"

urlpatterns = [
    path(LEARNER, views.homework_take, name="homework_take"),
    path(f"{LEARNER}draft/", views.homework_draft, name="homework_draft"),
    path(STAFF, views.homework_results, name="homework_results"),
    path(f"{STAFF}preview/", views.homework_preview, name="homework_preview"),
    path(f"{STAFF}grade/", views.homework_grade_now, name="homework_grade_now"),
    path(f"{STAFF}scores.csv", views.homework_scores_csv, name="homework_scores_csv"),
    path(
        f"{STAFF}export.gift", views.homework_export_gift, name="homework_export_gift"
    ),
    path(f"{STAFF}import/", views.homework_import, name="homework_import"),
    path(f"{STAFF}edit/", views.homework_edit, name="homework_edit"),
    path(
        f"{STAFF}edit/preview/",
        views.homework_edit_preview,
        name="homework_edit_preview",
    ),
    path(
        "staff/<slug:slug>/setup/homework/",
        views.homework_defaults,
        name="homework_defaults",
    ),
]
