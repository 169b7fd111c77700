from django import template

from archives.models import EMBED_ORIGINS, Kind, Material

register = template.Library()


@register.inclusion_tag("archives/lecture_materials.html", takes_context=True)
def lecture_materials(context, lecture=None, course=None) -> dict:
    """The lecture's published materials: player with captions, slides,
    notebook, external video. Used on the lecture page."""
    request = context["request"]
    lecture = lecture or context["lecture"]
    course = course or context.get("course") or lecture.course
    materials = list(
        Material.objects.filter(
            lecture=lecture, published=True, state=Material.State.READY
        ).order_by("created_at")
    )
    by_kind = {kind: [m for m in materials if m.kind == kind] for kind in Kind}
    links = by_kind[Kind.LINK]
    origins = {EMBED_ORIGINS[m.embed_provider] for m in links if m.embed_provider}
    if origins:
        request._archive_frame_origins = origins | getattr(
            request, "_archive_frame_origins", set()
        )
    return {
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


@register.simple_tag
def with_published_materials(lectures) -> list[dict]:
    """[{"lecture", "kinds": labels of what learners can open}] for a few
    lectures in one query: "this week" says which recordings are up."""
    from archives.selectors import published_kinds_by_lecture

    lectures = list(lectures)
    kinds = published_kinds_by_lecture(lecture.pk for lecture in lectures)
    shown = [Kind.RECORDING, Kind.SLIDES, Kind.NOTEBOOK, Kind.LINK]
    return [
        {
            "lecture": lecture,
            "kinds": [
                kind.label for kind in shown if kind in kinds.get(lecture.pk, [])
            ],
        }
        for lecture in lectures
    ]
