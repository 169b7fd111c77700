from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    """Send allauth's emails in the recipient's preferred language; lock
    password guessing per account and address."""

    def send_mail(self, template_prefix, email, context):
        user = context.get("user")
        language = getattr(user, "language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """allauth keys the failed-login limit on the email alone, so anyone
        who knows a learner's address could keep them locked out for good by
        failing on purpose every few minutes. Keyed on the account and the
        client's address, a lockout stops only whoever caused it, for
        `ACCOUNT_LOGIN_ATTEMPTS_TIMEOUT`, with no CAPTCHA; the per-address
        limit (10 a minute, allauth's "login_failed" rate) still slows one
        guesser trying many accounts."""
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{self.get_client_ip(request)}"
