from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import LearnerCategory, User
from courses.models import ApplicationQuestion, Enrollment
from courses.selectors import APPLICATION_SORTS


class ApplicationForm(forms.Form):
    """The learner category and affiliation (prefilled from the profile), then
    the course's own questions."""

    category = forms.ChoiceField(
        label=_("Learner category"), choices=LearnerCategory.choices
    )
    affiliation = forms.CharField(
        label=_("Affiliation"),
        max_length=200,
        required=False,
        help_text=_("University, company or other organisation."),
    )

    def __init__(self, *args, questions: list[ApplicationQuestion], user: User, **kw):
        kw.setdefault(
            "initial", {"category": user.category, "affiliation": user.affiliation}
        )
        super().__init__(*args, **kw)
        self.questions = questions
        for question in questions:
            self.fields[self._name(question)] = self._field(question)

    @staticmethod
    def _name(question: ApplicationQuestion) -> str:
        return f"question_{question.pk}"

    @staticmethod
    def _field(question: ApplicationQuestion) -> forms.Field:
        common = {
            "label": question.text,
            "help_text": question.help_text,
            "required": question.required,
        }
        if question.kind == ApplicationQuestion.Kind.SINGLE_CHOICE:
            return forms.ChoiceField(
                choices=[(c, c) for c in question.choice_list],
                widget=forms.RadioSelect,
                **common,
            )
        if question.kind == ApplicationQuestion.Kind.LONG_TEXT:
            return forms.CharField(max_length=5000, widget=forms.Textarea, **common)
        return forms.CharField(max_length=300, **common)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("category") == LearnerCategory.WORKING
            and not cleaned.get("affiliation", "").strip()
        ):
            self.add_error(
                "affiliation", _("Working adults, please name your organisation.")
            )
        return cleaned

    def answers(self) -> dict:
        """{question id: answer}, as stored in Enrollment.answers."""
        return {
            question.answer_key: self.cleaned_data.get(self._name(question), "")
            for question in self.questions
        }


class RejoinForm(forms.Form):
    note = forms.CharField(
        label=_("Why do you want to rejoin? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Staff read this when they decide. At most 2,000 characters."),
    )


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Enrollment.Status.choices],
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Learner category"),
        choices=[("", _("All categories")), *LearnerCategory.choices],
        required=False,
    )
    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, email or affiliation")}
        ),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("-applied", _("Newest first")),
            ("applied", _("Oldest first")),
            ("name", _("Name")),
            ("email", _("Email")),
            ("affiliation", _("Affiliation")),
            ("status", _("Status")),
        ],
        required=False,
    )

    def filters(self) -> dict:
        """Valid filters only: a bad value falls back to 'all'."""
        if not self.is_valid():
            return {"status": "", "category": "", "q": "", "sort": "-applied"}
        data = self.cleaned_data
        return {
            "status": data["status"],
            "category": data["category"],
            "q": data["q"],
            "sort": data["sort"] if data["sort"] in APPLICATION_SORTS else "-applied",
        }


class DecisionForm(forms.Form):
    """Approve / waitlist / reject the selected rows, or all rows matching the
    filter the page shows (scope=filter)."""

    decision = forms.ChoiceField(
        choices=[
            (Enrollment.Status.APPROVED, _("Approve")),
            (Enrollment.Status.WAITLISTED, _("Waitlist")),
            (Enrollment.Status.REJECTED, _("Reject")),
        ]
    )
    scope = forms.ChoiceField(
        choices=[
            ("selected", pgettext_lazy("bulk action", "Selected")),
            ("filter", _("All matching")),
        ],
        initial="selected",
        required=False,
    )
    selected = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is acceptable here; the service limits them to the course.
        raw = self.data.getlist("selected") if hasattr(self.data, "getlist") else []
        self.fields["selected"].choices = [(v, v) for v in raw if str(v).isdigit()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") != "filter" and not cleaned.get("selected"):
            raise forms.ValidationError(_("Select at least one application."))
        return cleaned


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea,
        max_length=20000,
        help_text=_("Markdown."),
    )
    send_email = forms.BooleanField(
        label=_("Also email it to every approved learner"),
        required=False,
        help_text=_("Learners who turned announcement emails off are skipped."),
    )
