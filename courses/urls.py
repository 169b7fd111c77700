from django.urls import path

from courses import staff_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/<slug:slug>/", views.course_detail, name="course_detail"),
    path("courses/<slug:slug>/apply/", views.apply, name="course_apply"),
    path("courses/<slug:slug>/withdraw/", views.withdraw, name="course_withdraw"),
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
    path("staff/<slug:slug>/", staff_views.course_overview, name="staff_course"),
    path(
        "staff/<slug:slug>/applications/",
        staff_views.applications,
        name="staff_applications",
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
