from django.urls import path

from courses import staff_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/<slug:slug>/", views.course_detail, name="course_detail"),
    path("courses/<slug:slug>/apply/", views.apply, name="course_apply"),
    path("courses/<slug:slug>/withdraw/", views.withdraw, name="course_withdraw"),
    path("courses/<slug:slug>/rejoin/", views.rejoin, name="course_rejoin"),
    path(
        "courses/<slug:slug>/lectures/<int:number>/",
        views.lecture_detail,
        name="lecture_detail",
    ),
    path(
        "courses/<slug:slug>/calendar.ics", views.calendar_feed, name="course_calendar"
    ),
    path(
        "courses/<slug:slug>/calendar/renew/",
        views.calendar_token_regenerate,
        name="course_calendar_renew",
    ),
    path(
        "invitations/<str:token>/",
        staff_views.invitation_accept,
        name="course_invitation",
    ),
    path("staff/<slug:slug>/", staff_views.course_overview, name="staff_course"),
    path(
        "staff/<slug:slug>/applications/",
        staff_views.applications,
        name="staff_applications",
    ),
    path(
        "staff/<slug:slug>/applications.csv",
        staff_views.applications_csv,
        name="staff_applications_csv",
    ),
    path(
        "staff/<slug:slug>/applications/decide/",
        staff_views.applications_decide,
        name="staff_applications_decide",
    ),
    path(
        "staff/<slug:slug>/applications/<int:enrollment_id>/",
        staff_views.application_detail,
        name="staff_application_detail",
    ),
    path(
        "staff/<slug:slug>/applications/<int:enrollment_id>/reopen/",
        staff_views.application_reopen,
        name="staff_application_reopen",
    ),
    path("staff/<slug:slug>/lectures/", staff_views.lectures, name="staff_lectures"),
    path(
        "staff/<slug:slug>/lectures/new/",
        staff_views.lecture_new,
        name="staff_lecture_new",
    ),
    path(
        "staff/<slug:slug>/lectures/generate/",
        staff_views.lectures_generate,
        name="staff_lectures_generate",
    ),
    path(
        "staff/<slug:slug>/lectures/shift/",
        staff_views.lectures_shift,
        name="staff_lectures_shift",
    ),
    path(
        "staff/<slug:slug>/lectures/deadlines/",
        staff_views.lectures_reset_deadlines,
        name="staff_lectures_reset",
    ),
    path(
        "staff/<slug:slug>/lectures/<int:number>/",
        staff_views.lecture_edit,
        name="staff_lecture_edit",
    ),
    path(
        "staff/<slug:slug>/lectures/<int:number>/publish/",
        staff_views.lecture_publish,
        name="staff_lecture_publish",
    ),
    path(
        "staff/<slug:slug>/lectures/<int:number>/move/",
        staff_views.lecture_move,
        name="staff_lecture_move",
    ),
    path("staff/<slug:slug>/setup/", staff_views.setup, name="staff_setup"),
    path(
        "staff/<slug:slug>/setup/roles/",
        staff_views.setup_roles,
        name="staff_setup_roles",
    ),
    path(
        "staff/<slug:slug>/extensions/", staff_views.extensions, name="staff_extensions"
    ),
    path(
        "staff/<slug:slug>/extensions/<int:extension_id>/revoke/",
        staff_views.extension_revoke,
        name="staff_extension_revoke",
    ),
    path(
        "staff/<slug:slug>/announcements/",
        staff_views.announcements,
        name="staff_announcements",
    ),
]
