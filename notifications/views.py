from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import services
from notifications.forms import PreferencesForm
from notifications.models import Channel, Kind, Notification

PAGE_SIZE = 25


def _safe_local(url: str, request: HttpRequest) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).only(
        "kind", "params", "url", "created_at", "read_at", "course_id"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": services.unread_count(user_id=request.user.pk)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read; with `open`, go on to the thing it is
    about (a link on this site only)."""
    found = services.notification_mark_read(
        user_id=request.user.pk, notification_id=notification_id
    )
    back = reverse("notifications")
    page = request.POST.get("page", "")
    if page.isdigit():
        back += f"?page={page}"
    if not found:
        messages.error(request, _("That notification was not found."))
        return redirect(back)
    if request.POST.get("open"):
        url = (
            Notification.objects.filter(pk=notification_id)
            .values_list("url", flat=True)
            .first()
        )
        if url and _safe_local(url, request):
            return redirect(url)
    return redirect(back)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user_id=request.user.pk)
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked read.",
            "%(count)s notifications marked read.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications")


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    current = services.preferences_for(user_id=request.user.pk)
    form = PreferencesForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        services.preferences_set(user_id=request.user.pk, channels=form.cleaned_data)
        messages.success(request, _("Your email preferences are saved."))
        return redirect("notification_preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058: the mail provider POSTs with no session or token
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners must not unsubscribe anyone); POST
    (the button, or a mail client's one-click) turns that kind's email off.
    The signed token is the authority: no sign-in needed."""
    try:
        _user_id, kind = services.unsubscribe_read(token)
    except services.NotificationError as error:
        return render(
            request,
            "notifications/unsubscribe.html",
            {"error": str(error)},
            status=400,
        )
    done = False
    if request.method == "POST":
        services.unsubscribe(token=token)
        done = True
    label = Channel.DIGEST.label if kind == services.DIGEST else Kind(kind).label
    return render(
        request, "notifications/unsubscribe.html", {"kind": label, "done": done}
    )
