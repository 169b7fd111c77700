"""Hooks the apps built on courses fill in (from their AppConfig.ready), so
`courses` shows their parts of a lecture without importing them, as with
`selectors.register_deadline_provider`.

- lecture annotations: a column on the staff overview's lectures
  (`has_homework`), from a factory of an expression where OuterRef("pk") is
  the lecture;
- lecture sections: HTML shown on the lecture page below its description
  (the recording player, slides and notebook);
- lecture badges: labels next to "this week"'s latest lectures (which
  materials are up), for several lectures in one query;
- extension listeners: told when learners' extensions change, to judge
  their submitted work against the new due times.
"""

from collections.abc import Callable, Iterable

from django.db.models import Expression, QuerySet
from django.template import Context
from django.utils.safestring import SafeString

from courses.models import Lecture

_lecture_annotations: dict[str, Callable[[], Expression]] = {}
_lecture_sections: list[Callable[[Context], SafeString]] = []
_lecture_badges: list[Callable[[list[Lecture]], dict[int, list[str]]]] = []
_extension_listeners: list[Callable[..., None]] = []


def register_extension_listener(listener: Callable[..., None]):
    """Register `listener(*, course, user_ids)`, called in the transaction
    that grants or revokes those learners' extensions: apps that judged work
    by the old due times (late flags) judge it again."""
    if listener not in _extension_listeners:
        _extension_listeners.append(listener)
    return listener


def extension_listeners() -> list[Callable[..., None]]:
    return list(_extension_listeners)


def register_lecture_annotation(name: str, expression: Callable[[], Expression]):
    _lecture_annotations[name] = expression


def annotate_lectures(lectures: QuerySet) -> QuerySet:
    """`lectures` with every registered annotation."""
    return lectures.annotate(
        **{name: expression() for name, expression in _lecture_annotations.items()}
    )


def register_lecture_section(section: Callable[[Context], SafeString]):
    """Register `section(context) -> SafeString`, rendered in the lecture
    page's template context (`lecture`, `course`, `request`)."""
    if section not in _lecture_sections:
        _lecture_sections.append(section)
    return section


def lecture_sections(context: Context) -> list[SafeString]:
    return [section(context) for section in _lecture_sections]


def register_lecture_badges(badges: Callable[[list[Lecture]], dict[int, list[str]]]):
    """Register `badges(lectures) -> {lecture pk: [label, …]}`."""
    if badges not in _lecture_badges:
        _lecture_badges.append(badges)
    return badges


def lectures_with_badges(lectures: Iterable[Lecture]) -> list[dict]:
    """[{"lecture", "badges": labels from every provider}] in `lectures`' order."""
    lectures = list(lectures)
    labels: dict[int, list[str]] = {lecture.pk: [] for lecture in lectures}
    for badges in _lecture_badges:
        for pk, found in badges(lectures).items():
            labels[pk].extend(found)
    return [{"lecture": lecture, "badges": labels[lecture.pk]} for lecture in lectures]
