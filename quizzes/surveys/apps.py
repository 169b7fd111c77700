from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "quizzes.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef, Subquery

        from courses.hooks import (
            register_lecture_annotation,
            register_lecture_task,
            register_schedule_follower,
            register_setup_page,
        )
        from courses.schedule import item_follower
        from quizzes.surveys import (
            deadlines,  # noqa: F401  (registers itself)
            tasks,  # noqa: F401  (job kinds resume)
        )
        from quizzes.surveys.models import Survey, SurveyCourseSettings

        # The staff overview links each lecture's survey responses.
        register_lecture_annotation(
            "has_survey",
            lambda: Exists(Survey.objects.filter(lecture=OuterRef("pk"))),
        )
        # The lecture page links it only when the viewer may open it.
        register_lecture_task(
            "survey",
            lambda: Survey.objects.select_related("lecture__course"),
            _("Survey (lecture summary)"),
        )
        # The schedule shows each lecture's survey due time.
        register_lecture_annotation(
            "survey_due_at",
            lambda: Subquery(
                Survey.objects.filter(lecture=OuterRef("pk")).values("due_at")[:1]
            ),
        )
        register_schedule_follower(
            item_follower(
                "survey",
                Survey,
                SurveyCourseSettings,
                lambda settings: {
                    "summary_min_chars": settings.summary_min_chars,
                    "summary_max_chars": settings.summary_max_chars,
                    "allow_late": settings.allow_late,
                },
            )
        )
        register_setup_page(_("Survey settings"), "survey_defaults")
