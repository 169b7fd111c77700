from django.urls import path

from competitions import views

urlpatterns = [
    path("courses/<slug:slug>/competition/", views.competition, name="competition"),
    path(
        "courses/<slug:slug>/competition/entries/",
        views.competition_entries,
        name="competition_entries",
    ),
    path(
        "courses/<slug:slug>/competition/upload/",
        views.competition_upload,
        name="competition_upload",
    ),
    path(
        "courses/<slug:slug>/competition/entries/<int:pk>/final/",
        views.competition_select,
        name="competition_select",
    ),
    path(
        "courses/<slug:slug>/competition/nickname/",
        views.competition_nickname,
        name="competition_nickname",
    ),
    path(
        "courses/<slug:slug>/competition/report/",
        views.competition_report,
        name="competition_report",
    ),
    path(
        "courses/<slug:slug>/competition/leaderboard/",
        views.competition_leaderboard,
        name="competition_leaderboard",
    ),
    path(
        "courses/<slug:slug>/competition/files/<int:pk>/",
        views.competition_starter_file,
        name="competition_starter_file",
    ),
    path(
        "staff/<slug:slug>/competition/",
        views.staff_competition,
        name="staff_competition",
    ),
    path(
        "staff/<slug:slug>/competition/rescore/",
        views.staff_competition_rescore,
        name="staff_competition_rescore",
    ),
    path(
        "staff/<slug:slug>/competition/import/",
        views.staff_competition_import,
        name="staff_competition_import",
    ),
    path(
        "staff/<slug:slug>/competition/publish/",
        views.staff_competition_publish,
        name="staff_competition_publish",
    ),
    path(
        "staff/<slug:slug>/competition/reports/<int:pk>/",
        views.staff_competition_report,
        name="staff_competition_report",
    ),
]
