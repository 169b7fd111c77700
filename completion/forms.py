from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import LearnerCategory
from completion.models import CompletionRecord, CompletionTier
from completion.selectors import SORTS

Outcome = CompletionRecord.Outcome


class DashboardFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("All outcomes")), *Outcome.choices],
        required=False,
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=CompletionTier.objects.none(),
        empty_label=_("All tiers"),
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Learner category"),
        choices=[("", _("All categories")), *LearnerCategory.choices],
        required=False,
    )
    at_risk = forms.BooleanField(label=_("At risk only"), required=False)
    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name or email")}
        ),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("name", _("Name")),
            ("-points", _("Homework points")),
            ("-passed", _("Weeks passed")),
            ("-summaries", _("Summaries")),
            ("points", _("Homework points (lowest first)")),
            ("passed", _("Weeks passed (lowest first)")),
            ("summaries", _("Summaries (lowest first)")),
        ],
        required=False,
    )

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = CompletionTier.objects.filter(course=course)

    def filters(self) -> dict:
        """Valid filters only: a bad value falls back to 'all'."""
        if not self.is_valid():
            return {"outcome": "", "tier": "", "category": "", "at_risk": "", "q": ""}
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "tier": str(data["tier"].pk) if data["tier"] else "",
            "category": data["category"],
            "at_risk": "1" if data["at_risk"] else "",
            "q": data["q"],
            "sort": data["sort"] if data["sort"].lstrip("-") in SORTS else "",
        }


class OverrideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Outcome.COMPLETE, _("Complete")),
            (Outcome.INCOMPLETE, _("Incomplete")),
            ("", _("Remove the override (use the computed outcome)")),
        ],
        required=False,
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"), queryset=CompletionTier.objects.none(), required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Required. Kept in the audit list."),
    )

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = CompletionTier.objects.filter(course=course)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why you override the outcome."))
        return reason

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.COMPLETE and not data.get("tier"):
            self.add_error("tier", _("Choose the tier the learner completes."))
        return data


class ReminderForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )


class PrintedNameForm(forms.Form):
    """The name printed on the certificate, in the learner's own script, and
    optionally in Latin letters for the English certificate."""

    name = forms.CharField(
        label=_("Name as printed on the certificate"),
        max_length=200,
        help_text=_("In the script you use, e.g. 山田 花子."),
    )
    name_latin = forms.CharField(
        label=_("Name in Latin letters (optional)"),
        max_length=200,
        required=False,
        help_text=_("Printed on the English certificate, e.g. Hanako Yamada."),
    )


class CorrectionRequestForm(PrintedNameForm):
    message = forms.CharField(
        label=_("Message to staff (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CorrectionDecisionForm(forms.Form):
    correction = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve and re-issue")),
            ("deny", pgettext_lazy("correction request", "Deny")),
        ],
    )
    note = forms.CharField(
        label=_("Note to the learner"),
        max_length=2000,
        required=False,
    )


class RevokeForm(forms.Form):
    serial = forms.CharField(label=_("Serial number"), max_length=40)
    reason = forms.CharField(
        label=_("Public reason (optional)"),
        max_length=500,
        required=False,
        help_text=_("Shown on the public verification page."),
    )
