"""Survey deadlines for "this week" and the calendar feed, in one query,
the reminders of the learners who have not submitted it yet, and the
answers judged again when a learner's extension changes."""

from django.db.models import Q
from django.utils.translation import gettext as _

from courses.hooks import register_extension_listener
from courses.reminders import lecture_item_reminders_send, register_reminder_source
from courses.selectors import lecture_item_deadlines, register_deadline_provider
from quizzes.surveys.models import Survey, SurveyDraft, SurveyResponse


@register_deadline_provider
def survey_deadline_provider(*, course, user, start, end) -> list[dict]:
    return lecture_item_deadlines(
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
        sent_back=Q(review_state=SurveyResponse.Review.NEEDS_REVISION),
    )


@register_reminder_source
def survey_reminder_source(*, now) -> int:
    return lecture_item_reminders_send(
        Survey.objects.all(),
        now=now,
        fk="survey",
        submissions=SurveyResponse,
        kind="survey",
    )


@register_extension_listener
def survey_extensions_changed(*, course, user_ids) -> None:
    SurveyResponse.objects.filter(
        survey__lecture__course=course, user_id__in=user_ids
    ).judge_lateness()
