from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "quizzes.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from courses.hooks import register_lecture_annotation, register_lecture_task
        from quizzes.surveys import (
            deadlines,  # noqa: F401  (registers itself)
            tasks,  # noqa: F401  (job kinds resume)
        )
        from quizzes.surveys.models import Survey

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
