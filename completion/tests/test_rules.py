from decimal import Decimal

import pytest

from completion.models import CompletionRule
from completion.rules import Metrics, TierRules, decide, rule_met

Kind = CompletionRule.Kind


@pytest.mark.parametrize(
    ("kind", "threshold", "metrics", "met"),
    [
        (Kind.HOMEWORK_POINTS, 30, Metrics(homework_points=30), True),
        (Kind.HOMEWORK_POINTS, 30, Metrics(homework_points=29.99), False),
        (Kind.HOMEWORK_WEEKS_PASSED, 10, Metrics(homework_weeks_passed=10), True),
        (Kind.HOMEWORK_WEEKS_PASSED, 10, Metrics(homework_weeks_passed=9), False),
        (Kind.SUMMARIES_SUBMITTED, 12, Metrics(summaries_submitted=12), True),
        (Kind.SUMMARIES_SUBMITTED, 12, Metrics(summaries_submitted=11), False),
        (Kind.SUMMARIES_ACCEPTED, 12, Metrics(summaries_accepted=12), True),
        (Kind.SUMMARIES_ACCEPTED, 12, Metrics(summaries_accepted=11), False),
        (Kind.COMPETITION_ENTRY, 0, Metrics(competition_entry=True), True),
        (Kind.COMPETITION_ENTRY, 0, Metrics(), False),
        (Kind.COMPETITION_REPORT, 0, Metrics(competition_report=True), True),
        (Kind.COMPETITION_REPORT, 0, Metrics(competition_entry=True), False),
        (Kind.COMPETITION_TOP_PERCENT, 10, Metrics(competition_top_percent=10.0), True),
        (
            Kind.COMPETITION_TOP_PERCENT,
            10,
            Metrics(competition_top_percent=10.1),
            False,
        ),
        (
            Kind.COMPETITION_TOP_PERCENT,
            10,
            Metrics(competition_top_percent=None),
            False,
        ),
    ],
)
def test_each_criterion_on_its_edge(kind, threshold, metrics, met):
    assert rule_met(kind, Decimal(threshold), metrics) is met


COMPLETED = TierRules(
    tier_id=1,
    rank=1,
    rules=((Kind.HOMEWORK_POINTS, Decimal(10)), (Kind.SUMMARIES_SUBMITTED, Decimal(2))),
)
HONORS = TierRules(
    tier_id=2,
    rank=2,
    rules=(*COMPLETED.rules, (Kind.COMPETITION_TOP_PERCENT, Decimal(10))),
)


def test_a_learner_meeting_every_rule_of_the_base_tier_completes():
    assert decide(Metrics(homework_points=10, summaries_submitted=2), [COMPLETED]) == (
        True,
        1,
    )


def test_missing_one_rule_means_incomplete():
    assert decide(Metrics(homework_points=10, summaries_submitted=1), [COMPLETED]) == (
        False,
        None,
    )


def test_the_highest_tier_reached_wins():
    metrics = Metrics(
        homework_points=12, summaries_submitted=3, competition_top_percent=5
    )
    assert decide(metrics, [HONORS, COMPLETED]) == (True, 2)


def test_top_of_the_ranking_without_the_base_rules_is_not_honors():
    metrics = Metrics(homework_points=2, competition_top_percent=1)
    assert decide(metrics, [COMPLETED, HONORS]) == (False, None)


def test_a_course_without_rules_completes_nobody():
    empty = TierRules(tier_id=1, rank=1, rules=())
    assert decide(Metrics(homework_points=100), [empty]) == (False, None)
