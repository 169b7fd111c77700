from django import forms
from django.utils.translation import gettext_lazy as _

from competitions.models import Participant


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Prediction file"))


class ReportForm(forms.Form):
    file = forms.FileField(
        label=_("Report (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class NicknameForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["nickname"]


class ScoresImportForm(forms.Form):
    file = forms.FileField(
        label=_("Scores CSV"),
        help_text=_("Columns: entry, public_score, private_score."),
    )
