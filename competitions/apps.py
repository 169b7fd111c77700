from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("Competitions")

    def ready(self) -> None:
        from competitions import (  # noqa: F401 - each registers itself
            deadlines,  # its deadlines, with the other apps'
            tasks,  # how its jobs resume
        )
