import pytest

from courses.models import ApplicationQuestion


@pytest.fixture
def questions(course) -> list[ApplicationQuestion]:
    return [
        ApplicationQuestion.objects.create(
            course=course, position=1, kind="short", text="Your programming language"
        ),
        ApplicationQuestion.objects.create(
            course=course, position=2, kind="long", text="Why this course?"
        ),
        ApplicationQuestion.objects.create(
            course=course,
            position=3,
            kind="choice",
            text="Do you have a GPU?",
            choices="Yes\nNo",
        ),
    ]


@pytest.fixture
def make_applicants(user_factory, course):
    """n applicants of `course`, created in bulk."""
    from accounts.models import User
    from courses.models import Enrollment

    def make(n: int, **enrollment_fields) -> list:
        users = User.objects.bulk_create(
            [
                User(
                    email=f"bulk{i}@example.com",
                    display_name=f"Bulk {i}",
                    language="en" if i % 2 else "ja",
                )
                for i in range(n)
            ]
        )
        users = list(User.objects.filter(email__startswith="bulk"))
        return Enrollment.objects.bulk_create(
            [Enrollment(course=course, user=u, **enrollment_fields) for u in users]
        )

    return make


@pytest.fixture(autouse=True)
def _english_pages(settings):
    """Assertions read English; tests about Japanese ask for it explicitly."""
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
