import pytest

from completion.models import CompletionRule, CompletionTier
from courses.models import Enrollment
from lms.tests.browser import browser  # noqa: F401  (the shared Chromium fixture)

Kind = CompletionRule.Kind


@pytest.fixture
def tiers(course):
    """Completed: 10 homework points and 2 summaries; honors: also top 10 %."""
    completed = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    CompletionRule.objects.create(
        tier=completed, kind=Kind.HOMEWORK_POINTS, threshold=10
    )
    CompletionRule.objects.create(
        tier=completed, kind=Kind.SUMMARIES_SUBMITTED, threshold=2
    )
    honors = CompletionTier.objects.create(
        course=course, rank=2, name_ja="優秀修了", name_en="Honors"
    )
    CompletionRule.objects.create(tier=honors, kind=Kind.HOMEWORK_POINTS, threshold=10)
    CompletionRule.objects.create(
        tier=honors, kind=Kind.SUMMARIES_SUBMITTED, threshold=2
    )
    CompletionRule.objects.create(
        tier=honors, kind=Kind.COMPETITION_TOP_PERCENT, threshold=10
    )
    return completed, honors


@pytest.fixture
def enrollments(user_factory, course):
    def make(count: int) -> list[Enrollment]:
        return [
            Enrollment.objects.create(
                course=course,
                user=user_factory(),
                status=Enrollment.Status.APPROVED,
            )
            for _ in range(count)
        ]

    return make


@pytest.fixture(autouse=True)
def credential_keys(settings, tmp_path):
    """Each test signs with keys of its own, never the machine's."""
    settings.CREDENTIAL_KEY_DIR = tmp_path / "credential-keys"
    return settings.CREDENTIAL_KEY_DIR
