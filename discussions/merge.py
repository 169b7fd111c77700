"""Staff merge a duplicate question into the original.

The duplicate's answers, comments, votes and follows move to the original
(a learner who had voted or followed both keeps one); the duplicate stays,
marked `merged_into`, so its address redirects to the original and the
moderation log says who merged what, when.

A question under the spoiler guard is never merged, either way: its answers
would become visible to every learner on an open original, or an open
question's would vanish behind the guard. Staff make it public first, or
wait until the homework's answers are revealed.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from discussions.models import (
    Answer,
    Comment,
    Follow,
    ModerationLog,
    PostState,
    Question,
    Vote,
)


class MergeRefused(Exception):
    """Why this merge cannot happen, in words for staff."""


def merge_refusal(*, duplicate: Question, original: Question, now: datetime) -> str:
    """Why `duplicate` may not be merged into `original` ("" when it may)."""
    if original.course_id != duplicate.course_id:
        return _("Both questions must be in the same course.")
    if original.pk == duplicate.pk:
        return _("A question cannot be merged into itself.")
    if duplicate.merged_into_id is not None:
        return _("This question was already merged into another one.")
    if original.merged_into_id is not None:
        return _(
            "Question #%(number)s was itself merged into another one: "
            "merge into that one instead."
        ) % {"number": original.pk}
    if PostState.DELETED in (original.state, duplicate.state):
        return _("A deleted question cannot be merged.")
    if duplicate.spoiler_guarded(now) or original.spoiler_guarded(now):
        return _(
            "One of the questions is hidden from other learners until the "
            "answers are revealed. Make it public first, or merge it after "
            "the reveal."
        )
    return ""


def merge_counts(duplicate: Question) -> dict:
    """What a merge would move, for the confirmation page."""
    return {
        "answers": Answer.objects.filter(question=duplicate)
        .exclude(state=PostState.DELETED)
        .count(),
        "votes": Vote.objects.filter(question=duplicate).count(),
        "follows": Follow.objects.filter(question=duplicate).count(),
    }


@transaction.atomic
def question_merge(
    *, duplicate: Question, original: Question, actor, now: datetime, note: str = ""
) -> Question:
    """Move everything of `duplicate` into `original`; raise `MergeRefused`
    with the reason when the merge is not allowed."""
    # Both rows locked in id order, so two staff merging crosswise wait.
    locked = {
        q.pk: q
        for q in Question.objects.select_for_update(of=("self",))
        .select_related("course", "lecture")
        .filter(pk__in=[duplicate.pk, original.pk])
        .order_by("pk")
    }
    duplicate, original = locked[duplicate.pk], locked[original.pk]
    reason = merge_refusal(duplicate=duplicate, original=original, now=now)
    if reason:
        raise MergeRefused(reason)

    Answer.objects.filter(question=duplicate).update(question=original)
    Comment.objects.filter(question=duplicate).update(question=original)
    # One vote and one follow per person: theirs on the original wins.
    Vote.objects.filter(
        question=duplicate,
        user__in=Vote.objects.filter(question=original).values("user"),
    ).delete()
    Vote.objects.filter(question=duplicate).update(question=original)
    Follow.objects.filter(
        question=duplicate,
        user__in=Follow.objects.filter(question=original).values("user"),
    ).delete()
    Follow.objects.filter(question=duplicate).update(question=original)
    # The duplicate's asker had the question too.
    if duplicate.author_id != original.author_id:
        Vote.objects.get_or_create(question=original, user_id=duplicate.author_id)
    # Questions merged into the duplicate earlier now point at the original.
    Question.objects.filter(merged_into=duplicate).update(merged_into=original)

    counts = Question.objects.filter(pk=original.pk).aggregate(
        votes=Count("votes", distinct=True),
    )
    answers = Answer.objects.filter(question=original, state=PostState.VISIBLE)
    facts = answers.aggregate(
        count=Count("pk"),
        latest=Max("created_at"),
        endorsed=Count("pk", filter=Q(endorsed_at__isnull=False)),
    )
    original.votes_count = counts["votes"]
    original.answers_count = facts["count"]
    original.has_endorsed = bool(facts["endorsed"])
    original.last_activity_at = max(
        filter(None, [original.last_activity_at, facts["latest"], now])
    )
    original.save(
        update_fields=[
            "votes_count",
            "answers_count",
            "has_endorsed",
            "last_activity_at",
        ]
    )
    duplicate.merged_into = original
    duplicate.votes_count = 0
    duplicate.answers_count = 0
    duplicate.has_endorsed = False
    duplicate.solved_answer = None
    duplicate.moderated_by = actor
    duplicate.moderated_at = now
    duplicate.save(
        update_fields=[
            "merged_into", "votes_count", "answers_count", "has_endorsed",
            "solved_answer", "moderated_by", "moderated_at",
        ]
    )  # fmt: skip
    ModerationLog.objects.create(
        course_id=original.course_id,
        actor=actor,
        action=ModerationLog.Action.MERGE,
        question=duplicate,
        note=note
        or _("Merged into #%(number)s %(title)s")
        % {"number": original.pk, "title": original.title},
        created_at=now,
    )
    return original
