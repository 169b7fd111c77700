from django.contrib import admin

from quizzes.surveys.models import (
    CopyPair,
    Survey,
    SurveyCourseSettings,
    SurveyQuestion,
    SurveyResponse,
)


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 1
    fields = ["position", "kind", "label", "required", "choices"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["lecture", "opens_at", "due_at", "published", "allow_late"]
    list_filter = ["published", "lecture__course"]
    list_select_related = ["lecture__course"]
    autocomplete_fields = []
    raw_id_fields = ["lecture"]
    inlines = [SurveyQuestionInline]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["user", "survey", "submitted_at", "summary_chars", "review_state"]
    list_filter = ["review_state", "survey__lecture__course"]
    list_select_related = ["user", "survey__lecture"]
    raw_id_fields = ["user", "survey", "reviewed_by"]
    search_fields = ["user__email", "summary"]


@admin.register(SurveyCourseSettings)
class SurveyCourseSettingsAdmin(admin.ModelAdmin):
    list_display = ["course", "only_accepted_summaries_count"]


@admin.register(CopyPair)
class CopyPairAdmin(admin.ModelAdmin):
    list_display = ["survey", "kind", "similarity", "found_at"]
    raw_id_fields = ["survey", "response", "other"]
