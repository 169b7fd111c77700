from django import forms
from django.utils.translation import gettext_lazy as _

from quizzes.homework.models import Homework, HomeworkDefaults

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class HomeworkImportForm(forms.Form):
    KINDS = [("gift", "GIFT"), ("xml", "Moodle XML")]

    kind = forms.ChoiceField(label=_("Format"), choices=KINDS, initial="gift")
    file = forms.FileField(label=_("File"), required=False)
    text = forms.CharField(
        label=_("Or paste the questions"),
        widget=forms.Textarea(attrs={"rows": 16}),
        required=False,
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError(_("The file is larger than 2 MB."))
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from error
            # The preview's "save" posts the text again, not the file.
            self.data = self.data.copy()
            self.data["text"] = data["text"]
        if not data.get("text", "").strip():
            raise forms.ValidationError(_("Choose a file or paste the questions."))
        return data


class HomeworkDefaultsForm(forms.ModelForm):
    class Meta:
        model = HomeworkDefaults
        fields = [
            "question_count",
            "choice_count",
            "pass_mark",
            "due_days",
            "due_time",
            "late_days",
            "late_cap",
        ]
        widgets = {"due_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class HomeworkSettingsForm(forms.ModelForm):
    """When a homework opens (learners see it from then on, if published),
    is due, takes late answers and reveals its key; times on the course's
    clock (the view activates the course's time zone)."""

    class Meta:
        model = Homework
        fields = [
            "opens_at",
            "due_at",
            "late_days",
            "late_cap",
            "reveal_at",
            "pass_mark",
            "shuffle",
        ]
        widgets = {
            name: forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
            for name in ("opens_at", "due_at", "reveal_at")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reveal_at"].help_text = _(
            "Not before the homework closes (after any late window). Left as "
            "it was, it follows a moved due time."
        )
        # A reveal time nobody chose (it was the closing time) follows the
        # due time when that moves; the model fills it in again.
        closes = self.instance.closes_at if self.instance.due_at else None
        self._automatic_reveal = bool(
            closes and self.instance.reveal_at == closes
        ) and self.instance.reveal_at.replace(second=0, microsecond=0)

    def clean(self):
        data = super().clean()
        reveal = data.get("reveal_at")
        if reveal and self._automatic_reveal and reveal == self._automatic_reveal:
            data["reveal_at"] = None
        questions, _choices = self.instance.shape()
        if data.get("pass_mark") and data["pass_mark"] > questions:
            self.add_error(
                "pass_mark",
                _("The pass mark cannot exceed the number of questions."),
            )
        return data


QUESTION_MAX_CHARS = 10_000
CHOICE_MAX_CHARS = 2_000


class HomeworkQuestionsForm(forms.Form):
    """The homework's questions in its shape (by default 5 questions × 4
    choices), one radio per question marking the correct choice. Field
    names: q1-text, q1-c2-text, q1-correct = "2"."""

    def __init__(self, *args, shape: tuple[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.shape = shape
        questions, choices = shape
        for q in range(1, questions + 1):
            self.fields[f"q{q}-title"] = forms.CharField(
                label=_("Title (optional)"), max_length=200, required=False
            )
            self.fields[f"q{q}-text"] = forms.CharField(
                label=_("Question"),
                max_length=QUESTION_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Markdown; math between $ signs."),
            )
            for c in range(1, choices + 1):
                self.fields[f"q{q}-c{c}-text"] = forms.CharField(
                    label=_("Choice %(number)d") % {"number": c},
                    max_length=CHOICE_MAX_CHARS,
                    widget=forms.Textarea(attrs={"rows": 1}),
                )
            self.fields[f"q{q}-correct"] = forms.TypedChoiceField(
                label=_("Correct choice"),
                choices=[(c, str(c)) for c in range(1, choices + 1)],
                coerce=int,
                widget=forms.RadioSelect,
            )
            self.fields[f"q{q}-explanation"] = forms.CharField(
                label=_("Explanation (shown after the answers are revealed)"),
                max_length=QUESTION_MAX_CHARS,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @staticmethod
    def initial_from(homework: Homework) -> dict:
        initial = {}
        questions = homework.questions.prefetch_related("choices")
        for q, question in enumerate(questions, start=1):
            initial[f"q{q}-title"] = question.title
            initial[f"q{q}-text"] = question.text
            initial[f"q{q}-explanation"] = question.explanation
            for c, choice in enumerate(question.choices.all(), start=1):
                initial[f"q{q}-c{c}-text"] = choice.text
                if choice.is_correct:
                    initial[f"q{q}-correct"] = c
        return initial

    def questions(self) -> list[dict]:
        """[{title, text, explanation, choices: [{text, is_correct}]}]"""
        data = self.cleaned_data
        questions, choices = self.shape
        return [
            {
                "title": data[f"q{q}-title"],
                "text": data[f"q{q}-text"],
                "explanation": data[f"q{q}-explanation"],
                "choices": [
                    {
                        "text": data[f"q{q}-c{c}-text"],
                        "is_correct": data[f"q{q}-correct"] == c,
                    }
                    for c in range(1, choices + 1)
                ],
            }
            for q in range(1, questions + 1)
        ]

    def grouped(self) -> list[dict]:
        """The bound fields per question, for the template (and, for the
        preview, what was typed so far)."""
        questions, choices = self.shape
        rows = []
        for q in range(1, questions + 1):
            rows.append(
                {
                    "number": q,
                    "title": self[f"q{q}-title"],
                    "text": self[f"q{q}-text"],
                    "explanation": self[f"q{q}-explanation"],
                    "correct": self[f"q{q}-correct"],
                    "choices": [self[f"q{q}-c{c}-text"] for c in range(1, choices + 1)],
                }
            )
        return rows
