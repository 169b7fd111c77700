"""Two-factor authentication for the people who can see everyone's data."""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from courses.models import CourseRole

# Where the staff user was going; they are sent back there once enrolled.
NEXT_SESSION_KEY = "koza_mfa_next"
PROTECTED_PREFIXES = ("/staff/", "/admin/")


def needs_mfa(user) -> bool:
    """Course staff and admins, Django staff and superusers: whoever reaches
    other learners' work or the admin must use TOTP."""
    if not user.is_authenticated:
        return False
    if not (
        user.is_superuser
        or user.is_staff
        or CourseRole.objects.filter(user_id=user.pk).exists()
    ):
        return False
    return not is_mfa_enabled(user, [Authenticator.Type.TOTP])


class StaffMfaRequiredMiddleware:
    """With `MFA_REQUIRED_FOR_STAFF` (on in production), a staff user without
    TOTP who opens a staff page or the admin is sent to allauth's TOTP
    activation with a message, and back to that page once enrolled (from
    the recovery codes page, or straight away if no codes were made).
    Learners' pages are not affected, so only the staff paths cost the check's
    queries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.MFA_REQUIRED_FOR_STAFF and (
            redirect := self._enrolment_step(request)
        ):
            return redirect
        return self.get_response(request)

    def _enrolment_step(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path
        if path.startswith(PROTECTED_PREFIXES) and needs_mfa(request.user):
            request.session[NEXT_SESSION_KEY] = request.get_full_path()
            messages.warning(
                request,
                _(
                    "Staff must use two-factor authentication. Set up an "
                    "authenticator app to continue; you will be taken back "
                    "to the page you opened."
                ),
            )
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if path == reverse("mfa_index") and NEXT_SESSION_KEY in request.session:
            target = request.session.pop(NEXT_SESSION_KEY)
            if url_has_allowed_host_and_scheme(target, allowed_hosts=None):
                return HttpResponseRedirect(target)
        if path.startswith(PROTECTED_PREFIXES):
            request.session.pop(NEXT_SESSION_KEY, None)
        return None
