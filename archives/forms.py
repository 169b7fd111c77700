from django import forms
from django.utils.translation import gettext_lazy as _

from archives.models import GITHUB_BLOB_RE, VIMEO_RE, YOUTUBE_RE, Kind

FORM_KINDS = [Kind.SLIDES, Kind.NOTEBOOK, Kind.CAPTIONS, Kind.LINK]


class MaterialForm(forms.Form):
    """The plain form: small files (slides, notebook, captions) and external
    video links. Recordings go through the resumable uploader."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k.value, k.label) for k in FORM_KINDS]
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"), required=False)
    external_url = forms.URLField(
        label=_("External video URL"),
        required=False,
        assume_scheme="https",
        help_text=_("A YouTube or Vimeo address, for an external video."),
    )
    github_url = forms.URLField(
        label=_("GitHub URL of the notebook"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "e.g. https://github.com/owner/repo/blob/main/week1.ipynb — "
            "adds “Open in Colab”."
        ),
    )
    language = forms.CharField(
        label=_("Captions language"), max_length=10, initial="ja", required=False
    )
    publish = forms.BooleanField(
        label=_("Publish to learners now"), required=False, initial=True
    )

    def clean_external_url(self) -> str:
        url = self.cleaned_data["external_url"]
        if url and not (YOUTUBE_RE.match(url) or VIMEO_RE.match(url)):
            raise forms.ValidationError(
                _("Only YouTube and Vimeo videos can be shown.")
            )
        return url

    def clean_github_url(self) -> str:
        url = self.cleaned_data["github_url"]
        if url and not GITHUB_BLOB_RE.match(url):
            raise forms.ValidationError(
                _("Give the notebook's GitHub address (…/blob/<branch>/<path>.ipynb).")
            )
        return url

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Kind.LINK and not data.get("external_url"):
            self.add_error("external_url", _("Give the video's address."))
        if kind and kind != Kind.LINK and not data.get("file"):
            self.add_error("file", _("Choose a file."))
        return data
