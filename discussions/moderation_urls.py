"""Routes of following, reports, moderation and the staff Q&A pages (kept
apart from the learner pages' `discussions.urls`)."""

from django.urls import path

from discussions import follow_views, staff_views

urlpatterns = [
    path(
        "courses/<slug:slug>/questions/<int:question_id>/follow/",
        follow_views.question_follow,
        name="question_follow",
    ),
    path(
        "courses/<slug:slug>/questions/follow/",
        follow_views.category_follow,
        name="question_category_follow",
    ),
    path(
        "courses/<slug:slug>/questions/<int:question_id>/report/",
        follow_views.post_report,
        name="question_report",
    ),
    path("staff/<slug:slug>/questions/", staff_views.questions, name="staff_questions"),
    path(
        "staff/<slug:slug>/questions/reports/",
        staff_views.reports,
        name="staff_question_reports",
    ),
    path(
        "staff/<slug:slug>/questions/reports/<int:report_id>/handled/",
        staff_views.report_resolve,
        name="staff_question_report_resolve",
    ),
    path(
        "staff/<slug:slug>/questions/log/",
        staff_views.moderation_log,
        name="staff_moderation_log",
    ),
    path(
        "staff/<slug:slug>/questions/<int:question_id>/moderate/",
        staff_views.moderate,
        name="staff_question_moderate",
    ),
]
