"""Demo homework: graded, revealed homework for the past weeks (with the
generated learners' submissions) and this week's homework, open."""

import random
from datetime import timedelta

from django.utils import timezone

from courses.models import Enrollment
from quizzes.homework.models import (
    Choice,
    Homework,
    Question,
    Submission,
    SubmissionAnswer,
)
from quizzes.homework.services import homework_grade_all, homework_publish

QUESTIONS = [
    (
        "Which statement about **{title}** matches the lecture?",
        ["The one the lecture demonstrated", "Its opposite", "An unrelated claim",
         "None of these"],
        "The lecture showed this in the hands-on notebook.",
    ),
    (
        "What does this code print?\n\n```python\nprint(len('koza'))\n```",
        ["4", "3", "5", "An error"],
        "`len` counts the characters of the string.",
    ),
    (
        "「{title}」について、講義の説明と合うものはどれか。",
        ["講義で示したもの", "その逆", "無関係な主張", "どれでもない"],
        "演習ノートブックで確認しました。",
    ),
    (
        "Which is a token id sequence?",
        ["`[101, 2023, 102]`", "`'hello'`", "`3.14`", "`None`"],
        "Tokenizers turn text into integer ids.",
    ),
    (
        "Attention computes $\\mathrm{softmax}\\left(\\frac{QK^\\top}{\\sqrt{d_k}}"
        "\\right)V$. Why divide by $\\sqrt{d_k}$?",
        ["To keep the scores' variance near 1", "To make $K$ orthogonal",
         "To normalise $V$", "To save GPU memory"],
        "With unit-variance entries, $q \\cdot k = \\sum_{i=1}^{d_k} q_i k_i$ has "
        "variance $d_k$:\n\n$$\n\\operatorname{Var}(q \\cdot k) / d_k = 1\n$$",
    ),
]  # fmt: skip


def _create_homework(lecture, now) -> Homework:
    # This week's homework is open even before Thursday's lecture.
    opens_at = min(lecture.starts_at, now - timedelta(hours=1))
    homework = Homework.objects.create(
        lecture=lecture,
        opens_at=opens_at,
        due_at=max(lecture.starts_at, opens_at) + timedelta(days=7),
        late_days=2,
        late_cap="0.6",
    )
    questions = Question.objects.bulk_create(
        Question(
            homework=homework,
            position=index,
            title=f"W{lecture.number}Q{index}",
            text=text.replace("{title}", lecture.title),
            explanation=explanation,
        )
        for index, (text, _choices, explanation) in enumerate(QUESTIONS, start=1)
    )
    Choice.objects.create_in_random_order(
        [
            Choice(question=question, position=i, text=text, is_correct=i == 1)
            for question, (_text, choices, _explanation) in zip(
                questions, QUESTIONS, strict=True
            )
            for i, text in enumerate(choices, start=1)
        ]
    )
    homework_publish(homework=homework)
    return homework


def _submissions(homework: Homework, user_ids: list[int], rng) -> None:
    """Set-based: one insert of submissions, one of answers."""
    questions = list(homework.questions.prefetch_related("choices"))
    submitted = [u for u in user_ids if rng.random() < 0.85]
    Submission.objects.bulk_create(
        Submission(
            homework=homework,
            user_id=user_id,
            submitted_at=homework.due_at - timedelta(hours=rng.expovariate(1 / 12)),
        )
        for user_id in submitted
    )
    answers = []
    for submission_id in Submission.objects.filter(homework=homework).values_list(
        "id", flat=True
    ):
        skill = rng.random()
        for question in questions:
            choices = list(question.choices.all())
            choice = (
                choices[0] if rng.random() < 0.35 + 0.6 * skill else rng.choice(choices)
            )
            answers.append(
                SubmissionAnswer(
                    submission_id=submission_id, question=question, choice=choice
                )
            )
    SubmissionAnswer.objects.bulk_create(answers, batch_size=2000)


def seed(*, course, admin, staff, learner) -> None:
    if Homework.objects.filter(lecture__course=course).exists():
        return
    rng = random.Random(5)
    now = timezone.now()
    user_ids = list(
        Enrollment.objects.filter(course=course, status=Enrollment.Status.APPROVED)
        .exclude(user=learner)
        .values_list("user_id", flat=True)
    )
    # seed_demo makes lecture 8 this week's: homework up to it, none ahead.
    for lecture in course.lectures.filter(number__lte=8).order_by("number"):
        homework = _create_homework(lecture, now)
        if homework.reveal_at <= now:
            _submissions(homework, [*user_ids, learner.pk], rng)
            homework_grade_all(homework_id=homework.pk)
