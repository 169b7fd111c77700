from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeworkConfig(AppConfig):
    name = "quizzes.homework"
    label = "homework"
    verbose_name = _("Homework")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef, Subquery

        from courses.hooks import (
            register_lecture_annotation,
            register_lecture_task,
            register_schedule_follower,
            register_setup_page,
        )
        from courses.schedule import item_follower
        from quizzes.homework import (
            deadlines,  # noqa: F401  (registers itself)
            tasks,  # noqa: F401  (job kinds resume)
        )
        from quizzes.homework.models import Homework, HomeworkDefaults

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
        # The schedule shows each lecture's homework due time.
        mine = Homework.objects.filter(lecture=OuterRef("pk"))
        register_lecture_annotation(
            "homework_due_at", lambda: Subquery(mine.values("due_at")[:1])
        )
        register_lecture_annotation(
            "homework_published", lambda: Subquery(mine.values("published")[:1])
        )
        register_schedule_follower(
            item_follower(
                "homework",
                Homework,
                HomeworkDefaults,
                lambda defaults: {"pass_mark": defaults.pass_mark},
            )
        )
        register_setup_page(_("Homework defaults"), "homework_defaults")
