"""Staff moderation of a course's Q&A, and learners' reports to staff.

Every action is one conditional UPDATE (so a double click, or two staff at
once, changes and logs it once) and one `ModerationLog` row, the audit.
Nothing is ever removed: "delete" is a state learners never see and staff
see only in the moderation log, where it can be restored.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from courses.models import Course
from discussions.models import (
    GUARDED_TOPICS,
    Answer,
    Comment,
    ModerationLog,
    PostState,
    Question,
    Report,
)

Action = ModerationLog.Action
REASON_MAX_LENGTH = 2000


class ModerationError(ValueError):
    """An action the rules refuse, with a message to show."""


@dataclass(frozen=True)
class Change:
    """An action on a post: the rows it applies to (`when`) and the fields
    it sets (`sets`; `None` values are filled with the actor and time)."""

    when: Q
    sets: dict
    label: str


_STATE_CHANGES = {
    Action.HIDE: Change(
        Q(state=PostState.VISIBLE),
        {"state": PostState.HIDDEN},
        gettext_lazy("Hidden from learners."),
    ),
    Action.UNHIDE: Change(
        Q(state=PostState.HIDDEN),
        {"state": PostState.VISIBLE},
        gettext_lazy("Shown to learners again."),
    ),
    Action.DELETE: Change(
        ~Q(state=PostState.DELETED),
        {"state": PostState.DELETED},
        gettext_lazy("Deleted. It can be restored from the moderation log."),
    ),
    Action.RESTORE: Change(
        Q(state=PostState.DELETED),
        {"state": PostState.VISIBLE},
        gettext_lazy("Restored."),
    ),
}

QUESTION_CHANGES = _STATE_CHANGES | {
    Action.PIN: Change(Q(pinned=False), {"pinned": True}, gettext_lazy("Pinned.")),
    Action.UNPIN: Change(Q(pinned=True), {"pinned": False}, gettext_lazy("Unpinned.")),
    Action.LOCK: Change(
        Q(locked=False),
        {"locked": True},
        gettext_lazy("Locked: no new answers or comments."),
    ),
    Action.UNLOCK: Change(Q(locked=True), {"locked": False}, gettext_lazy("Unlocked.")),
    Action.FAQ: Change(
        Q(is_faq=False),
        {"is_faq": True},
        gettext_lazy("Marked as FAQ: it is shown on its lecture's page."),
    ),
    Action.UNFAQ: Change(
        Q(is_faq=True), {"is_faq": False}, gettext_lazy("Removed from the FAQ.")
    ),
    Action.MAKE_PUBLIC: Change(
        Q(made_public_at__isnull=True, topic__in=sorted(GUARDED_TOPICS)),
        {"made_public_by": None, "made_public_at": None},
        gettext_lazy("Made public: every learner of the course may read it now."),
    ),
}
# The buttons' words (the log's labels say what was done).
VERBS = {
    Action.PIN: gettext_lazy("Pin"),
    Action.UNPIN: gettext_lazy("Unpin"),
    Action.LOCK: gettext_lazy("Lock"),
    Action.UNLOCK: gettext_lazy("Unlock"),
    Action.HIDE: pgettext_lazy("moderation", "Hide"),
    Action.UNHIDE: gettext_lazy("Show again"),
    Action.DELETE: gettext_lazy("Delete"),
    Action.RESTORE: gettext_lazy("Restore"),
    Action.FAQ: gettext_lazy("Mark as FAQ"),
    Action.UNFAQ: gettext_lazy("Remove from the FAQ"),
    Action.MAKE_PUBLIC: gettext_lazy("Make public"),
}
# Answers and comments are only hidden, deleted and brought back.
POST_CHANGES = _STATE_CHANGES
# What asks for a confirmation first.
CONFIRMED_ACTIONS = frozenset({Action.DELETE, Action.HIDE, Action.MAKE_PUBLIC})


@dataclass(frozen=True)
class Target:
    """The one post an action or report is about."""

    question: Question
    answer: Answer | None = None
    comment: Comment | None = None

    @property
    def post(self):
        return self.comment or self.answer or self.question

    @property
    def model(self):
        return type(self.post)

    def log_fields(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "comment": self.comment,
        }

    def report_fields(self) -> dict:
        if self.comment is not None:
            return {"comment": self.comment}
        if self.answer is not None:
            return {"answer": self.answer}
        return {"question": self.question}


def target_in(question: Question, *, answer_id=None, comment_id=None) -> Target:
    """The question, or one of its answers or comments (a comment under the
    question or under one of its answers); `Answer.DoesNotExist` /
    `Comment.DoesNotExist` for anything else."""
    if comment_id:
        comment = Comment.objects.select_related("answer").get(
            Q(question=question) | Q(answer__question=question), pk=comment_id
        )
        return Target(question=question, comment=comment)
    if answer_id:
        return Target(question=question, answer=question.answers.get(pk=answer_id))
    return Target(question=question)


def changes_for(target: Target) -> dict[str, Change]:
    return (
        QUESTION_CHANGES
        if target.answer is None and target.comment is None
        else (POST_CHANGES)
    )


def post_moderate(
    *,
    course: Course,
    actor,
    target: Target,
    action: str,
    note: str = "",
    now: datetime | None = None,
) -> str:
    """Do `action` on the target post, log it and return what to tell the
    staff member. Refused (`ModerationError`) for an action that does not
    apply to this kind of post, or that would change nothing (already
    done)."""
    if target.question.course_id != course.pk:
        raise ModerationError(_("This post is not in this course."))
    changes = changes_for(target)
    if action not in changes:
        raise ModerationError(_("This action does not apply to this post."))
    change = changes[action]
    now = now or timezone.now()
    sets = {
        field: (value if value is not None else _filled(field, actor, now))
        for field, value in change.sets.items()
    }
    if "state" in sets:
        sets |= {"moderated_by": actor, "moderated_at": now}
    with transaction.atomic():
        changed = target.model.objects.filter(change.when, pk=target.post.pk).update(
            **sets
        )
        if not changed:
            raise ModerationError(_nothing_changed(action, target))
        ModerationLog.objects.create(
            course=course,
            actor=actor,
            action=action,
            note=note.strip()[:REASON_MAX_LENGTH],
            created_at=now,
            **target.log_fields(),
        )
        if target.answer is not None and target.comment is None and "state" in sets:
            question_counts_refresh(question_id=target.question.pk)
        if action in (Action.HIDE, Action.DELETE):
            # What staff removed needs no more looking at.
            Report.objects.filter(
                resolved_at__isnull=True, **target.report_fields()
            ).update(resolved_by=actor, resolved_at=now)
        if action == Action.MAKE_PUBLIC:
            from discussions import tasks

            tasks.question_posted_notify.delay_on_commit(question_id=target.question.pk)
    return str(change.label)


def _filled(field: str, actor, now: datetime):
    return actor if field.endswith("_by") else now


def _nothing_changed(action: str, target: Target) -> str:
    if action == Action.MAKE_PUBLIC and target.question.topic not in GUARDED_TOPICS:
        return _(
            "Only a question about a homework or the competition is ever "
            "hidden from other learners; this one already is public."
        )
    return _("Nothing changed: this was already done.")


def question_counts_refresh(*, question_id: int) -> None:
    """The question's answer count (visible answers) and whether one of them
    is endorsed, recounted after an answer was hidden, deleted or
    restored."""
    visible = Answer.objects.filter(question_id=OuterRef("pk"), state=PostState.VISIBLE)
    Question.objects.filter(pk=question_id).update(
        answers_count=Coalesce(
            Subquery(
                visible.order_by()
                .values("question_id")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            Value(0),
        ),
        has_endorsed=Exists(visible.filter(endorsed_at__isnull=False)),
    )


# Reports ---------------------------------------------------------------------


def post_report(*, reporter, target: Target, reason: str) -> Report:
    """A learner tells staff about a post they can see (the view checked).
    A second report of the same post by the same person while the first is
    open is refused, so nobody can flood the queue."""
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(_("Say briefly what is wrong with this post."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ModerationError(
            _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH}
        )
    fields = target.report_fields()
    with transaction.atomic():
        if Report.objects.filter(
            reporter=reporter, resolved_at__isnull=True, **fields
        ).exists():
            raise ModerationError(
                _("You already reported this post; staff will look at it.")
            )
        return Report.objects.create(reporter=reporter, reason=reason, **fields)


def report_resolve(*, report: Report, by, now: datetime | None = None) -> bool:
    """Staff looked at a report (and did what was needed); False if someone
    already had."""
    return bool(
        Report.objects.filter(pk=report.pk, resolved_at__isnull=True).update(
            resolved_by=by, resolved_at=now or timezone.now()
        )
    )


def reports_of(course: Course) -> Q:
    """For a query on Report: reports about posts of `course`. One primary
    key lookup per report (not a join of every question and answer of the
    course, which the OR of four paths would make)."""
    return (
        Exists(Question.objects.filter(pk=OuterRef("question_id"), course=course))
        | Exists(
            Answer.objects.filter(pk=OuterRef("answer_id"), question__course=course)
        )
        | Exists(
            Comment.objects.filter(pk=OuterRef("comment_id")).filter(
                Q(question__course=course) | Q(answer__question__course=course)
            )
        )
    )
