from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        from courses.hooks import register_lecture_section
        from discussions.lectures import lecture_faq

        register_lecture_section(lecture_faq)
