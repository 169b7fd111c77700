from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import LearnerCategory
from completion.models import (
    YES_NO_KINDS,
    CompletionRecord,
    CompletionRule,
    CompletionTier,
)
from completion.rules import TierRules
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
    at_risk = forms.BooleanField(
        label=_("At risk only"),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "at-risk-definition"}),
    )
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


Kind = CompletionRule.Kind
NEW_TIER = "new"
# The id a tier not saved yet has in a preview: no saved tier has it.
NEW_TIER_ID = -1

# Each criterion as a sentence with the number in it ("%(field)s"), so the
# Japanese word order can differ from the English one.
RULE_SENTENCES = {
    Kind.HOMEWORK_WEEKS_PASSED: _(
        "Homework passed in at least %(field)s of %(weeks)s weeks"
    ),
    Kind.HOMEWORK_POINTS: _("Homework points: at least %(field)s"),
    Kind.SUMMARIES_SUBMITTED: _(
        "Lecture summaries submitted in at least %(field)s of %(surveys)s weeks"
    ),
    Kind.SUMMARIES_ACCEPTED: _(
        "Lecture summaries accepted in at least %(field)s of %(surveys)s weeks"
    ),
    Kind.COMPETITION_ENTRY: _("%(field)s A scored competition entry"),
    Kind.COMPETITION_REPORT: _("%(field)s The competition report submitted"),
    Kind.COMPETITION_TOP_PERCENT: _("Final ranking in the top %(field)s %%"),
}
RULE_KINDS = list(RULE_SENTENCES)
_RULE_MAX = {
    Kind.HOMEWORK_WEEKS_PASSED: 1000,
    Kind.HOMEWORK_POINTS: 100000,
    Kind.SUMMARIES_SUBMITTED: 1000,
    Kind.SUMMARIES_ACCEPTED: 1000,
    Kind.COMPETITION_TOP_PERCENT: 100,
}


class RulesForm(forms.Form):
    """Every tier's name and criteria on one form: a number left empty (or a
    box left unticked) means the tier does not use that criterion. A last,
    empty tier adds one when it is given names."""

    def __init__(self, *args, tiers: list[CompletionTier], totals: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers = tiers
        self.totals = totals
        for key, tier in self._keyed_tiers():
            rules = {r.kind: r.threshold for r in tier.rules.all()} if tier else {}
            required = tier is not None
            self.fields[f"{key}-name_ja"] = forms.CharField(
                label=_("Name (Japanese)"),
                max_length=100,
                required=required,
                initial=tier.name_ja if tier else "",
            )
            self.fields[f"{key}-name_en"] = forms.CharField(
                label=_("Name (English)"),
                max_length=100,
                required=required,
                initial=tier.name_en if tier else "",
            )
            for kind in RULE_KINDS:
                name = f"{key}-{kind}"
                if kind in YES_NO_KINDS:
                    self.fields[name] = forms.BooleanField(
                        required=False, initial=kind in rules
                    )
                    continue
                initial = rules.get(kind)
                self.fields[name] = forms.DecimalField(
                    required=False,
                    min_value=1 if kind == Kind.COMPETITION_TOP_PERCENT else 0,
                    max_value=_RULE_MAX[kind],
                    max_digits=8,
                    decimal_places=2,
                    initial=f"{initial.normalize():f}" if initial is not None else None,
                    widget=forms.NumberInput(
                        attrs={"class": "threshold", "step": "any", "min": 0}
                    ),
                )

    def _keyed_tiers(self):
        yield from ((str(tier.pk), tier) for tier in self.tiers)
        yield NEW_TIER, None

    def rows(self) -> list[dict]:
        """The tiers as the page shows them: each criterion a sentence with
        its input where the number goes."""
        rows = []
        for key, tier in self._keyed_tiers():
            sentences = []
            for kind in RULE_KINDS:
                field = self[f"{key}-{kind}"]
                text = str(RULE_SENTENCES[kind]) % ({"field": "\0"} | self.totals)
                before, _sep, after = text.partition("\0")
                sentences.append(
                    {"kind": kind, "field": field, "before": before, "after": after}
                )
            rows.append(
                {
                    "key": key,
                    "tier": tier,
                    "name_ja": self[f"{key}-name_ja"],
                    "name_en": self[f"{key}-name_en"],
                    "rules": sentences,
                }
            )
        return rows

    def clean(self):
        cleaned = super().clean()
        new_names = [cleaned.get(f"{NEW_TIER}-name_{lang}") for lang in ("ja", "en")]
        if any(new_names) and not all(new_names):
            self.add_error(
                f"{NEW_TIER}-name_en" if new_names[0] else f"{NEW_TIER}-name_ja",
                _("A new tier needs a name in both languages."),
            )
        return cleaned

    def spec(self) -> list[dict]:
        """What to save (or preview): per tier (None = the new one), its
        names and {kind: threshold or None}. The new tier is left out when
        it has no names."""
        data = self.cleaned_data
        spec = []
        for key, tier in self._keyed_tiers():
            names = (data.get(f"{key}-name_ja"), data.get(f"{key}-name_en"))
            if tier is None and not all(names):
                continue
            rules = {}
            for kind in RULE_KINDS:
                value = data.get(f"{key}-{kind}")
                if kind in YES_NO_KINDS:
                    rules[kind] = Decimal(0) if value else None
                else:
                    rules[kind] = value
            spec.append(
                {"tier": tier, "name_ja": names[0], "name_en": names[1], "rules": rules}
            )
        return spec

    def tier_rules(self) -> list[TierRules]:
        """The rules as certification reads them, for the preview."""
        top_rank = max((t.rank for t in self.tiers), default=0)
        return [
            TierRules(
                tier_id=item["tier"].pk if item["tier"] else NEW_TIER_ID,
                rank=item["tier"].rank if item["tier"] else top_rank + 1,
                rules=tuple(
                    (kind, threshold)
                    for kind, threshold in item["rules"].items()
                    if threshold is not None
                ),
            )
            for item in self.spec()
        ]
