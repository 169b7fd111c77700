"""Build a course at scale for benchmarks: thousands of learners, fast.

    DEBUG=1 python manage.py seed_scale --learners 4000 --lectures 15

Everything goes in with bulk_create in batches (no per-row save()), so 4,000
learners take seconds and 20,000 well under a minute. The course (slug
"scale" unless --slug) is replaced if it exists; its learners are users
`scale-<n>@example.com` sharing one password hash (--password).

Weeks 1..L-1 are past: their homework and survey are closed and carry a
realistic spread (each learner has an engagement that decays over the term;
some miss weeks, about 8 % of submissions are late). Week L is this week:
homework and survey are open with no answers yet, which is what the deadline
spike benchmark submits to. Competition entries (scored) for about 60 % of
learners.

Refused when DEBUG is off (it sets passwords) unless --force.
"""

import random
import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from competitions.models import Competition, Entry
from courses.models import Course, CourseRole, Enrollment, Lecture
from quizzes.homework.models import (
    Choice,
    Homework,
    Question,
    Submission,
    SubmissionAnswer,
)
from quizzes.surveys.models import Survey, SurveyQuestion, SurveyResponse

BATCH = 5000
QUESTIONS = 5
CHOICES = 4
LATE_SHARE = 0.08
SUMMARY = (
    "This week's lecture covered how large language models are trained and "
    "evaluated. I learned why the attention mechanism scales with sequence "
    "length, how tokenization affects what a model can represent, and what "
    "the hands-on notebook showed about fine-tuning a small model on a free "
    "GPU. The part about evaluation made me rethink benchmark scores. "
)


class Command(BaseCommand):
    help = "Build a large course for benchmarks with bulk inserts (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=4000)
        parser.add_argument("--lectures", type=int, default=15)
        parser.add_argument("--slug", default="scale")
        parser.add_argument("--password", default="koza-scale")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off"
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_scale only runs with DEBUG on (it sets passwords); "
                "pass --force to run it anyway."
            )
        learners, lectures = options["learners"], options["lectures"]
        if not 1 <= learners <= 20000:
            raise CommandError("--learners must be between 1 and 20000.")
        if not 1 <= lectures <= 30:
            raise CommandError("--lectures must be between 1 and 30.")
        start = time.perf_counter()
        counts = seed_scale(
            slug=options["slug"],
            learners=learners,
            lectures=lectures,
            password=options["password"],
            seed=options["seed"],
        )
        seconds = time.perf_counter() - start
        self.stdout.write(
            ", ".join(f"{name} {count}" for name, count in counts.items())
            + f" in {seconds:.1f} s"
        )


def _remove(slug: str) -> None:
    Course.objects.filter(slug=slug).delete()
    users = User.objects.filter(
        email__startswith=f"{slug}-", email__endswith="@example.com"
    )
    EmailAddress.objects.filter(user__in=users).delete()
    users.delete()


def _bulk(model, rows, **kwargs) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH, **kwargs)


@transaction.atomic
def seed_scale(
    *, slug: str, learners: int, lectures: int, password: str, seed: int
) -> dict:
    """Create the course and return the row counts it inserted."""
    rng = random.Random(seed)
    now = timezone.now()
    _remove(slug)
    course = Course.objects.create(
        slug=slug,
        title=f"Scale course ({learners} learners)",
        state=Course.State.RUNNING,
    )
    hashed = make_password(password)
    staff = User.objects.create(
        email=f"{slug}-staff@example.com", display_name="Staff", password=hashed
    )
    CourseRole.objects.create(course=course, user=staff, role=CourseRole.Role.ADMIN)
    users = _bulk(
        User,
        (
            User(
                email=f"{slug}-{n}@example.com",
                display_name=f"Learner {n}",
                password=hashed,
                date_joined=now - timedelta(days=120),
            )
            for n in range(1, learners + 1)
        ),
    )
    _bulk(
        EmailAddress,
        (
            EmailAddress(user=u, email=u.email, verified=True, primary=True)
            for u in [staff, *users]
        ),
    )
    _bulk(
        Enrollment,
        (
            Enrollment(
                course=course,
                user=u,
                status=Enrollment.Status.APPROVED,
                applied_at=now - timedelta(days=110),
                decided_at=now - timedelta(days=100),
                decided_by=staff,
            )
            for u in users
        ),
    )

    # Lectures: week L is this week; earlier weeks are a week apart before it.
    this_week = now - timedelta(days=2)
    lecture_rows = _bulk(
        Lecture,
        (
            Lecture(
                course=course,
                number=n,
                title=f"Lecture {n}",
                starts_at=this_week - timedelta(weeks=lectures - n),
                published=True,
            )
            for n in range(1, lectures + 1)
        ),
    )
    homeworks = []
    surveys = []
    for lecture in lecture_rows:
        due = lecture.starts_at + timedelta(days=7)
        homework = Homework(
            lecture=lecture,
            opens_at=lecture.starts_at,
            due_at=due,
            late_days=3,
            late_cap="0.6",
            shuffle=True,
            published=True,
        )
        homework.reveal_at = homework.closes_at
        homeworks.append(homework)
        surveys.append(
            Survey(
                lecture=lecture,
                opens_at=lecture.starts_at,
                due_at=due,
                summary_min_chars=100,
                allow_late=True,
                published=True,
            )
        )
    homeworks = _bulk(Homework, homeworks)
    surveys = _bulk(Survey, surveys)
    questions = _bulk(
        Question,
        (
            Question(homework=h, position=p, text=f"Week {h.lecture.number}, Q{p + 1}")
            for h in homeworks
            for p in range(QUESTIONS)
        ),
    )
    choices = _bulk(
        Choice,
        (
            Choice(question=q, position=p, text=f"Choice {p + 1}", is_correct=p == 0)
            for q in questions
            for p in range(CHOICES)
        ),
    )
    choices_of: dict[int, list[int]] = {}
    for choice in choices:
        choices_of.setdefault(choice.question_id, []).append(choice.id)
    questions_of: dict[int, list[int]] = {}
    for question in questions:
        questions_of.setdefault(question.homework_id, []).append(question.id)
    rating_questions = _bulk(
        SurveyQuestion,
        (
            SurveyQuestion(
                survey=s,
                position=0,
                kind=SurveyQuestion.Kind.RATING,
                label="How clear was the lecture?",
            )
            for s in surveys
        ),
    )
    rating_key = {q.survey_id: q.key for q in rating_questions}

    # The spread: each learner's engagement decays over the term; the current
    # week (the last lecture) has no answers yet.
    engagement = {u.id: rng.betavariate(4, 1.5) for u in users}
    decay = [1 - 0.35 * week / max(lectures - 1, 1) for week in range(lectures)]
    past = list(zip(homeworks, surveys, strict=True))[: lectures - 1]
    submissions, responses = [], []
    for week, (homework, survey) in enumerate(past):
        for user in users:
            p = engagement[user.id] * decay[week]
            if rng.random() < p:
                late = rng.random() < LATE_SHARE
                at = homework.due_at + (
                    timedelta(hours=rng.uniform(1, 60))
                    if late
                    else -timedelta(hours=rng.expovariate(1 / 20))
                )
                submissions.append(
                    Submission(
                        homework=homework,
                        user_id=user.id,
                        submitted_at=max(at, homework.opens_at),
                        is_late=late,
                    )
                )
            if rng.random() < p * 0.95:
                late = rng.random() < LATE_SHARE
                at = survey.due_at + (
                    timedelta(hours=rng.uniform(1, 60))
                    if late
                    else -timedelta(hours=rng.expovariate(1 / 20))
                )
                summary = SUMMARY[: rng.randint(150, len(SUMMARY))]
                responses.append(
                    SurveyResponse(
                        survey=survey,
                        user_id=user.id,
                        summary=summary,
                        summary_chars=len(summary.strip()),
                        answers={rating_key[survey.id]: rng.randint(2, 5)},
                        submitted_at=at,
                        updated_at=at,
                        late=late,
                    )
                )
    submissions = _bulk(Submission, submissions)
    answer_count = 0
    for offset in range(0, len(submissions), BATCH):
        rows = []
        for submission in submissions[offset : offset + BATCH]:
            skill = engagement[submission.user_id]
            for question_id in questions_of[submission.homework_id]:
                options = choices_of[question_id]
                right = rng.random() < 0.3 + 0.6 * skill
                rows.append(
                    SubmissionAnswer(
                        submission_id=submission.id,
                        question_id=question_id,
                        choice_id=options[0] if right else rng.choice(options[1:]),
                    )
                )
        SubmissionAnswer.objects.bulk_create(rows, batch_size=BATCH)
        answer_count += len(rows)
    _bulk(SurveyResponse, responses)

    competition = Competition.objects.create(
        course=course,
        title="Final competition",
        opens_at=this_week - timedelta(weeks=4),
        closes_at=this_week + timedelta(weeks=2),
    )
    entries = []
    for user in users:
        if rng.random() < 0.6 * engagement[user.id] + 0.1:
            for attempt in range(rng.randint(1, 3)):
                mean = 0.55 + 0.3 * engagement[user.id]
                score = min(1.0, max(0.0, rng.gauss(mean, 0.08)))
                at = now - timedelta(days=rng.uniform(0, 27), minutes=attempt)
                entries.append(
                    Entry(
                        competition=competition,
                        user_id=user.id,
                        file=f"competitions/scale/{user.id}-{attempt}.csv",
                        original_name="predictions.csv",
                        size=1024,
                        status=Entry.Status.SCORED,
                        public_score=round(score, 4),
                        private_score=round(score + rng.uniform(-0.03, 0.03), 4),
                        attempts=1,
                        submitted_at=at,
                        enqueued_at=at,
                        scoring_started_at=at,
                        scored_at=at + timedelta(seconds=2),
                    )
                )
    _bulk(Entry, entries)
    if connection.vendor == "postgresql":
        transaction.on_commit(_analyze)
    return {
        "learners": len(users),
        "lectures": len(lecture_rows),
        "submissions": len(submissions),
        "answers": answer_count,
        "summaries": len(responses),
        "entries": len(entries),
    }


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
