"""Writes to a course's Q&A: ask, answer, comment, vote, endorse, mark
solved, attach images. Each checks who may do it (`discussions.rules`) and
raises `DiscussionError` with a message for the person when they may not;
nothing is written then. Counters on the question (votes, visible answers,
last activity) are recomputed from the rows in the same transaction, so a
repeated or concurrent request leaves them right."""

from datetime import datetime
from io import BytesIO

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from courses.models import Course, Lecture
from discussions import following, rules, tasks
from discussions.models import (
    LECTURE_TOPICS,
    Answer,
    Attachment,
    Comment,
    ModerationLog,
    PostState,
    Question,
    Vote,
)

IMAGE_MAX_BYTES = 2 * 1024 * 1024
IMAGES_PER_POST = 4
# Pillow's format name → the content type the file is served with.
IMAGE_FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}


class DiscussionError(Exception):
    """An action refused, with the reason for the person who tried it."""


def _refuse(message: str):
    raise DiscussionError(message)


def question_ask(
    *,
    course: Course,
    author,
    topic: str,
    lecture: Lecture | None,
    title: str,
    body: str,
    anonymous: bool = False,
    images: list[UploadedFile] = (),
    now: datetime | None = None,
) -> Question:
    """File a new question. A homework or competition question may be under
    the spoiler guard from the start: the ask page says so before posting."""
    if not rules.may_take_part(author, course):
        _refuse(_("Only approved learners and staff of this course can ask."))
    if topic in LECTURE_TOPICS:
        if lecture is None or lecture.course_id != course.pk:
            _refuse(_("Choose the lecture this question is about."))
    else:
        lecture = None
    now = now or timezone.now()
    images = _checked_images(images)
    with transaction.atomic():
        question = Question.objects.create(
            course=course,
            author=author,
            topic=topic,
            lecture=lecture,
            title=title.strip(),
            body=body,
            anonymous=anonymous,
            created_at=now,
            last_activity_at=now,
        )
        _attach(images, uploaded_by=author, question=question)
        # the asker follows their question; category followers are told
        following.question_follow(user=author, question=question)
        tasks.question_posted_notify.delay_on_commit(question_id=question.pk)
    return question


def answer_post(
    *,
    question: Question,
    author,
    body: str,
    anonymous: bool = False,
    images: list[UploadedFile] = (),
    now: datetime | None = None,
) -> Answer:
    if not rules.may_reply(author, question):
        _refuse(_locked_or_outsider(question))
    now = now or timezone.now()
    images = _checked_images(images)
    with transaction.atomic():
        answer = Answer.objects.create(
            question=question,
            author=author,
            body=body,
            anonymous=anonymous,
            created_at=now,
        )
        _attach(images, uploaded_by=author, answer=answer)
        question_refresh_counts(question_id=question.pk, activity_at=now)
        tasks.answer_posted_notify.delay_on_commit(answer_id=answer.pk)
    return answer


def comment_post(
    *,
    author,
    body: str,
    question: Question | None = None,
    answer: Answer | None = None,
    anonymous: bool = False,
    now: datetime | None = None,
) -> Comment:
    """A comment under the question or one of its answers (exactly one)."""
    thread = question or answer.question
    if not rules.may_reply(author, thread):
        _refuse(_locked_or_outsider(thread))
    now = now or timezone.now()
    with transaction.atomic():
        comment = Comment.objects.create(
            question=question,
            answer=answer,
            author=author,
            body=body,
            anonymous=anonymous,
            created_at=now,
        )
        Question.objects.filter(pk=thread.pk).update(last_activity_at=now)
    return comment


def question_vote(*, question: Question, user, vote: bool) -> int:
    """Add (or, with `vote=False`, take back) the user's "I have this
    question too"; returns the new count. Twice is the same as once."""
    if not rules.may_vote(user, question):
        if question.author_id == user.pk:
            _refuse(_("You asked this question: it counts as yours already."))
        _refuse(_locked_or_outsider(question))
    with transaction.atomic():
        if vote:
            try:
                with transaction.atomic():
                    Vote.objects.create(question=question, user=user)
            except IntegrityError:
                pass  # voted already
        else:
            Vote.objects.filter(question=question, user=user).delete()
        question_refresh_counts(question_id=question.pk)
    return Question.objects.values_list("votes_count", flat=True).get(pk=question.pk)


def answer_endorse(*, answer: Answer, actor, endorse: bool = True) -> None:
    """Staff vouch for an answer (shown first and marked), or withdraw it;
    logged for the audit."""
    question = answer.question
    if not rules.may_moderate(actor, question.course):
        _refuse(_("Only staff can endorse answers."))
    if answer.state == PostState.DELETED:
        _refuse(_("This answer was deleted."))
    now = timezone.now()
    with transaction.atomic():
        changed = Answer.objects.filter(
            pk=answer.pk, endorsed_at__isnull=endorse
        ).update(
            endorsed_by=actor if endorse else None,
            endorsed_at=now if endorse else None,
        )
        if not changed:
            return
        Question.objects.filter(pk=question.pk).update(
            has_endorsed=Exists(
                Answer.objects.filter(
                    question_id=question.pk,
                    endorsed_at__isnull=False,
                    state=PostState.VISIBLE,
                )
            ),
            last_activity_at=now,
        )
        ModerationLog.objects.create(
            course=question.course,
            actor=actor,
            action=ModerationLog.Action.ENDORSE
            if endorse
            else ModerationLog.Action.UNENDORSE,
            question=question,
            answer=answer,
        )
        if endorse:
            tasks.answer_endorsed_notify.delay_on_commit(answer_id=answer.pk)


def question_mark_solved(*, question: Question, actor, answer: Answer | None) -> None:
    """The asker (or staff) marks which answer solved the question, or with
    `answer=None` that it is not solved after all."""
    if not rules.may_mark_solved(actor, question):
        _refuse(_("Only the person who asked can mark this question solved."))
    if answer is not None and (
        answer.question_id != question.pk or answer.state != PostState.VISIBLE
    ):
        _refuse(_("That answer is not one of this question's answers."))
    Question.objects.filter(pk=question.pk).update(solved_answer=answer)


def question_refresh_counts(*, question_id: int, activity_at=None) -> None:
    """Votes and visible answers counted from the rows (one statement), so
    the list's order and "unanswered" stay true after any change."""
    fields = {
        "votes_count": models.Subquery(
            Vote.objects.filter(question_id=question_id)
            .values("question_id")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        "answers_count": models.Subquery(
            Answer.objects.filter(question_id=question_id, state=PostState.VISIBLE)
            .values("question_id")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
    }
    fields = {name: Coalesce(value, 0) for name, value in fields.items()}
    if activity_at is not None:
        fields["last_activity_at"] = activity_at
    Question.objects.filter(pk=question_id).update(**fields)


def _locked_or_outsider(question: Question) -> str:
    if question.locked:
        return _("This question is locked: staff closed it to new posts.")
    return _("Only approved learners and staff of this course can take part.")


def _checked_images(images) -> list[tuple[UploadedFile, str]]:
    """Each upload verified as a PNG, JPEG, GIF or WebP image of at most
    2 MB, at most four: (file, content type), or `DiscussionError` naming
    the file at fault."""
    images = [image for image in images if image]
    if len(images) > IMAGES_PER_POST:
        _refuse(
            _("Attach at most %(count)d images to one post.")
            % {"count": IMAGES_PER_POST}
        )
    checked = []
    for image in images:
        if image.size > IMAGE_MAX_BYTES:
            _refuse(
                _("%(name)s is larger than 2 MB: make it smaller and try again.")
                % {"name": image.name}
            )
        content = image.read()
        image.seek(0)
        try:
            with Image.open(BytesIO(content)) as opened:
                kind = opened.format
                opened.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            kind = None
        if kind not in IMAGE_FORMATS:
            _refuse(
                _("%(name)s is not a PNG, JPEG, GIF or WebP image.")
                % {"name": image.name}
            )
        checked.append((image, IMAGE_FORMATS[kind]))
    return checked


def _attach(images, *, uploaded_by, question=None, answer=None) -> None:
    for image, content_type in images:
        Attachment.objects.create(
            question=question,
            answer=answer,
            uploaded_by=uploaded_by,
            file=image,
            content_type=content_type,
            size=image.size,
        )


def attachment_for_viewer(*, course: Course, user, pk: int, now: datetime):
    """An attachment the user may see: on a question or answer they can see
    (`visible_to`), or None."""
    is_staff = course.is_staff(user)
    questions = Question.objects.visible_to(user, course, now, is_staff=is_staff)
    answers = Answer.objects.visible_to(user, course, now, is_staff=is_staff)
    return Attachment.objects.filter(
        Q(question__in=questions) | Q(answer__in=answers), pk=pk
    ).first()
