from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeworkConfig(AppConfig):
    name = "quizzes.homework"
    label = "homework"
    verbose_name = _("Homework")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from courses.hooks import register_lecture_annotation, register_lecture_task
        from quizzes.homework import (
            deadlines,  # noqa: F401  (registers itself)
            tasks,  # noqa: F401  (job kinds resume)
        )
        from quizzes.homework.models import Homework

        # The staff overview links each lecture's homework results.
        register_lecture_annotation(
            "has_homework",
            lambda: Exists(Homework.objects.filter(lecture=OuterRef("pk"))),
        )
        # The lecture page links it only when the viewer may open it.
        register_lecture_task(
            "homework",
            lambda: Homework.objects.select_related("lecture__course"),
            _("Homework"),
        )
