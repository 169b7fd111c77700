"""Survey (lecture summary) deadlines for "this week" and the calendar feed."""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.selectors import register_deadline_provider
from quizzes.models import Survey, SurveyDraft, SurveyResponse


def _state(survey: Survey, now) -> tuple[str, str]:
    if getattr(survey, "submitted_late", False):
        return "late", _("Submitted late")
    if getattr(survey, "submitted", False):
        return "submitted", _("Submitted")
    if now > survey.due_at:
        if survey.allow_late:
            return "late", _("Late submission open")
        return "closed", _("Closed")
    if getattr(survey, "has_draft", False):
        return "draft", _("Draft saved")
    return "not_started", _("Not started")


@register_deadline_provider
def survey_deadline_provider(*, course, user, start, end) -> list[dict]:
    """Published surveys of the course due in [start, end), with this
    learner's state, in one query."""
    surveys = Survey.objects.filter(
        lecture__course=course, published=True, lecture__published=True
    ).select_related("lecture")
    if start is not None:
        surveys = surveys.filter(due_at__gte=start)
    if end is not None:
        surveys = surveys.filter(due_at__lt=end)
    if user is not None and user.is_authenticated:
        mine = SurveyResponse.objects.filter(survey=OuterRef("pk"), user=user)
        surveys = surveys.annotate(
            submitted=Exists(mine),
            submitted_late=Exists(mine.filter(late=True)),
            has_draft=Exists(
                SurveyDraft.objects.filter(survey=OuterRef("pk"), user=user)
            ),
        )
    now = timezone.now()
    deadlines = []
    for survey in surveys.order_by("due_at"):
        state, label = _state(survey, now)
        deadlines.append(
            {
                "uid": f"survey-{survey.pk}",
                "title": _("Lecture summary: lecture %(number)s")
                % {"number": survey.lecture.number},
                "due_at": survey.due_at,
                "url": survey.get_absolute_url(),
                "kind": "survey",
                "state": state,
                "state_label": label,
            }
        )
    return deadlines
