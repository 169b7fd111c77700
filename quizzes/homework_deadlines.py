"""Homework deadlines for "this week" and the calendar feed."""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.selectors import register_deadline_provider
from quizzes.models import DraftAnswer, Homework, Submission


def _state(homework: Homework, now) -> tuple[str, str]:
    if getattr(homework, "submitted_late", False):
        return "late", _("Submitted late")
    if getattr(homework, "submitted", False):
        return "submitted", _("Submitted")
    if now > homework.closes_at:
        return "closed", _("Closed")
    if now > homework.due_at:
        return "late", _("Late submission open")
    if getattr(homework, "has_draft", False):
        return "draft", _("Draft saved")
    return "not_started", _("Not started")


@register_deadline_provider
def homework_deadline_provider(*, course, user, start, end) -> list[dict]:
    """Published homework of the course due in [start, end), with this
    learner's state, in one query."""
    homeworks = Homework.objects.filter(
        lecture__course=course, published=True, lecture__published=True
    ).select_related("lecture")
    if start is not None:
        homeworks = homeworks.filter(due_at__gte=start)
    if end is not None:
        homeworks = homeworks.filter(due_at__lt=end)
    if user is not None and user.is_authenticated:
        mine = Submission.objects.filter(homework=OuterRef("pk"), user=user)
        homeworks = homeworks.annotate(
            submitted=Exists(mine),
            submitted_late=Exists(mine.filter(is_late=True)),
            has_draft=Exists(
                DraftAnswer.objects.filter(homework=OuterRef("pk"), user=user)
            ),
        )
    now = timezone.now()
    deadlines = []
    for homework in homeworks.order_by("due_at"):
        state, label = _state(homework, now)
        deadlines.append(
            {
                "uid": f"homework-{homework.pk}",
                "title": _("Homework: lecture %(number)s")
                % {"number": homework.lecture.number},
                "due_at": homework.due_at,
                "url": homework.get_absolute_url(),
                "kind": "homework",
                "state": state,
                "state_label": label,
            }
        )
    return deadlines
