"""The final outcome (an override wins) is said twice, in Python for the
certification run's in-memory decisions and in SQL for querysets; they must
agree on every combination."""

import itertools

import pytest

from completion.models import CompletionRecord, final_decision, final_decision_sql
from courses.models import Enrollment

pytestmark = pytest.mark.django_db

OUTCOMES = ("pending", "complete", "incomplete")
OVERRIDES = ("", "complete", "incomplete")


def test_python_and_sql_agree_on_every_outcome_and_override(enrollments, tiers):
    basic, honors = tiers
    combinations = list(
        itertools.product(OUTCOMES, (None, basic.pk), OVERRIDES, (None, honors.pk))
    )
    for enrollment, (outcome, tier, override, override_tier) in zip(
        enrollments(len(combinations)), combinations, strict=True
    ):
        CompletionRecord.objects.create(
            enrollment=enrollment,
            course=enrollment.course,
            outcome=outcome,
            tier_id=tier,
            override_outcome=override,
            override_tier_id=override_tier,
        )
    # The dashboard's view (an enrollment, through "completion__") against
    # each record's own properties (the Python side).
    Enrollment.objects.filter(completion__isnull=False).first().completion.delete()
    finals = Enrollment.objects.annotate(
        **final_decision_sql("completion__")
    ).select_related("completion")
    checked = 0
    for enrollment in finals:
        record = getattr(enrollment, "completion", None)
        if record is None:
            assert (enrollment.final_outcome, enrollment.final_tier) == (
                "pending",
                None,
            )
            continue
        expected = final_decision(
            outcome=record.outcome,
            tier_id=record.tier_id,
            override_outcome=record.override_outcome,
            override_tier_id=record.override_tier_id,
        )
        assert (enrollment.final_outcome, enrollment.final_tier) == expected
        assert (record.final_outcome, record.final_tier_id) == expected
        checked += 1
    assert checked == len(combinations) - 1
    # Filtering records on it (issuing certificates) picks the same ones.
    complete = CompletionRecord.objects.with_final_decision().filter(
        final_outcome="complete"
    )
    assert {r.pk for r in complete} == {
        r.pk for r in CompletionRecord.objects.all() if r.final_outcome == "complete"
    }
