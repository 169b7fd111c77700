from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeworkConfig(AppConfig):
    name = "quizzes.homework"
    label = "homework"
    verbose_name = _("Homework")

    def ready(self) -> None:
        # Deadlines appear in "this week" and in the calendar feed.
        from quizzes.homework import deadlines  # noqa: F401
