"""Reads for competition pages: the leaderboards and the staff queue."""

import base64
import time

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.crypto import salted_hmac

from competitions.models import Competition, Entry, Participant

LEADERBOARD_TTL = 600


def competition_for_course(course) -> Competition | None:
    """The course's competition (the most recent one, should there be more)."""
    return (
        Competition.objects.filter(course=course)
        .select_related("course")
        .order_by("-opens_at")
        .first()
    )


def leaderboard(competition: Competition, *, private: bool = False) -> list[dict]:
    """Ranked rows: rank, nickname ("name", may be empty), pseudonym,
    score, submissions, last submission time.

    Public: each learner's best public score. Private: the best private score
    among the learner's selected final submissions, or, if they selected
    none, of their best public one. Ties go to the earlier submission. Cached;
    scoring, selection and imports delete the cache entry.
    """
    board = "private" if private else "public"
    # The version is read before the rows: a reader that computed from rows
    # older than the latest score stores them under a version nobody reads.
    version = cache.get_or_set(_version_key(competition.pk), time.time_ns, None)
    key = f"competitions:leaderboard:{competition.pk}:{board}:{version}"
    rows = cache.get(key)
    if rows is None:
        rows = _leaderboard_rows(competition, private=private)
        cache.set(key, rows, LEADERBOARD_TTL)
    return rows


def _version_key(competition_id: int) -> str:
    return f"competitions:leaderboard:{competition_id}:version"


def leaderboard_invalidate(competition_id: int) -> None:
    try:
        cache.incr(_version_key(competition_id))
    except ValueError:  # missing (evicted): start from a value never used
        cache.set(_version_key(competition_id), time.time_ns(), None)


def _leaderboard_rows(competition: Competition, *, private: bool) -> list[dict]:
    sign = -1.0 if competition.higher_is_better else 1.0
    per_user: dict[int, list[tuple]] = {}
    entries = (
        Entry.objects.filter(
            competition=competition,
            status=Entry.Status.SCORED,
            public_score__isnull=False,
        )
        .order_by()
        .values_list(
            "user_id",
            "public_score",
            "private_score",
            "submitted_at",
            "selected_for_final",
        )
    )
    for user_id, public, private_score, submitted_at, selected in entries.iterator(
        chunk_size=5000
    ):
        per_user.setdefault(user_id, []).append(
            (public, private_score, submitted_at, selected)
        )
    best: list[tuple] = []
    for user_id, rows in per_user.items():
        by_public = min(rows, key=lambda r: (sign * r[0], r[2]))
        if private:
            final = [r for r in rows if r[3]] or [by_public]
            final = [r for r in final if r[1] is not None]
            if not final:
                continue
            chosen = min(final, key=lambda r: (sign * r[1], r[2]))
            score = chosen[1]
        else:
            chosen, score = by_public, by_public[0]
        last = max(r[2] for r in rows)
        best.append((sign * score, chosen[2], user_id, score, len(rows), last))
    best.sort()
    names = _public_names(competition, [row[2] for row in best])
    return [
        {
            "rank": rank,
            "user_id": user_id,
            "name": names.get(user_id, ""),
            "pseudonym": pseudonym(competition.pk, user_id),
            "score": score,
            "submissions": count,
            "last_submitted_at": last,
        }
        for rank, (_key, _at, user_id, score, count, last) in enumerate(best, start=1)
    ]


def _public_names(competition: Competition, user_ids: list[int]) -> dict[int, str]:
    """The learners' nicknames (empty for those who chose none: the board
    shows their pseudonym). Never a display name, often a real name, which
    signup promises only staff and the certificate will show, and never an
    email address."""
    return dict(
        Participant.objects.filter(competition=competition, user_id__in=user_ids)
        .exclude(nickname="")
        .values_list("user_id", "nickname")
    )


def pseudonym(competition_id: int, user_id: int) -> str:
    """A participant's stable code name on a board without a nickname: an
    HMAC of the ids under the server's secret, so it is the same on every
    visit yet tells nobody the user id (a hash of the id alone could be
    reversed by trying every id)."""
    digest = salted_hmac(
        "koza.competitions.pseudonym",
        f"{competition_id}:{user_id}",
        algorithm="sha256",
    ).digest()
    return base64.b32encode(digest[:5]).decode()[:6]


def with_staff_names(rows: list[dict]) -> list[dict]:
    """Board rows with the learners' names added, for staff only."""
    from accounts.models import User

    names = dict(
        User.objects.filter(pk__in=[row["user_id"] for row in rows]).values_list(
            "pk", "display_name"
        )
    )
    return [row | {"staff_name": names.get(row["user_id"]) or ""} for row in rows]


def users_with_scored_entry(course) -> set[int]:
    """Ids of learners who took part (at least one scored entry): for the
    completion rule "competition entry required"."""
    return set(
        Entry.objects.filter(
            competition__course=course, status=Entry.Status.SCORED
        ).values_list("user_id", flat=True)
    )


def entries_for_user(competition: Competition, user) -> list[Entry]:
    return list(Entry.objects.filter(competition=competition, user=user))


def queue_summary(competition: Competition) -> dict:
    counts = Entry.objects.filter(competition=competition).aggregate(
        queued=Count("pk", filter=Q(status=Entry.Status.QUEUED)),
        scoring=Count("pk", filter=Q(status=Entry.Status.SCORING)),
        scored=Count("pk", filter=Q(status=Entry.Status.SCORED)),
        rejected=Count("pk", filter=Q(status=Entry.Status.REJECTED)),
        failed=Count("pk", filter=Q(status=Entry.Status.FAILED)),
    )
    return counts


def queue_entries(competition: Competition, *, limit: int = 200) -> list[Entry]:
    """Entries staff need to watch: waiting, being scored, or failed."""
    return list(
        Entry.objects.filter(
            competition=competition,
            status__in=[
                Entry.Status.QUEUED,
                Entry.Status.SCORING,
                Entry.Status.FAILED,
            ],
        )
        .select_related("user")
        .order_by("status", "submitted_at")[:limit]
    )


def recent_entries(competition: Competition, *, limit: int = 50) -> list[Entry]:
    return list(
        Entry.objects.filter(competition=competition)
        .select_related("user")
        .order_by("-submitted_at")[:limit]
    )
