from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Koza")

    def ready(self) -> None:
        from lms import auth  # noqa: F401 - keeps the user cache in step with saves
