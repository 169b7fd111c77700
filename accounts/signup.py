"""The signup form allauth uses (ACCOUNT_FORMS): allauth's own, with the
extra fields of `accounts.forms.SignupForm`, taking equally long whether or
not the address already has an account."""

from allauth.account.forms import SignupForm
from django.contrib.auth.hashers import make_password


class EqualTimeSignupForm(SignupForm):
    def try_save(self, request):
        """A new account costs a password hash; an address that already has
        one (allauth then only emails its owner) used to cost nothing, and
        the difference (0.06 s against 1.4 s) told anyone which addresses
        have accounts. Hash the password here too, and throw it away."""
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)
