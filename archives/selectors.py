"""Reads of the lecture archives for other pages ("this week", course page)."""

from collections import defaultdict

from archives.models import Material


def published_kinds_by_lecture(lecture_ids) -> dict[int, list[str]]:
    """{lecture id: kinds learners can open now}, in one query: lets a page
    say "the recording of lecture 7 is up" next to each lecture."""
    kinds: dict[int, list[str]] = defaultdict(list)
    rows = (
        Material.objects.filter(
            lecture_id__in=list(lecture_ids),
            published=True,
            state=Material.State.READY,
        )
        .order_by("lecture_id", "kind")
        .values_list("lecture_id", "kind")
        .distinct()
    )
    for lecture_id, kind in rows:
        kinds[lecture_id].append(kind)
    return dict(kinds)
