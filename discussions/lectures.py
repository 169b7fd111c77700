"""The lecture page's FAQ: questions staff marked as FAQ under this
lecture (or its homework or survey), as the viewer may read them, with the
endorsed answer. Registered as a lecture section (`courses.hooks`), so
`courses` shows it without importing `discussions`."""

from django.template import Context
from django.utils import timezone
from django.utils.safestring import SafeString

from discussions import rules
from discussions.models import (
    Answer,
    Category,
    PostState,
    Question,
    Topic,
    spoiler_guarded_q,
)


def faq_questions(*, user, course, lecture, now, is_staff: bool):
    """The lecture's FAQ for `user`: visible to them (`visible_to`), and
    only what every learner may read: shown, not merged away and not under
    the spoiler guard (a question the viewer wrote is no exception), so
    staff preview exactly what learners see."""
    return (
        Question.objects.visible_to(user, course, now, is_staff=is_staff)
        .filter(
            lecture=lecture,
            is_faq=True,
            state=PostState.VISIBLE,
            merged_into__isnull=True,
        )
        .exclude(spoiler_guarded_q(now, viewer_id=None if is_staff else user.pk))
        .order_by("-votes_count", "id")
    )


def lecture_faq(context: Context) -> SafeString:
    request = context["request"]
    lecture = context["lecture"]
    course = context.get("course") or lecture.course
    now = timezone.now()
    is_staff = course.is_staff(request.user)
    questions = list(
        faq_questions(
            user=request.user,
            course=course,
            lecture=lecture,
            now=now,
            is_staff=is_staff,
        )
    )
    may_ask = rules.may_take_part(request.user, course)
    if not questions and not may_ask:
        return SafeString("")
    # the answer shown: endorsed first, else the one the asker marked solved
    answers = {}
    for answer in (
        Answer.objects.filter(
            question__in=[q.pk for q in questions], state=PostState.VISIBLE
        )
        .filter(endorsed_at__isnull=False)
        .order_by("endorsed_at")
    ):
        answers.setdefault(answer.question_id, answer)
    solved = [q.solved_answer_id for q in questions if q.pk not in answers]
    for answer in Answer.objects.filter(
        pk__in=[pk for pk in solved if pk], state=PostState.VISIBLE
    ):
        answers.setdefault(answer.question_id, answer)
    section = context.new(
        {
            "course": course,
            "lecture": lecture,
            "faq": [{"question": q, "answer": answers.get(q.pk)} for q in questions],
            "may_ask": may_ask,
            "category": Category(Topic.LECTURE, lecture.number).key,
        }
    )
    template = context.template.engine.get_template("discussions/lecture_faq.html")
    return template.render(section)
