from django import forms
from django.utils.translation import gettext_lazy as _

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
