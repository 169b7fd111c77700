"""The archives' parts of courses' lecture pages (registered as courses.hooks
in ArchivesConfig.ready): the materials on the lecture page, and which
materials are up on "this week"."""

from django.template import Context
from django.utils.safestring import SafeString

from archives.models import EMBED_ORIGINS, Kind, Material
from archives.selectors import published_kinds_by_lecture
from lms.csp import allow_frame_origins


def lecture_materials(context: Context) -> SafeString:
    """The lecture's published materials: player with captions, slides,
    notebook, external video. Shown on the lecture page."""
    request = context["request"]
    lecture = context["lecture"]
    course = context.get("course") or lecture.course
    materials = list(
        Material.objects.filter(
            lecture=lecture, published=True, state=Material.State.READY
        ).order_by("created_at")
    )
    by_kind = {kind: [m for m in materials if m.kind == kind] for kind in Kind}
    links = by_kind[Kind.LINK]
    origins = {EMBED_ORIGINS[m.embed_provider] for m in links if m.embed_provider}
    if origins:
        allow_frame_origins(request, origins)
    section = context.new(
        {
            "course": course,
            "lecture": lecture,
            "recordings": by_kind[Kind.RECORDING],
            "captions": by_kind[Kind.CAPTIONS],
            "slides": by_kind[Kind.SLIDES],
            "notebooks": by_kind[Kind.NOTEBOOK],
            "links": links,
            "can_manage": course.is_admin(request.user),
            "csp_nonce": context.get("csp_nonce"),
        }
    )
    template = context.template.engine.get_template("archives/lecture_materials.html")
    return template.render(section)


def published_material_badges(lectures: list) -> dict[int, list[str]]:
    """{lecture pk: labels of what learners can open} in one query: "this
    week" says which recordings are up."""
    kinds = published_kinds_by_lecture(lecture.pk for lecture in lectures)
    shown = [Kind.RECORDING, Kind.SLIDES, Kind.NOTEBOOK, Kind.LINK]
    return {
        lecture.pk: [kind.label for kind in shown if kind in kinds.get(lecture.pk, [])]
        for lecture in lectures
    }
