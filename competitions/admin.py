import io

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from competitions import services
from competitions.models import Competition, Entry, Participant, StarterFile


class StarterFileInline(admin.TabularInline):
    """Private files have no URL, so the widget must not try to link one."""

    model = StarterFile
    extra = 0
    formfield_overrides = {models.FileField: {"widget": forms.FileInput}}
    readonly_fields = ["filename"]


class CompetitionForm(forms.ModelForm):
    answers_file = forms.FileField(
        label=_("Hidden answers (CSV)"),
        required=False,
        help_text=_(
            "Columns: id, answer, split (public or private). Replaces the current "
            "answers; stored in the database, never shown to learners."
        ),
    )

    class Meta:
        model = Competition
        fields = [
            "course",
            "title",
            "description",
            "opens_at",
            "closes_at",
            "submission_format",
            "id_column",
            "prediction_column",
            "metric",
            "normalize_nfkc",
            "normalize_case",
            "normalize_whitespace",
            "normalize_punctuation",
            "daily_limit",
            "max_final_selections",
            "max_upload_mb",
            "report_required",
            "report_deadline",
        ]

    def clean_answers_file(self):
        upload = self.cleaned_data.get("answers_file")
        if upload:
            try:
                self._answers_text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The file is not valid UTF-8.")) from None
        return upload


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):
    form = CompetitionForm
    list_display = ["title", "course", "metric", "opens_at", "closes_at"]
    list_filter = ["course", "metric"]
    readonly_fields = ["private_published_at", "answer_count"]
    inlines = [StarterFileInline]

    @admin.display(description=_("hidden answers"))
    def answer_count(self, obj: Competition) -> int:
        return obj.answers.count() if obj.pk else 0

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        text = getattr(form, "_answers_text", None)
        if text is not None:
            try:
                count = services.answers_import(
                    competition=obj, handle=io.StringIO(text)
                )
            except ValueError as exc:
                self.message_user(request, str(exc), level="error")
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)s hidden answer loaded.",
                        "%(count)s hidden answers loaded.",
                        count,
                    )
                    % {"count": count},
                )


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "competition", "status", "public_score", "attempts"]
    list_filter = ["competition", "status"]
    search_fields = ["user__email", "user__display_name"]
    raw_id_fields = ["user"]
    exclude = ["file"]
    readonly_fields = ["row_errors", "submitted_at", "scored_at"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["user", "competition", "nickname", "report_uploaded_at"]
    list_filter = ["competition"]
    search_fields = ["user__email", "nickname"]
    raw_id_fields = ["user"]
    exclude = ["report"]
