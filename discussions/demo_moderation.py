"""Demo moderation and following, on top of `discussions.demo`'s questions:
two lecture questions in their lecture page's FAQ, reports waiting in the
staff queue (and one handled), a hidden answer and a deleted comment in the
moderation log, the demo learner following their own questions and the
lecture 3 category, and the bell telling them of answers to what they
asked. Does nothing the second time."""

from datetime import timedelta

from django.utils import timezone

from discussions.models import (
    Answer,
    Comment,
    Follow,
    ModerationLog,
    PostState,
    Question,
    Report,
    Topic,
)
from discussions.moderation import question_counts_refresh
from notifications.models import Kind
from notifications.services import notify

FAQ_TITLES = [
    "Why divide by the square root of d_k?",
    "Why do tokenizers split Japanese into so many tokens?",
]


def seed(*, course, admin, staff, learner) -> None:
    questions = Question.objects.filter(course=course)
    if (
        not questions.exists()
        or Report.objects.filter(question__course=course).exists()
    ):
        return
    now = timezone.now()

    def log(action, question, at, **post):
        ModerationLog.objects.create(
            course=course,
            actor=staff,
            action=action,
            question=question,
            created_at=at,
            **post,
        )

    for title in FAQ_TITLES:
        question = questions.filter(title=title).first()
        if question is not None:
            Question.objects.filter(pk=question.pk).update(is_faq=True)
            log(ModerationLog.Action.FAQ, question, now - timedelta(days=2))

    others = list(
        questions.exclude(author__in=[learner, staff, admin])
        .exclude(topic__in=[Topic.HOMEWORK, Topic.COMPETITION])
        .order_by("created_at")
    )
    if len(others) >= 6:
        reporter_ids = [q.author_id for q in others[:3]]
        duplicate, chatty, rude = others[-1], others[-2], others[-3]
        Report.objects.create(
            reporter_id=reporter_ids[0],
            question=duplicate,
            reason="Asked already: the slides question last week is the same.",
            created_at=now - timedelta(hours=5),
        )
        spoiler = Answer.objects.create(
            question=chatty,
            author_id=reporter_ids[1],
            body="Just copy last year's answers, they are in a public repo.",
            created_at=now - timedelta(hours=9),
        )
        Report.objects.create(
            reporter=learner,
            answer=spoiler,
            reason="This tells people to copy answers.",
            created_at=now - timedelta(hours=8),
        )
        # a handled one: staff hid the answer it was about
        hidden = Answer.objects.create(
            question=rude,
            author_id=reporter_ids[2],
            body="Off-topic advertisement for a paid course.",
            created_at=now - timedelta(days=3),
            state=PostState.HIDDEN,
            moderated_by=staff,
            moderated_at=now - timedelta(days=3, hours=-1),
        )
        Report.objects.create(
            reporter_id=reporter_ids[1],
            answer=hidden,
            reason="Spam.",
            created_at=now - timedelta(days=3),
            resolved_by=staff,
            resolved_at=now - timedelta(days=3, hours=-1),
        )
        log(
            ModerationLog.Action.HIDE,
            rude,
            now - timedelta(days=3, hours=-1),
            answer=hidden,
            note="Advertisement.",
        )
        comment = Comment.objects.create(
            question=chatty,
            author_id=reporter_ids[2],
            body="bump",
            created_at=now - timedelta(days=1),
            state=PostState.DELETED,
            moderated_by=staff,
            moderated_at=now - timedelta(hours=20),
        )
        log(
            ModerationLog.Action.DELETE,
            chatty,
            now - timedelta(hours=20),
            comment=comment,
        )
        for question in (chatty, rude):
            question_counts_refresh(question_id=question.pk)

    own = list(questions.filter(author=learner).select_related("lecture"))
    Follow.objects.bulk_create(
        [Follow(user=learner, course=course, question=q) for q in own],
        ignore_conflicts=True,
    )
    lecture = course.lectures.filter(number=3).first()
    if lecture is not None:
        Follow.objects.get_or_create(
            user=learner, course=course, question=None, topic=Topic.LECTURE,
            lecture=lecture,
        )  # fmt: skip
    for answer in (
        Answer.objects.filter(question__in=own, state=PostState.VISIBLE)
        .exclude(author=learner)
        .select_related("question__lecture")
    ):
        question = answer.question
        notify(
            [learner.pk],
            Kind.QUESTION_ANSWERED,
            course=course,
            url=answer.get_absolute_url(),
            params={
                "course": course.title,
                "title": question.title,
                "topic": question.topic,
                "number": question.lecture.number if question.lecture_id else "",
            },
            dedupe_key=f"qa:answer:{answer.pk}",
            email=False,
            now=min(answer.created_at, now),
        )
