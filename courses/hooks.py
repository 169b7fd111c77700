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
- lecture tasks: what a learner answers per lecture (homework, survey),
  linked from the lecture page only when it exists and the viewer may open
  it (`LectureItemQuerySet.visible_to_learners`, the rule the item pages use).
- extension listeners: told when learners' extensions change, to judge
  their submitted work against the new due times.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Expression, QuerySet
from django.template import Context
from django.utils.safestring import SafeString

from courses.models import Lecture

_lecture_annotations: dict[str, Callable[[], Expression]] = {}
_lecture_sections: list[Callable[[Context], SafeString]] = []
_lecture_badges: list[Callable[[list[Lecture]], dict[int, list[str]]]] = []
_lecture_tasks: dict[str, tuple[Callable[[], QuerySet], str]] = {}

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


def register_lecture_task(name: str, items: Callable[[], QuerySet], label: str):
    """Register a kind of lecture item: `items()` is its model's
    `LectureItemQuerySet` and `label` (lazy) names its link."""
    _lecture_tasks[name] = (items, label)


def lecture_tasks(lecture: Lecture, *, staff: bool) -> list[dict]:
    """[{"name", "label", "url"}] of the lecture's items the viewer may open:
    staff open every item (to try and edit it), learners only the published
    ones (the item pages answer 404 to anything else)."""
    tasks = []
    for name, (items, label) in _lecture_tasks.items():
        found = items().filter(lecture=lecture)
        if not staff:
            found = found.visible_to_learners()
        item = found.first()
        if item is not None:
            tasks.append({"name": name, "label": label, "url": item.get_absolute_url()})
    return tasks


# The schedule ---------------------------------------------------------------
# What follows a lecture's date (homework, surveys) registers a follower, so
# generating, shifting and reordering lectures in `courses` moves their
# deadlines without `courses` importing them.


@dataclass(frozen=True)
class ScheduleFollower:
    """`create(lectures)`: give new lectures their items, dated by the
    course defaults; `count(lectures)`: how many deadlines moving these
    lectures moves; `shift(lectures, delta)`: move them (each item saved, so
    its model re-judges lateness); `reset(lectures)`: date them by the course
    defaults again, returning how many changed."""

    name: str
    create: Callable[[list[Lecture]], None]
    count: Callable[[QuerySet], int]
    shift: Callable[[QuerySet, timedelta], int]
    reset: Callable[[QuerySet], int]


_schedule_followers: dict[str, ScheduleFollower] = {}


def register_schedule_follower(follower: ScheduleFollower) -> None:
    _schedule_followers[follower.name] = follower


def schedule_followers() -> list[ScheduleFollower]:
    return list(_schedule_followers.values())


# Course set-up pages other apps own (homework defaults, survey settings):
# (label, URL name taking the course slug), linked from the set-up page.
_setup_pages: list[tuple[str, str]] = []


def register_setup_page(label: str, url_name: str) -> None:
    if (label, url_name) not in _setup_pages:
        _setup_pages.append((label, url_name))


def setup_pages() -> list[tuple[str, str]]:
    return list(_setup_pages)
