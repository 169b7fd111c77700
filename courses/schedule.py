"""How a lecture's items (homework, surveys) follow the schedule
(`courses.hooks.ScheduleFollower`): one follower per item model, built the
same way for each, so the apps that own the items only name their models.

A new lecture gets an unpublished item dated by the course's defaults
(`<Settings>.of(course).dates_for(lecture)`); moving a lecture moves its
item's dates by the same amount; "apply the defaults" dates items again.
Items are saved one by one (15 a course), because their `save()` re-judges
the lateness of every answer when a due time moves."""

from datetime import timedelta

from django.db import models

from courses.hooks import ScheduleFollower
from courses.models import Lecture

DATE_FIELDS = ("opens_at", "due_at", "reveal_at")


def item_follower(
    name: str, model: type[models.Model], defaults: type[models.Model], create_fields
) -> ScheduleFollower:
    """`create_fields(settings)`: the fields a new item takes from the
    course's settings besides its dates (pass mark, summary lengths…)."""
    date_fields = [f for f in DATE_FIELDS if hasattr(model, f)]

    def create(lectures: list[Lecture]) -> None:
        if not lectures:
            return
        settings = defaults.of(lectures[0].course)
        for lecture in lectures:
            dates = settings.dates_for(lecture)
            model.objects.get_or_create(
                lecture=lecture, defaults={**dates, **create_fields(settings)}
            )

    def count(lectures) -> int:
        return model.objects.filter(lecture__in=lectures).count()

    def shift(lectures, delta: timedelta) -> int:
        moved = 0
        for item in model.objects.filter(lecture__in=lectures):
            for field in date_fields:
                if getattr(item, field) is not None:
                    setattr(item, field, getattr(item, field) + delta)
            item.save()
            moved += 1
        return moved

    def reset(lectures) -> int:
        changed = 0
        items = model.objects.filter(lecture__in=lectures).select_related(
            "lecture__course"
        )
        for item in items:
            settings = defaults.of(item.lecture.course)
            dates = settings.dates_for(item.lecture)
            if all(getattr(item, f) == dates[f] for f in dates):
                continue
            for field, value in dates.items():
                setattr(item, field, value)
            item.save()
            changed += 1
        return changed

    return ScheduleFollower(
        name=name, create=create, count=count, shift=shift, reset=reset
    )
