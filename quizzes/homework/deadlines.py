"""Homework and survey deadlines for "this week" and the calendar feed.

Each provider reads its deadlines and the learner's state in one query.
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.selectors import register_deadline_provider
from quizzes.models import (
    DraftAnswer,
    Homework,
    Submission,
    Survey,
    SurveyDraft,
    SurveyResponse,
)


def _state(item, *, now: datetime, closes_at: datetime | None) -> tuple[str, str]:
    """The learner's state of one deadline, and its label."""
    if getattr(item, "submitted_late", False):
        return "late", _("Submitted late")
    if getattr(item, "submitted", False):
        return "submitted", _("Submitted")
    if closes_at is not None and now > closes_at:
        return "closed", _("Closed")
    if now > item.due_at:
        return "late", _("Late submission open")
    if getattr(item, "has_draft", False):
        return "draft", _("Draft saved")
    return "not_started", _("Not started")


def _deadlines(
    items: QuerySet,
    *,
    user,
    start,
    end,
    fk: str,
    submissions,
    late_field: str,
    drafts,
    kind: str,
    title: str,
    closes,
) -> list[dict]:
    """Deadlines of `items` (homework or surveys) with the learner's state:
    `submissions`/`drafts` are the models holding the learner's work, linked
    to the item by `fk`; `closes(item)`: when nothing more is accepted."""
    items = items.filter(published=True, lecture__published=True).select_related(
        "lecture"
    )
    if start is not None:
        items = items.filter(due_at__gte=start)
    if end is not None:
        items = items.filter(due_at__lt=end)
    if user is not None and user.is_authenticated:
        mine = submissions.objects.filter(**{fk: OuterRef("pk"), "user": user})
        items = items.annotate(
            submitted=Exists(mine),
            submitted_late=Exists(mine.filter(**{late_field: True})),
            has_draft=Exists(
                drafts.objects.filter(**{fk: OuterRef("pk"), "user": user})
            ),
        )
    now = timezone.now()
    deadlines = []
    for item in items.order_by("due_at"):
        state, label = _state(item, now=now, closes_at=closes(item))
        deadlines.append(
            {
                "uid": f"{kind}-{item.pk}",
                "title": title % {"number": item.lecture.number},
                "due_at": item.due_at,
                "url": item.get_absolute_url(),
                "kind": kind,
                "state": state,
                "state_label": label,
            }
        )
    return deadlines


@register_deadline_provider
def homework_deadline_provider(*, course, user, start, end) -> list[dict]:
    return _deadlines(
        Homework.objects.filter(lecture__course=course),
        user=user,
        start=start,
        end=end,
        fk="homework",
        submissions=Submission,
        late_field="is_late",
        drafts=DraftAnswer,
        kind="homework",
        title=_("Homework: lecture %(number)s"),
        closes=lambda homework: homework.closes_at,
    )


@register_deadline_provider
def survey_deadline_provider(*, course, user, start, end) -> list[dict]:
    return _deadlines(
        Survey.objects.filter(lecture__course=course),
        user=user,
        start=start,
        end=end,
        fk="survey",
        submissions=SurveyResponse,
        late_field="late",
        drafts=SurveyDraft,
        kind="survey",
        title=_("Lecture summary: lecture %(number)s"),
        closes=lambda survey: None if survey.allow_late else survey.due_at,
    )
