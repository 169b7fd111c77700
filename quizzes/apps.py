from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    """Installed only for its migrations (see the package docstring): the
    models live in `quizzes.homework` and `quizzes.surveys`."""

    name = "quizzes"
    verbose_name = "quizzes (migration history)"
