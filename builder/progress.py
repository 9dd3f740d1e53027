"""Progress towards each target: pure arithmetic giving every target a status, the
reason for it (a code) and the numbers behind it. No sentences: ``builder.text``
words them.

The method follows Open SDG / Statistics Canada: the observed rate of change since the
base year is divided by the rate needed to reach the target in the target year, and
the ratio is compared with fixed thresholds. It is fitted to the plans' kinds of
target (level, reduction, addition, count, deferred, qualitative).

The status ladder a reader sees, from "nothing to go on" to a judgement:
``no-data`` (nothing published for the indicator) → ``not-judgeable`` (a value exists
but cannot be judged against the target; ``reason`` says why) → a judgement
(achieved, on-track, needs-acceleration, off-track, missed). ``not-quantified`` is a
target the plan gives no number for (deferred to the parent plan, or qualitative).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from builder.model import DataRoot, Indicator, Observation, Target, preferred_observations

STATUSES = ("achieved", "on-track", "needs-acceleration", "off-track", "missed", "not-judgeable", "no-data",
            "not-quantified")
JUDGED = ("achieved", "on-track", "needs-acceleration", "off-track", "missed")

# Why a target has its status. Each is worded by the text module.
REASONS = (
    "deferred",  # not-quantified: the plan defers to the parent plan's target
    "qualitative",  # not-quantified: the plan gives no number
    "no-values",  # no-data: nothing published for the indicator
    "base-year-value-missing",  # not-judgeable: a reduction/addition whose base-year value is not published
    "no-base-year",  # not-judgeable: no base to measure change from
    "base-not-positive",  # not-judgeable: a percentage reduction from zero or less
    "no-target-year",  # not-judgeable: not met, and the plan gives no year to pace it by
    "single-value",  # not-judgeable: one value, no base: no trend
    "no-value-after-base",  # not-judgeable: nothing published after the base year
    "target-year-not-after-base",  # not-judgeable
    "met",  # achieved: the latest value meets the target
    "met-in-target-year",  # achieved: the target year's own value meets it
    "missed-in-target-year",  # missed: the target year's own value does not
    "moved-away-from-met-base",  # off-track: the base met the target, the latest value does not
    "no-movement",  # off-track: no change is required yet the target is not met
    "ratio",  # on-track / needs-acceleration / off-track from the progress ratio
)

ON_TRACK_RATIO = 0.95  # ratio at or above this: on track
ACCELERATE_RATIO = 0.6  # ratio at or above this (and below ON_TRACK_RATIO): needs acceleration
MOVING_AWAY_RATIO = 0.0  # ratio below this: moving away from the target (still off track)
APPROX_TOLERANCE = 0.05  # 左右 without a stated tolerance: ±5% of the target value
RATIO_DECIMALS = 2  # the ratio is rounded (half up) to this many decimals before it is compared
LEVEL_DECIMALS = 6  # computed levels (target level, path) are rounded to drop float noise

NUMERIC_KINDS = ("level", "reduction", "addition", "count")


@dataclass(frozen=True)
class Assessment:
    key: tuple[str, str]  # (plan_id, target_id)
    status: str  # one of STATUSES
    reason: str  # one of REASONS
    latest: Observation | None = None  # latest published value (one per year, revised over final over preliminary)
    judged: Observation | None = None  # the value compared with the target (the target year's, else the latest)
    baseline: tuple[int, float] | None = None  # (year, value) the assessment started from
    base_source: str = "none"  # plan | published | earliest | assumed-zero | missing | none
    ratio: float | None = None  # observed / required progress, rounded to RATIO_DECIMALS; None if not computed
    compound: bool | None = None  # whether the ratio used compound growth (else change per year)
    required_path: tuple[tuple[int, float], ...] = ()  # (year, level) from baseline to target, one a year
    target_level: float | None = None  # the target as a level of the indicator, None if unknown
    compare_quantity: str = "level"  # level | reduction | addition: what the comparator is applied to
    passed_without_value: bool = False  # the target year has passed and its value is not published yet
    tolerance: float | None = None  # the tolerance used for ≈ targets (stated or default)
    tolerance_stated: bool = False  # whether the plan states it

    @property
    def target_id(self) -> str:
        return self.key[1]

    @property
    def judged_status(self) -> bool:
        """Whether the status is a judgement of progress (not a lack of data or of a number)."""
        return self.status in JUDGED


def classify_ratio(ratio: float) -> str:
    """The status for a progress ratio (already rounded): on-track, needs-acceleration or off-track."""
    if ratio >= ON_TRACK_RATIO:
        return "on-track"
    if ratio >= ACCELERATE_RATIO:
        return "needs-acceleration"
    return "off-track"


def uses_compound_growth(kind: str, base_value: float, target_level: float) -> bool:
    """Whether progress for this target is measured by compound growth (else by change per year)."""
    return kind in ("level", "reduction") and base_value > 0 and target_level > 0


def default_comparator(target: Target, indicator: Indicator) -> str:
    """The comparator used when the target gives none: >= for additions and reductions, else by direction."""
    if target.comparator:
        return target.comparator
    if target.kind in ("reduction", "addition"):
        return ">="
    return "<=" if indicator.direction == "lower" else ">="


def tolerance_of(target: Target) -> float:
    """The tolerance for ≈ and = targets: the stated one, else ±APPROX_TOLERANCE of the target (≈) or 0 (=)."""
    if target.tolerance is not None:
        return abs(target.tolerance)
    if target.comparator == "≈" and target.target_value is not None:
        return APPROX_TOLERANCE * abs(target.target_value)
    return 0.0


def round_half_up(x: float, decimals: int) -> float:
    """x rounded half up (as people round), never to negative zero."""
    value = float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    return 0.0 if value == 0 else value


def _level(x: float) -> float:
    value = round(x, LEVEL_DECIMALS)
    return 0.0 if value == 0 else value


def _satisfies(value: float, goal: float, comparator: str, tolerance: float, better: str) -> bool:
    eps = 1e-9 * max(1.0, abs(value), abs(goal))  # compare published decimals, not binary noise
    if comparator == ">=":
        return value >= goal - eps
    if comparator == ">":
        return value > goal + eps
    if comparator == "<=":
        return value <= goal + eps
    if comparator == "<":
        return value < goal - eps
    if abs(value - goal) <= tolerance + eps:
        return True
    if comparator == "=":
        return False
    # ≈ (左右): falling short by more than the tolerance fails; going beyond in the better direction does not.
    return value > goal if better == "higher" else value < goal


@dataclass(frozen=True)
class _Goal:
    """A numeric target turned into a level of the indicator and a test on that level."""

    base: tuple[int, float] | None
    base_source: str  # plan | published | earliest | assumed-zero | missing | none
    target_level: float | None
    compare_quantity: str  # level | reduction | addition: what the comparator is applied to


def _find_base(target: Target, by_year: dict[int, Observation], plan_issue_year: int | None
               ) -> tuple[tuple[int, float] | None, str]:
    year = target.baseline_year
    if target.kind in ("reduction", "addition"):
        if year is None:
            return None, "none"
        if target.baseline_value is not None:
            return (year, target.baseline_value), "plan"
        if year in by_year:
            return (year, by_year[year].value), "published"
        return None, "missing"
    if target.kind == "count":
        year = year if year is not None else plan_issue_year
        if year is not None:
            if target.baseline_value is not None:
                return (year, target.baseline_value), "plan"
            if year in by_year:
                return (year, by_year[year].value), "published"
            return (year, 0.0), "assumed-zero"
    elif year is not None:
        if target.baseline_value is not None:
            return (year, target.baseline_value), "plan"
        if year in by_year:
            return (year, by_year[year].value), "published"
    if by_year:
        first = min(by_year)
        return (first, by_year[first].value), "earliest"
    return None, "none"


def _goal(target: Target, by_year: dict[int, Observation], plan_issue_year: int | None) -> _Goal:
    base, source = _find_base(target, by_year, plan_issue_year)
    x = target.target_value
    if target.kind == "reduction":
        level = _level(base[1] * (1 - x / 100)) if base else None
        return _Goal(base, source, level, "reduction")
    if target.kind == "addition":
        level = _level(base[1] + x) if base else None
        return _Goal(base, source, level, "addition")
    return _Goal(base, source, x, "level")


def change_since_base(compare_quantity: str, base: tuple[int, float], value: float) -> float:
    """What the comparator is applied to: the level, the reduction in % since base, or the addition."""
    if compare_quantity == "reduction":
        return (base[1] - value) / base[1] * 100
    if compare_quantity == "addition":
        return value - base[1]
    return value


def required_path(kind: str, base: tuple[int, float], target_year: int, level: float
                  ) -> tuple[tuple[int, float], ...]:
    """The level needed each year from base to target: compound growth where it applies, else equal steps."""
    y0, v0 = base
    span = target_year - y0
    if uses_compound_growth(kind, v0, level):
        growth = (level / v0) ** (1 / span)
        points = [(y0 + k, v0 * growth**k) for k in range(span + 1)]
    else:
        points = [(y0 + k, v0 + (level - v0) * k / span) for k in range(span + 1)]
    points[-1] = (target_year, level)  # end exactly on the target, whatever the float arithmetic did
    return tuple((year, _level(value)) for year, value in points)


def _ratio(kind: str, base: tuple[int, float], latest: tuple[int, float], target_year: int, level: float
           ) -> tuple[float | None, bool]:
    """Observed ÷ required rate of change, and whether compound growth was used."""
    (y0, v0), (y1, v1) = base, latest
    if uses_compound_growth(kind, v0, level) and v1 > 0:
        observed = (v1 / v0) ** (1 / (y1 - y0)) - 1
        required = (level / v0) ** (1 / (target_year - y0)) - 1
        compound = True
    else:
        observed = (v1 - v0) / (y1 - y0)
        required = (level - v0) / (target_year - y0)
        compound = False
    if math.isclose(required, 0.0, abs_tol=1e-12):
        return None, compound
    return round_half_up(observed / required, RATIO_DECIMALS), compound


def assess_target(target: Target, indicator: Indicator, observations: Sequence[Observation], as_of_year: int,
                  *, plan_issue_year: int | None = None) -> Assessment:
    """The status of one target from the indicator's published values, as of as_of_year.

    plan_issue_year is the year the plan was issued: the default base year of a count target.
    """
    if target.indicator_id != indicator.indicator_id:
        raise ValueError(f"target {target.target_id} measures {target.indicator_id}, not {indicator.indicator_id}")
    preferred = preferred_observations([o for o in observations if o.indicator_id == indicator.indicator_id])
    latest = preferred[-1] if preferred else None
    if target.kind == "deferred":
        return Assessment(target.key, "not-quantified", "deferred", latest=latest)
    if target.kind not in NUMERIC_KINDS or target.target_value is None:
        return Assessment(target.key, "not-quantified", "qualitative", latest=latest)

    by_year = {o.year: o for o in preferred}
    goal = _goal(target, by_year, plan_issue_year)
    target_year = target.target_year
    comparator = default_comparator(target, indicator)
    tolerance = tolerance_of(target)
    better = "higher" if goal.compare_quantity != "level" else indicator.direction
    common = {"baseline": goal.base, "base_source": goal.base_source, "target_level": goal.target_level,
              "compare_quantity": goal.compare_quantity,
              "tolerance": tolerance if target.comparator == "≈" else None,
              "tolerance_stated": target.tolerance is not None}

    def meets(value: float) -> bool:
        return _satisfies(change_since_base(goal.compare_quantity, goal.base, value), target.target_value,
                          comparator, tolerance, better)

    # a percentage reduction from zero or less cannot be computed (the base-not-positive reason below)
    usable_base = goal.base is not None and not (goal.compare_quantity == "reduction" and goal.base[1] <= 0)
    base_meets = usable_base and meets(goal.base[1])
    path: tuple[tuple[int, float], ...] = ()
    if (usable_base and goal.target_level is not None and target_year is not None
            and target_year > goal.base[0] and not base_meets):
        path = required_path(target.kind, goal.base, target_year, goal.target_level)
    common["required_path"] = path

    if latest is None:
        return Assessment(target.key, "no-data", "no-values", **common)
    if goal.base is None or (goal.compare_quantity == "reduction" and goal.base[1] <= 0):
        if goal.base_source == "missing":
            return Assessment(target.key, "not-judgeable", "base-year-value-missing", latest=latest, **common)
        reason = "no-base-year" if goal.base is None else "base-not-positive"
        return Assessment(target.key, "not-judgeable", reason, latest=latest, **common)

    passed = target_year is not None and as_of_year > target_year
    if passed and target_year in by_year:
        final = by_year[target_year]
        if meets(final.value):
            return Assessment(target.key, "achieved", "met-in-target-year", latest=latest, judged=final, **common)
        return Assessment(target.key, "missed", "missed-in-target-year", latest=latest, judged=final, **common)

    common["passed_without_value"] = passed
    if meets(latest.value):
        return Assessment(target.key, "achieved", "met", latest=latest, judged=latest, **common)
    if target_year is None:
        return Assessment(target.key, "not-judgeable", "no-target-year", latest=latest, judged=latest, **common)
    y0, _ = goal.base
    if latest.year <= y0:
        reason = ("single-value" if len(by_year) == 1 and goal.base_source in ("earliest", "published")
                  else "no-value-after-base")
        return Assessment(target.key, "not-judgeable", reason, latest=latest, judged=latest, **common)
    if target_year <= y0:
        return Assessment(target.key, "not-judgeable", "target-year-not-after-base", latest=latest, judged=latest,
                          **common)
    if base_meets:
        return Assessment(target.key, "off-track", "moved-away-from-met-base", latest=latest, judged=latest, **common)
    ratio, compound = _ratio(target.kind, goal.base, (latest.year, latest.value), target_year, goal.target_level)
    if ratio is None:
        return Assessment(target.key, "off-track", "no-movement", latest=latest, judged=latest, compound=compound,
                          **common)
    return Assessment(target.key, classify_ratio(ratio), "ratio", latest=latest, judged=latest, ratio=ratio,
                      compound=compound, **common)


def assess_all(data: DataRoot, as_of_year: int) -> dict[tuple[str, str], Assessment]:
    """Assess every target of every plan, keyed by (plan_id, target_id)."""
    results: dict[tuple[str, str], Assessment] = {}
    for plan in data.plans:
        issue_year = plan.plan.issue_date.year if plan.plan.issue_date else None
        for target in plan.targets:
            indicator = plan.indicator(target.indicator_id)
            if indicator is None:  # a broken reference; validation reports it, the site must not crash
                results[target.key] = Assessment(target.key, "not-judgeable", "no-base-year")
                continue
            results[target.key] = assess_target(target, indicator, data.observations_for(indicator.key), as_of_year,
                                                plan_issue_year=issue_year)
    return results
