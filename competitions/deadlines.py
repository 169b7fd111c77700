"""Competition deadlines (submissions close, report due) for "this week", the
progress page and the calendar feed."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from competitions.models import Competition, Entry, Participant
from courses.selectors import register_deadline_provider


def _state(*, done: bool, due, now) -> tuple[str, str]:
    # Context: "Submitted" is also the competition's "submitted at" column.
    if done:
        return "submitted", pgettext("deadline state", "Submitted")
    if due <= now:
        return "closed", pgettext("deadline state", "Closed")
    return "not_started", pgettext("deadline state", "Not started")


@register_deadline_provider
def competition_deadline_provider(*, course, user, start, end) -> list[dict]:
    """Each competition's closing time, and its report deadline when there is
    a report (due with the submissions unless it has its own deadline)."""
    now = timezone.now()
    signed_in = user is not None and user.is_authenticated
    deadlines = []
    for competition in Competition.objects.filter(course=course).select_related(
        "course"
    ):
        submitted = signed_in and (
            Entry.objects.filter(
                competition=competition, user=user, status__in=Entry.COUNTED
            ).exists()
        )
        state, label = _state(done=submitted, due=competition.closes_at, now=now)
        found = [
            {
                "uid": f"competition-{competition.pk}",
                "title": _("Competition closes: %(title)s")
                % {"title": competition.title},
                "due_at": competition.closes_at,
                "url": competition.get_absolute_url(),
                "kind": "competition",
                "state": state,
                "state_label": label,
            }
        ]
        if competition.report_required or competition.report_deadline:
            due = competition.report_deadline or competition.closes_at
            reported = signed_in and (
                Participant.objects.filter(competition=competition, user=user)
                .exclude(report="")
                .exists()
            )
            state, label = _state(done=reported, due=due, now=now)
            found.append(
                {
                    "uid": f"competition-report-{competition.pk}",
                    "title": _("Competition report due: %(title)s")
                    % {"title": competition.title},
                    "due_at": due,
                    "url": competition.get_absolute_url(),
                    "kind": "competition_report",
                    "state": state,
                    "state_label": label,
                }
            )
        deadlines.extend(
            d
            for d in found
            if (start is None or d["due_at"] >= start)
            and (end is None or d["due_at"] < end)
        )
    return deadlines
