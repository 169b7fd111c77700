from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from discussions.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Category
from discussions.services import IMAGES_PER_POST


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """Up to four images; each is checked (type, size) by the service."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            MultipleImageInput(
                attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(ImagesField, self).clean(file, initial) for file in files if file]


def _body_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=BODY_MAX_LENGTH,
        validators=[MaxLengthValidator(BODY_MAX_LENGTH)],
        help_text=_("Markdown: `code`, ```code blocks```, $math$."),
    )


def _images_field() -> ImagesField:
    return ImagesField(
        label=_("Images"),
        help_text=_(
            "Up to %(count)d PNG, JPEG, GIF or WebP images, 2 MB each. "
            "Only those who can see the post can open them."
        )
        % {"count": IMAGES_PER_POST},
    )


class AskForm(forms.Form):
    category = forms.ChoiceField(label=_("About"))
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        min_length=5,
        help_text=_("Your question in one line."),
    )
    body = None  # set in __init__ (its label is per form)
    anonymous = forms.BooleanField(
        label=_("Post anonymously to other learners (staff still see your name)"),
        required=False,
    )

    def __init__(self, *args, categories: list[Category], guarded: set[str], **kw):
        super().__init__(*args, **kw)
        self.fields["category"].choices = [
            (
                category.key,
                _("%(category)s — only you and staff see it for now")
                % {"category": category.label()}
                if category.key in guarded
                else category.label(),
            )
            for category in categories
        ]
        self.fields["body"] = _body_field(_("Details"))
        self.fields["anonymous"] = self.fields.pop("anonymous")
        self.fields["images"] = _images_field()

    def clean_category(self) -> Category:
        return Category.parse(self.cleaned_data["category"])


class AnswerForm(forms.Form):
    anonymous = forms.BooleanField(
        label=_("Post anonymously to other learners (staff still see your name)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "body": _body_field(pgettext_lazy("Q&A", "Your answer")),
            "anonymous": self.fields["anonymous"],
            "images": _images_field(),
        }


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=BODY_MAX_LENGTH,
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous to other learners"), required=False
    )
