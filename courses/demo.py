"""Demo data for admission and announcements (see seed_demo's DEMO_STEPS)."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from courses.models import (
    Announcement,
    ApplicationQuestion,
    Course,
    CourseRole,
    Enrollment,
    Extension,
    Lecture,
)
from courses.services import ExtensionLearner, extension_grant

# An empty draft course the demo staff member (not a superuser) runs as its
# admin, to set up from scratch: settings, schedule, homework.
NEXT_COURSE_SLUG = "llm-next"

WITHDRAWN_EMAIL = "withdrawn@example.com"
REJOIN_EMAIL = "learner300@example.com"

# A learner with more time: lecture 6's homework, closed for everyone else.
EXTENDED_EMAIL = "extended@example.com"
EXTENDED_LECTURE = 6
EXTENDED_TIME = timedelta(days=14)

QUESTIONS = [
    (ApplicationQuestion.Kind.SHORT_TEXT, "Which languages do you program in?", ""),
    (ApplicationQuestion.Kind.LONG_TEXT, "Why do you want to take this course?", ""),
    (
        ApplicationQuestion.Kind.SINGLE_CHOICE,
        "How much Python have you written?",
        "None yet\nA little\nA lot",
    ),
]
ANNOUNCEMENT_BODY = """\
Welcome to the course! This week's live lecture is on **Thursday at 18:00**
(Japan time). The live link appears on the course page 30 minutes before.

- Homework and the summary survey are due the following Wednesday.
- Questions? Ask in the course forum.
"""


def seed(*, course, admin, staff, learner) -> None:
    questions = []
    for position, (kind, text, choices) in enumerate(QUESTIONS, start=1):
        question, _ = ApplicationQuestion.objects.get_or_create(
            course=course,
            text=text,
            defaults={"kind": kind, "choices": choices, "position": position},
        )
        questions.append(question)
    # Give the generated applications waiting for review something to read.
    waiting = Enrollment.objects.filter(
        course=course, status=Enrollment.Status.APPLIED
    ).filter(Q(answers={}) | Q(answers__isnull=True))
    answers = {
        questions[0].answer_key: "Python",
        questions[1].answer_key: "I want to understand how LLMs work.",
        questions[2].answer_key: "A little",
    }
    waiting.update(answers=answers)
    Announcement.objects.get_or_create(
        course=course,
        title="Welcome to the course",
        defaults={"body": ANNOUNCEMENT_BODY, "author": admin},
    )
    _withdrawn_learners(course=course, learner=learner)
    _extended_learner(course=course, staff=staff, password=learner.password)
    next_course, _ = Course.objects.get_or_create(
        slug=NEXT_COURSE_SLUG,
        defaults={
            "title": "Large Language Models (next term, draft)",
            "state": Course.State.DRAFT,
        },
    )
    CourseRole.objects.get_or_create(
        course=next_course, user=staff, defaults={"role": CourseRole.Role.ADMIN}
    )


def _withdrawn_learners(*, course, learner) -> None:
    """A learner who withdrew (their course page offers to rejoin) and a
    generated one who asked to rejoin (waiting on the applications page)."""
    now = timezone.now()
    user, created = User.objects.get_or_create(
        email=WITHDRAWN_EMAIL,
        defaults={"display_name": "Withdrawn Demo", "password": learner.password},
    )
    if created:
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    Enrollment.objects.get_or_create(
        course=course,
        user=user,
        defaults={
            "status": Enrollment.Status.WITHDRAWN,
            "applied_at": now - timedelta(days=60),
            "withdrawn_at": now - timedelta(days=10),
        },
    )
    Enrollment.objects.filter(
        course=course, user__email=REJOIN_EMAIL, rejoin_requested_at__isnull=True
    ).update(
        status=Enrollment.Status.REJOIN,
        withdrawn_at=now - timedelta(days=20),
        rejoin_requested_at=now - timedelta(days=1),
        rejoin_note="I had to pause for exams. May I come back for the rest?",
    )


def _extended_learner(*, course, staff, password: str) -> None:
    """extended@example.com (the demo password) with an extension of lecture
    6's homework: open for them, on time, after it closed for the others."""
    user, created = User.objects.get_or_create(
        email=EXTENDED_EMAIL,
        defaults={"display_name": "Extended Demo", "password": password},
    )
    if created:
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    Enrollment.objects.get_or_create(
        course=course,
        user=user,
        defaults={
            "status": Enrollment.Status.APPROVED,
            "decided_at": timezone.now(),
            "decided_by": staff,
        },
    )
    lecture = Lecture.objects.filter(course=course, number=EXTENDED_LECTURE).first()
    if lecture is None or Extension.objects.filter(course=course, user=user).exists():
        return
    extension_grant(
        course=course,
        learners=[ExtensionLearner(user.pk, user.email, EXTENDED_TIME)],
        scope=Extension.Scope.HOMEWORK,
        lecture=lecture,
        reason="Demo: in hospital during week 6 (note from the doctor).",
        by=staff,
    )
