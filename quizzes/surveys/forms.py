"""Forms of the weekly survey: the learner's answer and the staff review flag."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from quizzes.surveys.models import (
    Survey,
    SurveyCourseSettings,
    SurveyQuestion,
    SurveyResponse,
    count_summary_chars,
    normalise_newlines,
)


def _question_field_name(question: SurveyQuestion) -> str:
    return question.key


class SurveyAnswerForm(forms.Form):
    """The summary plus one field per question of the survey.

    Fields are named `summary` and `q_<question id>`, so a draft, a plain form
    post and the htmx autosave all carry the same data.
    """

    summary = forms.CharField(
        label=_("Your summary of the lecture"),
        widget=forms.Textarea(attrs={"rows": 14, "data-char-counter": "summary"}),
        strip=False,
        required=False,
        help_text=_("Markdown. Written in your own words."),
    )

    def __init__(self, *args, survey: Survey, questions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.questions = list(
            questions if questions is not None else survey.questions.all()
        )
        for question in self.questions:
            self.fields[_question_field_name(question)] = self._field_for(question)

    @staticmethod
    def _field_for(question: SurveyQuestion) -> forms.Field:
        if question.kind == SurveyQuestion.Kind.RATING:
            return forms.TypedChoiceField(
                label=question.label,
                choices=[(v, str(v)) for v in SurveyQuestion.RATING_VALUES],
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect(attrs={"class": "rating"}),
                required=question.required,
                error_messages={"required": _("Please choose a rating.")},
            )
        if question.kind == SurveyQuestion.Kind.CHOICE:
            return forms.ChoiceField(
                label=question.label,
                choices=[(c, c) for c in question.choices],
                widget=forms.RadioSelect,
                required=question.required,
                error_messages={"required": _("Please choose an option.")},
            )
        return forms.CharField(
            label=question.label,
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=4000,
            required=question.required,
            error_messages={"required": _("Please answer this question.")},
        )

    def clean_summary(self) -> str:
        summary = normalise_newlines(self.cleaned_data.get("summary", "")).strip()
        count = count_summary_chars(summary)
        if count == 0:
            raise forms.ValidationError(
                _("Please write your summary."), code="required"
            )
        if count < self.survey.summary_min_chars:
            raise forms.ValidationError(
                ngettext(
                    "The summary is too short: %(count)d character, at least "
                    "%(min)d are needed.",
                    "The summary is too short: %(count)d characters, at least "
                    "%(min)d are needed.",
                    count,
                )
                % {"count": count, "min": self.survey.summary_min_chars},
                code="too_short",
            )
        if count > self.survey.summary_max_chars:
            raise forms.ValidationError(
                ngettext(
                    "The summary is too long: %(count)d character, at most "
                    "%(max)d are allowed.",
                    "The summary is too long: %(count)d characters, at most "
                    "%(max)d are allowed.",
                    count,
                )
                % {"count": count, "max": self.survey.summary_max_chars},
                code="too_long",
            )
        return summary

    def answers(self) -> dict:
        """The cleaned answers keyed by question id (what a response stores)."""
        result = {}
        for question in self.questions:
            value = self.cleaned_data.get(_question_field_name(question))
            if value not in (None, ""):
                result[question.key] = value
        return result

    def question_fields(self):
        """(question, bound field) in order, for the template."""
        return [(q, self[_question_field_name(q)]) for q in self.questions]

    @classmethod
    def initial_from(cls, *, summary: str, answers: dict) -> dict:
        initial = {"summary": summary}
        initial.update(answers or {})
        return initial

    def raw_answers(self) -> dict:
        """What was typed, valid or not, keyed by question id (for drafts)."""
        result = {}
        for question in self.questions:
            value = self.data.get(_question_field_name(question), "")
            if value != "":
                result[question.key] = str(value)[:4000]
        return result

    def raw_summary(self) -> str:
        return normalise_newlines(str(self.data.get("summary", "")))[:100_000]


class ReviewForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Review"),
        choices=[c for c in SurveyResponse.Review.choices if c[0] != "pending"],
        error_messages={"required": _("Choose a decision.")},
    )
    comment = forms.CharField(
        label=_("Comment for the learner"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("state") == SurveyResponse.Review.NEEDS_REVISION
            and not cleaned.get("comment", "").strip()
        ):
            self.add_error("comment", _("Tell the learner what to revise."))
        return cleaned


class SurveyDefaultsForm(forms.ModelForm):
    class Meta:
        model = SurveyCourseSettings
        fields = [
            "due_days",
            "due_time",
            "summary_min_chars",
            "summary_max_chars",
            "allow_late",
            "only_accepted_summaries_count",
        ]
        widgets = {"due_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class SurveySettingsForm(forms.ModelForm):
    """One lecture's survey: when it opens and is due, how long a summary
    is, whether late answers count; times on the course's clock (the view
    activates the course's time zone). The model's `save()` re-judges
    lateness when the due time moves."""

    class Meta:
        model = Survey
        fields = [
            "opens_at",
            "due_at",
            "summary_min_chars",
            "summary_max_chars",
            "allow_late",
        ]
        widgets = {
            name: forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
            for name in ("opens_at", "due_at")
        }
