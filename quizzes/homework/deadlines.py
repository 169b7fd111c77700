"""Homework deadlines for "this week" and the calendar feed, in one query,
and the reminders of the learners who have not submitted it yet."""

from django.utils.translation import gettext as _

from courses.reminders import lecture_item_reminders_send, register_reminder_source
from courses.selectors import lecture_item_deadlines, register_deadline_provider
from quizzes.homework.models import DraftAnswer, Homework, Submission


@register_deadline_provider
def homework_deadline_provider(*, course, user, start, end) -> list[dict]:
    return lecture_item_deadlines(
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
    )


@register_reminder_source
def homework_reminder_source(*, now) -> int:
    return lecture_item_reminders_send(
        Homework.objects.all(),
        now=now,
        fk="homework",
        submissions=Submission,
        kind="homework",
    )
