import zoneinfo
from datetime import time, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import LearnerCategory, User
from courses.models import (
    ApplicationQuestion,
    Course,
    CourseRole,
    Enrollment,
    Extension,
    Lecture,
)
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


# The schedule ----------------------------------------------------------------

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class LectureForm(forms.ModelForm):
    """A lecture's details; the start is on the course's clock (the view
    activates the course's time zone)."""

    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=10, max_value=24 * 60, initial=120
    )

    class Meta:
        model = Lecture
        fields = ["title", "starts_at", "live_url", "description", "published"]
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "description": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["duration_minutes"].initial = int(
                self.instance.duration.total_seconds() // 60
            )

    def save(self, commit: bool = True) -> Lecture:
        self.instance.duration = timedelta(
            minutes=self.cleaned_data["duration_minutes"]
        )
        return super().save(commit=commit)


class GenerateScheduleForm(forms.Form):
    first_date = forms.DateField(
        label=_("First week starts on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    weekday = forms.TypedChoiceField(
        label=_("Lecture day"), choices=WEEKDAYS, coerce=int, initial=3
    )
    at = forms.TimeField(
        label=_("Start time"),
        initial=time(19, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    count = forms.IntegerField(
        label=_("Number of weekly lectures"), min_value=1, max_value=52, initial=15
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=10, max_value=24 * 60, initial=120
    )


class ShiftScheduleForm(forms.Form):
    from_number = forms.IntegerField(
        label=_("From lecture"), min_value=1, max_value=32767
    )
    days = forms.IntegerField(
        label=_("Move by (days)"),
        min_value=-60,
        max_value=60,
        initial=7,
        help_text=_("Negative numbers move lectures earlier."),
    )

    def clean_days(self) -> int:
        if not self.cleaned_data["days"]:
            raise forms.ValidationError(_("Move by at least one day."))
        return self.cleaned_data["days"]


class ResetDeadlinesForm(forms.Form):
    first = forms.IntegerField(label=_("From lecture"), min_value=1, max_value=32767)
    last = forms.IntegerField(label=_("To lecture"), min_value=1, max_value=32767)

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise forms.ValidationError(_("The first lecture comes after the last."))
        return data


# Course set-up ---------------------------------------------------------------


class CourseSetupForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=())

    class Meta:
        model = Course
        fields = [
            "title",
            "term",
            "state",
            "description",
            "timezone",
            "capacity",
            "applications_open_at",
            "applications_close_at",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "applications_open_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "applications_close_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [
            (name, name) for name in sorted(zoneinfo.available_timezones())
        ]

    def clean(self):
        data = super().clean()
        opens, closes = (
            data.get("applications_open_at"),
            data.get("applications_close_at"),
        )
        if opens and closes and closes <= opens:
            self.add_error(
                "applications_close_at",
                _("Applications must close after they open."),
            )
        return data


class _ApplicationQuestionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        answered = set()
        for answers in Enrollment.objects.filter(course=self.instance).values_list(
            "answers", flat=True
        ):
            answered.update(answers or {})
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.answer_key in answered:
                form.add_error(
                    None,
                    _(
                        "Applicants have answered “%(question)s”: it stays, so "
                        "their answers do. Edit its text or make it optional."
                    )
                    % {"question": form.instance.text},
                )
                raise forms.ValidationError(
                    _("A question with answers cannot be removed.")
                )


ApplicationQuestionFormSet = forms.inlineformset_factory(
    Course,
    ApplicationQuestion,
    formset=_ApplicationQuestionFormSet,
    fields=["position", "kind", "text", "help_text", "choices", "required"],
    widgets={"choices": forms.Textarea(attrs={"rows": 3})},
    extra=1,
    max_num=30,
    validate_max=True,
    can_delete=True,
)


class RoleInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(
        label=pgettext_lazy("course role", "Role"),
        choices=CourseRole.Role.choices,
        initial=CourseRole.Role.STAFF,
    )


# Extensions ----------------------------------------------------------------

EXTENSION_MAX_DAYS = 365
EXTENSION_CSV_MAX_BYTES = 1024 * 1024
EXTENSION_CSV_MAX_ROWS = 5000


class ExtensionForm(forms.Form):
    """More time for one learner (by email) or for every learner of a CSV.
    What the extension covers, how long it is and why are the same for
    every learner of one grant; a CSV may give its own `days` per row."""

    email = forms.EmailField(
        label=_("Learner's email"),
        required=False,
        max_length=254,
        help_text=_("One learner; or upload a CSV below."),
    )
    csv_file = forms.FileField(
        label=_("CSV of learners"),
        required=False,
        help_text=_(
            "A column 'email' (and optionally 'days' for each learner's own "
            "extra days). Nothing is granted if any row has an error."
        ),
    )
    # The CSV's text, carried from the upload to the confirmation.
    csv_text = forms.CharField(
        required=False,
        max_length=EXTENSION_CSV_MAX_BYTES,
        strip=False,
        widget=forms.HiddenInput,
    )
    scope = forms.ChoiceField(label=_("Applies to"), choices=Extension.Scope.choices)
    lecture = forms.ModelChoiceField(
        label=_("Lecture"),
        queryset=Lecture.objects.none(),
        required=False,
        help_text=_("For one homework or one survey: its lecture."),
    )
    days = forms.IntegerField(
        label=_("Extra days"), min_value=0, max_value=EXTENSION_MAX_DAYS, initial=3
    )
    hours = forms.IntegerField(
        label=_("Extra hours"), min_value=0, max_value=23, initial=0
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail; seen by staff only."),
    )

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        self.fields["lecture"].queryset = Lecture.objects.filter(course=course)
        self.fields["lecture"].label_from_instance = lambda lecture: str(lecture)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].replace("\x00", "").strip()
        if not reason:
            raise forms.ValidationError(_("Say why the learner gets more time."))
        return reason

    def clean(self):
        data = super().clean()
        scope, lecture = data.get("scope"), data.get("lecture")
        one_item = scope in {Extension.Scope.HOMEWORK, Extension.Scope.SURVEY}
        if one_item and lecture is None:
            self.add_error(
                "lecture", _("Choose the lecture of the homework or survey.")
            )
        if one_item and lecture is not None and not hasattr(lecture, scope):
            self.add_error(
                "lecture",
                _("Lecture %(number)s has no %(item)s.")
                % {
                    "number": lecture.number,
                    "item": Extension.Scope(scope).label,
                },
            )
        if not one_item:
            data["lecture"] = None
        days, hours = data.get("days"), data.get("hours")
        if days == 0 and hours == 0:
            self.add_error("days", _("Give at least one extra hour."))
        upload = data.get("csv_file")
        if upload is not None:
            if upload.size > EXTENSION_CSV_MAX_BYTES:
                self.add_error("csv_file", _("The CSV is larger than 1 MB."))
                return data
            try:
                data["csv_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("csv_file", _("The CSV is not UTF-8 text."))
                return data
        if bool(data.get("email")) == bool(data.get("csv_text")):
            raise forms.ValidationError(
                _("Give either one learner's email or a CSV of learners.")
            )
        return data

    def extra_time(self) -> timedelta:
        return timedelta(
            days=self.cleaned_data["days"], hours=self.cleaned_data["hours"]
        )


class ExtensionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("active", pgettext_lazy("extensions", "Active")),
            ("revoked", pgettext_lazy("extensions", "Revoked")),
            ("", pgettext_lazy("extensions", "All")),
        ],
    )
    scope = forms.ChoiceField(
        label=_("Applies to"),
        required=False,
        choices=[("", pgettext_lazy("extensions", "All")), *Extension.Scope.choices],
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {"q": "", "status": "active", "scope": ""}
        data = dict(self.cleaned_data)
        if "status" not in self.data:
            data["status"] = "active"
        return data
