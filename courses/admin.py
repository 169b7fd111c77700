from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Announcement,
    ApplicationQuestion,
    Course,
    CourseRole,
    Enrollment,
    Lecture,
)


class LectureInline(admin.TabularInline):
    model = Lecture
    extra = 0
    fields = ["number", "title", "starts_at", "duration", "published"]


class CourseRoleInline(admin.TabularInline):
    model = CourseRole
    extra = 0
    autocomplete_fields = ["user"]


class ApplicationQuestionInline(admin.StackedInline):
    model = ApplicationQuestion
    extra = 0
    fields = [("position", "kind", "required"), "text", "help_text", "choices"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "term",
        "state",
        "capacity",
        "applications_open_at",
        "applications_close_at",
    ]
    list_filter = ["state", "term"]
    search_fields = ["title", "slug", "term"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "term", "state", "description"]}),
        (
            _("Admission"),
            {
                "fields": [
                    "capacity",
                    ("applications_open_at", "applications_close_at"),
                ]
            },
        ),
        (_("Schedule"), {"fields": ["timezone", "reminder_hours"]}),
    ]
    inlines = [CourseRoleInline, ApplicationQuestionInline, LectureInline]


@admin.register(Lecture)
class LectureAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "course", "starts_at", "duration", "published"]
    list_display_links = ["number", "title"]
    list_editable = ["published"]
    list_filter = ["course", "published", "starts_at"]
    list_select_related = ["course"]
    search_fields = ["title", "description", "course__title", "course__slug"]
    date_hierarchy = "starts_at"
    ordering = ["course", "number"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "course",
        "status",
        "category",
        "applied_at",
        "decided_by",
        "notice_state",
    ]
    list_filter = ["course", "status", "category", "notice_state"]
    search_fields = ["user__email", "user__display_name", "affiliation"]
    autocomplete_fields = ["user", "decided_by"]
    list_select_related = ["user", "course", "decided_by"]
    readonly_fields = ["notice_job", "calendar_token"]


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "author", "created_at"]
    list_filter = ["course"]
    search_fields = ["title", "body"]
    list_select_related = ["course", "author"]
    readonly_fields = ["email_job"]
    autocomplete_fields = ["author"]
