"""Load the demo course. Idempotent; refused unless DEBUG is on.

Each feature adds its demo data in a module of its own app (see DEMO_STEPS):
`seed(*, course, admin, staff, learner)` creates what that feature shows and,
like this command, does nothing the second time.
"""

import importlib
import importlib.util
import random
from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import LearnerCategory, User
from courses.models import Course, CourseRole, Enrollment, Lecture

DEMO_PASSWORD = "koza-demo"  # noqa: S105 - printed on purpose, DEBUG only
DEMO_SLUG = "llm-demo"
GENERATED_LEARNERS = 300
DEMO_STEPS = [
    "courses.demo",
    "quizzes.homework.demo",
    "quizzes.surveys.demo",
    "competitions.demo",
    "completion.demo",
    "archives.demo",
    "notifications.demo",
    "discussions.demo",
    "discussions.demo_moderation",
]

LECTURE_TITLES = [
    "Introduction to large language models",
    "Tokenization and embeddings",
    "The Transformer architecture",
    "Pre-training at scale",
    "Scaling laws",
    "Fine-tuning and instruction tuning",
    "Reinforcement learning from human feedback",
    "Prompting and in-context learning",
    "Retrieval-augmented generation",
    "Evaluation of language models",
    "Efficient inference",
    "Multimodal models",
    "Agents and tool use",
    "Safety and alignment",
    "The frontier and open problems",
]

# Lecture notes with formulas (typeset as MathML, see lms/markdown.py).
LECTURE_NOTES = {
    3: (
        "Scaled dot-product attention:\n\n"
        "$$\n\\mathrm{Attention}(Q, K, V) = "
        "\\mathrm{softmax}\\left(\\frac{QK^\\top}{\\sqrt{d_k}}\\right)V\n$$\n\n"
        "Dividing by $\\sqrt{d_k}$ keeps the scores' variance near 1."
    ),
    8: (
        "Sampling with temperature $T$: "
        "$p_i = \\frac{e^{z_i / T}}{\\sum_j e^{z_j / T}}$. "
        "A low $T$ sharpens the distribution; $T \\to 0$ is greedy decoding."
    ),
}

DESCRIPTION = """\
A free online course on **large language models**: fifteen weekly live lectures,
hands-on notebooks that run on a free Colab GPU, a weekly summary survey and
homework, and a final competition.

## How to complete the course
- Answer the weekly homework (5 questions, 4 choices).
- Write the weekly lecture summary in your own words.
- Submit to the final competition.
"""


class Command(BaseCommand):
    help = "Create the demo course, its lectures and the demo accounts."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on (it sets passwords).")
        with transaction.atomic():
            course = self._course()
            accounts = self._accounts(course)
            self._lectures(course)
            self._learners(course)
            users = {role: User.objects.get(email=email) for role, email in accounts}
            for module_name in DEMO_STEPS:
                if importlib.util.find_spec(module_name) is not None:
                    importlib.import_module(module_name).seed(course=course, **users)
        self.stdout.write(self.style.SUCCESS(f"Demo course: /courses/{course.slug}/"))
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for role, email in accounts:
            self.stdout.write(f"  {role:8} {email}")

    def _course(self) -> Course:
        now = timezone.now()
        course, _ = Course.objects.get_or_create(
            slug=DEMO_SLUG,
            defaults={
                "title": "Large Language Models (demo)",
                "description": DESCRIPTION,
                "term": f"{now.year} Autumn",
                "timezone": "Asia/Tokyo",
                "capacity": 4000,
                "applications_open_at": now - timedelta(days=60),
                "applications_close_at": now + timedelta(days=30),
                "state": Course.State.RUNNING,
            },
        )
        return course

    def _user(self, email: str, name: str, **extra) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, display_name=name, **extra
            )
            # allauth needs a verified address for mandatory verification.
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        return user

    def _accounts(self, course: Course) -> list[tuple[str, str]]:
        admin = self._user(
            "admin@example.com", "Admin Demo", is_staff=True, is_superuser=True
        )
        staff = self._user("staff@example.com", "Staff Demo")
        learner = self._user(
            "learner@example.com", "Learner Demo", affiliation="Demo University"
        )
        CourseRole.objects.get_or_create(
            course=course, user=admin, defaults={"role": CourseRole.Role.ADMIN}
        )
        CourseRole.objects.get_or_create(
            course=course, user=staff, defaults={"role": CourseRole.Role.STAFF}
        )
        Enrollment.objects.get_or_create(
            course=course,
            user=learner,
            defaults={
                "status": Enrollment.Status.APPROVED,
                "affiliation": learner.affiliation,
                "decided_at": timezone.now(),
                "decided_by": staff,
            },
        )
        return [
            ("admin", admin.email),
            ("staff", staff.email),
            ("learner", learner.email),
        ]

    def _lectures(self, course: Course) -> None:
        """Fifteen Thursday-evening lectures; this week's is the 8th."""
        tz = course.tzinfo
        today = timezone.localdate(timezone=tz)
        this_thursday = today + timedelta(days=(3 - today.weekday()))
        for index, title in enumerate(LECTURE_TITLES):
            day = this_thursday + timedelta(weeks=index - 7)
            starts = datetime.combine(day, time(18, 0), tzinfo=tz)
            Lecture.objects.get_or_create(
                course=course,
                number=index + 1,
                defaults={
                    "title": title,
                    "starts_at": starts,
                    "published": True,
                    "live_url": "https://example.com/live",
                    "description": f"Week {index + 1}: {title}.\n\n"
                    + LECTURE_NOTES.get(index + 1, ""),
                },
            )

    def _learners(self, course: Course) -> None:
        if Enrollment.objects.filter(course=course).count() > GENERATED_LEARNERS:
            return
        rng = random.Random(2026)  # the same demo on every machine
        statuses = [Enrollment.Status.APPROVED] * 8 + [
            Enrollment.Status.APPLIED,
            Enrollment.Status.WAITLISTED,
        ]
        password = User.objects.get(email="learner@example.com").password
        users = User.objects.bulk_create(
            [
                User(
                    email=f"learner{i:03d}@example.com",
                    display_name=f"Learner {i:03d}",
                    password=password,
                    category=rng.choice(LearnerCategory.values),
                    affiliation=rng.choice(["Univ. A", "Univ. B", "Company C", ""]),
                )
                for i in range(1, GENERATED_LEARNERS + 1)
            ],
            ignore_conflicts=True,
        )
        users = User.objects.filter(email__in=[u.email for u in users])
        # verified addresses, so any generated learner can sign in to the demo
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=user, email=user.email, verified=True, primary=True)
                for user in users
            ],
            ignore_conflicts=True,
        )
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    course=course,
                    user=user,
                    status=rng.choice(statuses),
                    category=user.category,
                    affiliation=user.affiliation,
                )
                for user in users
            ],
            ignore_conflicts=True,
        )
