"""Homework deadlines for "this week" and the calendar feed, in one query,
the reminders of the learners who have not submitted it yet, and the
submissions judged again when a learner's extension changes."""

from django.utils.translation import gettext as _

from courses.hooks import register_extension_listener
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


@register_extension_listener
def homework_extensions_changed(*, course, user_ids) -> None:
    """The learners' late flags follow their new due times; a homework with
    a submission judged anew is ungraded again, so the regrade sweep applies
    (or lifts) the late cap."""
    mine = Submission.objects.filter(
        homework__lecture__course=course, user_id__in=user_ids
    )
    if mine.judge_lateness():
        Homework.objects.filter(
            lecture__course=course,
            graded_key_version__isnull=False,
            pk__in=mine.filter(graded_key_version__isnull=True).values("homework_id"),
        ).update(graded_key_version=None)
