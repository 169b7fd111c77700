from django.contrib import admin

from courses.models import Course, CourseRole, Enrollment, Lecture


class LectureInline(admin.TabularInline):
    model = Lecture
    extra = 0
    fields = ["number", "title", "starts_at", "duration", "published"]


class CourseRoleInline(admin.TabularInline):
    model = CourseRole
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "term", "state", "capacity"]
    list_filter = ["state"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [CourseRoleInline, LectureInline]


@admin.register(Lecture)
class LectureAdmin(admin.ModelAdmin):
    list_display = ["__str__", "course", "starts_at", "published"]
    list_filter = ["course", "published"]
    search_fields = ["title", "description"]
    date_hierarchy = "starts_at"


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "status", "category", "applied_at"]
    list_filter = ["course", "status", "category"]
    search_fields = ["user__email", "user__display_name", "affiliation"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "course"]
