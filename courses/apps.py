from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from courses import (
            selectors,  # noqa: F401 - forgets cached staff courses
            tasks,  # noqa: F401 - registers how its jobs resume
        )
