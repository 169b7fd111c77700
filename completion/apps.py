from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompletionConfig(AppConfig):
    name = "completion"
    verbose_name = _("Completion and certificates")

    def ready(self) -> None:
        from completion import tasks  # noqa: F401 - registers how its jobs resume
