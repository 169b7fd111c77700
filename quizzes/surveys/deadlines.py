"""Survey deadlines for "this week" and the calendar feed, in one query,
and the answers judged again when a learner's extension changes."""

from django.utils.translation import gettext as _

from courses.hooks import register_extension_listener
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
    )


@register_extension_listener
def survey_extensions_changed(*, course, user_ids) -> None:
    SurveyResponse.objects.filter(
        survey__lecture__course=course, user_id__in=user_ids
    ).judge_lateness()
