"""For superusers' repairs only: staff moderate on the Q&A pages, where
every change is logged."""

from django.contrib import admin

from discussions.models import Answer, ModerationLog, Question


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "topic", "state", "votes_count", "created_at"]
    list_filter = ["course", "topic", "state"]
    search_fields = ["title"]
    raw_id_fields = [
        "author",
        "lecture",
        "solved_answer",
        "merged_into",
        "made_public_by",
        "moderated_by",
    ]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["question", "author", "state", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["question", "author", "endorsed_by", "moderated_by"]


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "course", "actor", "action", "question"]
    list_filter = ["action"]
    raw_id_fields = ["actor", "question", "answer", "comment"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the audit is never rewritten
