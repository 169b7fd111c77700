from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("Homework and surveys")

    def ready(self) -> None:
        # Deadlines appear in "this week" and in the calendar feed.
        from quizzes import deadlines  # noqa: F401
