"""Deciding completion from a learner's metrics: pure functions, no queries."""

from dataclasses import dataclass, fields
from decimal import Decimal

from completion.models import CompletionRule

Kind = CompletionRule.Kind


@dataclass(frozen=True)
class Metrics:
    """What certification looks at for one learner, over the whole course."""

    homework_points: float = 0
    homework_weeks_passed: int = 0
    summaries_submitted: int = 0
    summaries_accepted: int = 0
    competition_entry: bool = False
    competition_report: bool = False
    # Position in the competition's final ranking as a percentage of the
    # participants (1st of 200 = 0.5); None without a ranked entry.
    competition_top_percent: float | None = None

    def as_json(self) -> dict:
        # Not dataclasses.asdict: it deep-copies, and this runs per learner.
        return {name: getattr(self, name) for name in _METRIC_FIELDS}


_METRIC_FIELDS = tuple(f.name for f in fields(Metrics))


@dataclass(frozen=True)
class TierRules:
    tier_id: int
    rank: int
    rules: tuple[tuple[str, Decimal], ...]


def rule_value(kind: str, metrics: Metrics) -> float | bool | None:
    return {
        Kind.HOMEWORK_POINTS: metrics.homework_points,
        Kind.HOMEWORK_WEEKS_PASSED: metrics.homework_weeks_passed,
        Kind.SUMMARIES_SUBMITTED: metrics.summaries_submitted,
        Kind.SUMMARIES_ACCEPTED: metrics.summaries_accepted,
        Kind.COMPETITION_ENTRY: metrics.competition_entry,
        Kind.COMPETITION_REPORT: metrics.competition_report,
        Kind.COMPETITION_TOP_PERCENT: metrics.competition_top_percent,
    }[kind]


def rule_met(kind: str, threshold: Decimal, metrics: Metrics) -> bool:
    value = rule_value(kind, metrics)
    if kind in {Kind.COMPETITION_ENTRY, Kind.COMPETITION_REPORT}:
        return bool(value)
    if kind == Kind.COMPETITION_TOP_PERCENT:
        return value is not None and value <= float(threshold)
    return value >= float(threshold)


def decide(metrics: Metrics, tiers: list[TierRules]) -> tuple[bool, int | None]:
    """(complete?, highest tier reached). A tier with no rules is never
    reached, so an unconfigured course completes nobody by accident."""
    reached = None
    for tier in sorted(tiers, key=lambda t: t.rank):
        if tier.rules and all(rule_met(k, t, metrics) for k, t in tier.rules):
            reached = tier
    return reached is not None, reached.tier_id if reached else None
