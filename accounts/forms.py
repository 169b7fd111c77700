from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import LearnerCategory, User


class SignupForm(forms.Form):
    """Extra fields on allauth's signup form (allauth calls `signup`)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=100,
        help_text=_("Shown on your certificate and to course staff."),
    )
    affiliation = forms.CharField(
        label=_("Affiliation"), max_length=200, required=False
    )
    category = forms.ChoiceField(
        label=_("Learner category"),
        choices=LearnerCategory.choices,
        initial=LearnerCategory.STUDENT,
    )

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.affiliation = self.cleaned_data["affiliation"]
        user.category = self.cleaned_data["category"]
        user.language = (getattr(request, "LANGUAGE_CODE", "") or "")[:2]
        user.save()


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "display_name",
            "affiliation",
            "category",
            "language",
            "announcement_emails",
        ]
