from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = _("Lecture archives")

    def ready(self) -> None:
        from archives.lectures import lecture_materials, published_material_badges
        from courses.hooks import register_lecture_badges, register_lecture_section

        register_lecture_section(lecture_materials)
        register_lecture_badges(published_material_badges)
