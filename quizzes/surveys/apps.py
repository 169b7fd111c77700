from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "quizzes.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        # Deadlines appear in "this week" and in the calendar feed.
        from quizzes.surveys import deadlines  # noqa: F401
