"""Homework deadlines for "this week" and the calendar feed, in one query."""

from django.utils.translation import gettext as _

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
