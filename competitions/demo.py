"""Demo: an open competition with starter files, a hidden answer set, a
scored sample submission for the demo learner and a leaderboard of generated
learners."""

import io
import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from competitions import services
from competitions.models import Competition, Entry, Participant, StarterFile
from courses.models import Enrollment

ROWS = 200
GOOD = ["clear", "helpful", "inspiring", "well paced", "excellent", "fun"]
BAD = ["confusing", "too fast", "boring", "hard to follow", "noisy", "too long"]

DESCRIPTION = """\
Classify short comments about the lectures as **positive** or **negative**.

1. Download the training data and the test set below.
2. Train any model you like (the week 6 notebook is a good start).
3. Upload a CSV with the columns `id,prediction`, one row per test id.

The leaderboard shows your score on half of the test set (public part); the
final ranking uses the other half. You may submit 5 times a day and select
2 submissions for the final ranking.
"""


def _comment(rng: random.Random, positive: bool) -> str:
    words = GOOD if positive else BAD
    return f"The lecture was {rng.choice(words)} and {rng.choice(words)}."


def seed(*, course, admin, staff, learner) -> None:
    if Competition.objects.filter(course=course).exists():
        return
    rng = random.Random(2026)
    now = timezone.now()
    competition = Competition.objects.create(
        course=course,
        title="Lecture comment sentiment",
        description=DESCRIPTION,
        opens_at=now - timedelta(days=14),
        closes_at=now + timedelta(days=21),
        metric=Competition.Metric.ACCURACY,
        daily_limit=5,
        report_required=True,
        report_deadline=now + timedelta(days=28),
    )
    labels = {f"t{i:04d}": rng.random() < 0.5 for i in range(ROWS)}
    key = "id,answer,split\n" + "".join(
        f"{row_id},{'positive' if pos else 'negative'},"
        f"{'private' if i % 2 else 'public'}\n"
        for i, (row_id, pos) in enumerate(labels.items())
    )
    services.answers_import(competition=competition, handle=io.StringIO(key))

    train = "id,text,label\n" + "".join(
        f'r{i:04d},"{_comment(rng, pos)}",{"positive" if pos else "negative"}\n'
        for i, pos in enumerate(rng.random() < 0.5 for _ in range(400))
    )
    test = "id,text\n" + "".join(
        f'{row_id},"{_comment(rng, pos)}"\n' for row_id, pos in labels.items()
    )
    sample = "id,prediction\n" + "".join(f"{row_id},positive\n" for row_id in labels)
    for position, (title, name, body) in enumerate(
        [
            ("Training data", "train.csv", train),
            ("Test set", "test.csv", test),
            ("Sample submission", "sample_submission.csv", sample),
        ]
    ):
        starter = StarterFile(competition=competition, title=title, position=position)
        starter.file.save(name, ContentFile(body.encode()), save=True)

    generated = User.objects.filter(
        enrollments__course=course,
        enrollments__status=Enrollment.Status.APPROVED,
        email__startswith="learner0",
    ).order_by("email")[:40]
    learners = [learner, *generated]
    for index, user in enumerate(learners):
        # Every other learner chose a nickname; the rest show on the board
        # under their pseudonym. The demo learner is "hanako_llm".
        nickname = "hanako_llm" if user == learner else ""
        if user != learner and index % 2:
            nickname = rng.choice(NICKNAMES) + str(index)
        Participant.objects.get_or_create(
            competition=competition, user=user, defaults={"nickname": nickname}
        )
        skill = 0.5 if user == learner else rng.uniform(0.55, 0.97)
        for attempt in range(1 if user == learner else rng.randint(1, 4)):
            rows = "".join(
                f"{row_id},{_guess(rng, pos, skill + attempt * 0.01)}\n"
                for row_id, pos in labels.items()
            )
            entry = Entry(
                competition=competition,
                user=user,
                original_name="sample_submission.csv" if user == learner else "p.csv",
                submitted_at=now - timedelta(hours=index * 3 + attempt),
            )
            body = ("id,prediction\n" + rows).encode()
            if user == learner:
                body = sample.encode()
            entry.size = len(body)
            entry.file.save("upload", ContentFile(body), save=True)
            services.entry_score(entry_id=entry.pk)
    # A rejected upload, so the demo shows per-row messages.
    bad = "id,prediction\nt0000,positive\nt0000,negative\nx9999,positive\n"
    entry = Entry(
        competition=competition,
        user=learner,
        original_name="first_try.csv",
        submitted_at=now - timedelta(days=1),
    )
    entry.file.save("upload", ContentFile(bad.encode()), save=True)
    services.entry_score(entry_id=entry.pk)


NICKNAMES = ["kitsune", "tanuki", "sakura", "bert_fan", "gpt_cat", "token"]


def _guess(rng: random.Random, positive: bool, skill: float) -> str:
    right = rng.random() < min(skill, 0.99)
    return "positive" if positive == right else "negative"
