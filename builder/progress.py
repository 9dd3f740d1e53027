"""Progress towards each target: pure arithmetic that gives every target one status word.

The method follows Open SDG / Statistics Canada: the observed rate of change since the
base year is divided by the rate needed to reach the target in the target year, and
the ratio is compared with fixed thresholds. It is fitted to the plan's kinds of target
(level, reduction, addition, count, deferred, qualitative). ``METHOD_RULES`` states every
rule in Chinese and English, built from the same constants the code uses, so the
methodology page renders exactly what is computed here.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from builder.model import DataRoot, Indicator, Observation, Target

STATUSES = ("achieved", "on-track", "needs-acceleration", "off-track", "missed", "no-data", "not-assessable")
STATUS_LABEL_ZH = {
    "achieved": "已实现",
    "on-track": "进展顺利",
    "needs-acceleration": "需要加快",
    "off-track": "偏离轨道",
    "missed": "未实现",
    "no-data": "暂无公开数据",
    "not-assessable": "无法评估",
}
STATUS_LABEL_EN = {
    "achieved": "Achieved",
    "on-track": "On track",
    "needs-acceleration": "Needs acceleration",
    "off-track": "Off track",
    "missed": "Missed",
    "no-data": "No published data",
    "not-assessable": "Not assessable",
}

ON_TRACK_RATIO = 0.95  # ratio at or above this: on track
ACCELERATE_RATIO = 0.6  # ratio at or above this (and below ON_TRACK_RATIO): needs acceleration
MOVING_AWAY_RATIO = 0.0  # ratio below this: moving away from the target (still off track)
APPROX_TOLERANCE = 0.05  # 左右 without a stated tolerance: ±5% of the target value
RATIO_DECIMALS = 2  # the ratio is rounded (half up) to this many decimals before it is compared
LEVEL_DECIMALS = 6  # computed levels (target level, path) are rounded to drop float noise

REVISION_RANK = {"revised": 3, "final": 2, "preliminary": 1}  # higher wins for the same year
STATUS_OF_VALUE_ZH = {"preliminary": "初步数", "final": "最终数", "revised": "修订数"}
STATUS_OF_VALUE_EN = {"preliminary": "preliminary", "final": "final", "revised": "revised"}

NUMERIC_KINDS = ("level", "reduction", "addition", "count")


@dataclass(frozen=True)
class Assessment:
    target_id: str
    status: str  # one of STATUSES
    latest: Observation | None  # latest published value used
    baseline: tuple[int, float] | None  # (year, value) the assessment started from
    ratio: float | None  # observed / required progress, rounded to RATIO_DECIMALS; None if not computed
    required_path: tuple[tuple[int, float], ...]  # (year, level) from baseline to target, one point a year; () if none
    target_level: float | None  # the target as a level of the indicator, None if unknown
    explanation_zh: str  # one or two sentences: how the status was worked out, with numbers
    explanation_en: str


@dataclass(frozen=True)
class MethodRule:
    kind: str  # what the rule is about: "ratio", "level", "reduction", ...
    title_zh: str
    title_en: str
    rule_zh: str
    rule_en: str


def _n(x: float) -> str:
    """A number without float noise: at most four decimals, trailing zeros stripped."""
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_number(x: float) -> str:
    """Format a number deterministically: at most four decimals, no trailing zeros, no thousands separator."""
    return _n(x)


def _is_percent(unit: str) -> bool:
    return unit.strip() in ("%", "％", "‰")


def _dimensionless(unit: str) -> bool:
    return unit.strip() in ("", "无", "-", "—")


def format_value_zh(value: float, indicator: Indicator) -> str:
    """A value with the indicator's Chinese unit, e.g. "8.6%" or "600 万吨"."""
    unit = indicator.unit.strip()
    if _is_percent(unit):
        return f"{_n(value)}{unit}"
    if _dimensionless(unit):
        return _n(value)
    return f"{_n(value)} {unit}"


def format_value_en(value: float, indicator: Indicator) -> str:
    """A value with the indicator's English unit, e.g. "8.6%" or "600 10,000 tonnes"."""
    if _is_percent(indicator.unit):
        return f"{_n(value)}{indicator.unit.strip()}"
    unit = (indicator.unit_en or "").strip()
    if _dimensionless(indicator.unit) or not unit:
        return _n(value)
    return f"{_n(value)} {unit}"


def _gap_zh(diff: float, indicator: Indicator) -> str:
    if _is_percent(indicator.unit) and indicator.unit.strip() != "‰":
        return f"{_n(abs(diff))} 个百分点"
    return format_value_zh(abs(diff), indicator)


def _gap_en(diff: float, indicator: Indicator) -> str:
    if _is_percent(indicator.unit) and indicator.unit.strip() != "‰":
        return f"{_n(abs(diff))} percentage points"
    return format_value_en(abs(diff), indicator)


def _round_half_up(x: float, decimals: int) -> float:
    value = float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    return 0.0 if value == 0 else value  # no negative zero


def _level(x: float) -> float:
    value = round(x, LEVEL_DECIMALS)
    return 0.0 if value == 0 else value


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


def preferred_observations(observations: Sequence[Observation]) -> tuple[Observation, ...]:
    """One published value per year, oldest first: revised over final over preliminary."""
    best: dict[int, Observation] = {}
    ordered = sorted(observations, key=lambda o: (o.year, -REVISION_RANK.get(o.status, 0), o.source_id, o.row))
    for obs in ordered:
        best.setdefault(obs.year, obs)
    return tuple(best[year] for year in sorted(best))


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


# --- describing a target -------------------------------------------------------------------

_CMP_ZH = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "=": "为"}
_CMP_EN = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than", "=": "exactly"}


def describe_target_zh(target: Target, indicator: Indicator) -> str:
    """The target in words with its number and unit, e.g. "到 2025 年不低于 8.6%"."""
    if target.kind == "deferred":
        return "完成省下达的目标（规划未给出具体数值）"
    if target.kind == "qualitative" or target.target_value is None:
        return "定性目标（规划未给出具体数值）"
    when = f"到 {target.target_year} 年" if target.target_year else ""
    cmp = default_comparator(target, indicator)
    x = target.target_value
    if target.kind == "reduction":
        amount = f"{_n(x)}%"
        how = {"≈": f"下降 {amount} 左右", ">": f"下降超过 {amount}", "<=": f"下降不超过 {amount}",
               "<": f"下降少于 {amount}", "=": f"下降 {amount}"}.get(cmp, f"下降 {amount}")
        text = f"{when}比 {target.baseline_year} 年{how}" if target.baseline_year else f"{when}{how}"
    elif target.kind == "addition":
        amount = format_value_zh(x, indicator)
        how = {"≈": f"新增 {amount} 左右", ">": f"新增超过 {amount}"}.get(cmp, f"新增 {amount}")
        span = f"{target.baseline_year} 年至 {target.target_year} 年" if target.baseline_year and target.target_year else when
        text = f"{span}{how}"
    else:
        amount = format_value_zh(x, indicator)
        text = f"{when} {amount} 左右".strip() if cmp == "≈" else f"{when}{_CMP_ZH.get(cmp, '达到')} {amount}"
    return f"力争{_sp(text)}" if target.aspirational else text


def describe_target_en(target: Target, indicator: Indicator) -> str:
    """The target in English words with its number and unit, e.g. "at least 8.6% by 2025"."""
    if target.kind == "deferred":
        return "meet the target set by the province (the plan gives no number)"
    if target.kind == "qualitative" or target.target_value is None:
        return "qualitative target (the plan gives no number)"
    by = f" by {target.target_year}" if target.target_year else ""
    cmp = default_comparator(target, indicator)
    x = target.target_value
    if target.kind == "reduction":
        amount = f"{_n(x)}%"
        how = {"≈": f"about {amount}", ">": f"more than {amount}", "<=": f"at most {amount}",
               "<": f"less than {amount}", "=": f"exactly {amount}"}.get(cmp, amount)
        base = f"the {target.baseline_year} level" if target.baseline_year else "the base year"
        text = f"{how} below {base}{by}"
    elif target.kind == "addition":
        amount = format_value_en(x, indicator)
        how = {"≈": f"about {amount}", ">": f"more than {amount}"}.get(cmp, amount)
        span = (f" from {target.baseline_year} to {target.target_year}"
                if target.baseline_year and target.target_year else by)
        text = f"add {how}{span}"
    else:
        amount = format_value_en(x, indicator)
        text = f"about {amount}{by}" if cmp == "≈" else f"{_CMP_EN.get(cmp, 'reach')} {amount}{by}"
    return f"{text} (aspirational: “strive to”)" if target.aspirational else text


# --- the assessment ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Goal:
    """A numeric target turned into a level of the indicator and a test on that level."""

    base: tuple[int, float] | None
    base_source: str  # plan | published | earliest | assumed-zero | missing | none
    target_level: float | None
    compare_quantity: str  # level | reduction | addition: what the comparator is applied to


def _find_base(target: Target, by_year: dict[int, Observation], plan_issue_year: int | None) -> tuple[tuple[int, float] | None, str]:
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


def _quantity(goal: _Goal, value: float) -> float:
    """What the comparator is applied to: the level, the reduction in % since base, or the addition."""
    if goal.compare_quantity == "reduction":
        return (goal.base[1] - value) / goal.base[1] * 100
    if goal.compare_quantity == "addition":
        return value - goal.base[1]
    return value


def _required_path(kind: str, base: tuple[int, float], target_year: int, level: float) -> tuple[tuple[int, float], ...]:
    y0, v0 = base
    span = target_year - y0
    if uses_compound_growth(kind, v0, level):
        growth = (level / v0) ** (1 / span)
        points = [(y0 + k, v0 * growth**k) for k in range(span + 1)]
    else:
        points = [(y0 + k, v0 + (level - v0) * k / span) for k in range(span + 1)]
    points[-1] = (target_year, level)  # end exactly on the target, whatever the float arithmetic did
    return tuple((year, _level(value)) for year, value in points)


def _ratio(kind: str, base: tuple[int, float], latest: tuple[int, float], target_year: int, level: float) -> tuple[float | None, bool]:
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
    return _round_half_up(observed / required, RATIO_DECIMALS), compound


@dataclass(frozen=True)
class _Texts:
    """Pieces of the explanation shared by every branch."""

    target_zh: str
    target_en: str
    extra_zh: str
    extra_en: str


def _sp(text: str) -> str:
    """A leading space where Chinese text runs into a number, as in “为 2020 年”."""
    return f" {text}" if text[:1].isascii() and text[:1].isalnum() else text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _value_note(obs: Observation) -> tuple[str, str]:
    if obs.status == "preliminary":
        return "（初步数）", " (preliminary)"
    return "", ""


def _texts(target: Target, indicator: Indicator, goal: _Goal | None, latest: Observation | None,
           passed_without_value: bool) -> _Texts:
    extra_zh: list[str] = []
    extra_en: list[str] = []
    if target.comparator == "≈" and target.target_value is not None:
        tol = tolerance_of(target)
        stated = target.tolerance is not None
        if target.kind == "reduction":
            tol_zh, tol_en = f"{_n(tol)} 个百分点", f"{_n(tol)} percentage points"
        else:
            tol_zh, tol_en = _gap_zh(tol, indicator), _gap_en(tol, indicator)
        default_zh = f"（规划未给出容差，取目标值的 ±{_pct(APPROX_TOLERANCE)}）"
        default_en = f" (no tolerance stated: ±{_pct(APPROX_TOLERANCE)} of the target)"
        extra_zh.append(f"“左右”按 ±{tol_zh}计{'' if stated else default_zh}")
        extra_en.append(f"“about” is taken as ±{tol_en}{'' if stated else default_en}")
    if goal is not None and goal.base_source == "earliest" and goal.base is not None:
        extra_zh.append(f"规划未给出基准值，以最早的公开数值（{goal.base[0]} 年）为基准")
        extra_en.append(f"the plan states no base, so the earliest published value ({goal.base[0]}) is the base")
    if goal is not None and goal.base_source == "assumed-zero" and goal.base is not None:
        extra_zh.append(f"规划未给出基准值，按 {goal.base[0]} 年从 0 起算")
        extra_en.append(f"the plan states no base, so counting starts from 0 in {goal.base[0]}")
    if passed_without_value:
        extra_zh.append(f"目标年份 {target.target_year} 年的数值尚未公布，按趋势判断")
        extra_en.append(f"the value for the target year {target.target_year} is not published yet, so this is judged by the trend")
    if latest is not None and latest.status == "preliminary":
        extra_zh.append("最新数值为初步数，可能修订")
        extra_en.append("the latest value is preliminary and may be revised")
    if target.aspirational:
        extra_zh.append("规划用语为“力争”，计算方法不变")
        extra_en.append("the plan says “strive to” (力争); the arithmetic is the same")
    return _Texts(
        target_zh=describe_target_zh(target, indicator),
        target_en=describe_target_en(target, indicator),
        extra_zh="；".join(extra_zh) + "。" if extra_zh else "",
        extra_en=_sentence("; ".join(extra_en)) if extra_en else "",
    )


def _assessment(target: Target, status: str, zh: str, en: str, texts: _Texts | None, *,
                latest: Observation | None = None, goal: _Goal | None = None, ratio: float | None = None,
                path: tuple[tuple[int, float], ...] = ()) -> Assessment:
    if texts is not None and texts.extra_zh:
        zh = f"{zh}{texts.extra_zh}"
        en = f"{en} {texts.extra_en}"
    en = en[:1].upper() + en[1:]
    return Assessment(
        target_id=target.target_id,
        status=status,
        latest=latest,
        baseline=goal.base if goal else None,
        ratio=ratio,
        required_path=path,
        target_level=goal.target_level if goal else None,
        explanation_zh=zh,
        explanation_en=en,
    )


def _where_zh(obs: Observation, indicator: Indicator) -> str:
    return f"{obs.year} 年公开数值为 {format_value_zh(obs.value, indicator)}{_value_note(obs)[0]}"


def _where_en(obs: Observation, indicator: Indicator) -> str:
    return f"the published value for {obs.year} is {format_value_en(obs.value, indicator)}{_value_note(obs)[1]}"


def _progress_zh(goal: _Goal, obs: Observation, indicator: Indicator) -> str:
    """Where the latest value stands against the target, in the target's own terms."""
    y0, v0 = goal.base if goal.base else (None, None)
    if goal.compare_quantity == "reduction":
        change = _quantity(goal, obs.value)
        change = round(change, 2)  # a percentage computed from two published figures: two decimals suffice
        moved = f"下降 {_n(change)}%" if change >= 0 else f"上升 {_n(-change)}%"
        return f"{_where_zh(obs, indicator)}，比 {y0} 年（{format_value_zh(v0, indicator)}）{moved}"
    if goal.compare_quantity == "addition":
        added = _quantity(goal, obs.value)
        return f"{_where_zh(obs, indicator)}，{y0} 年以来新增 {format_value_zh(added, indicator)}"
    return _where_zh(obs, indicator)


def _progress_en(goal: _Goal, obs: Observation, indicator: Indicator) -> str:
    y0, v0 = goal.base if goal.base else (None, None)
    if goal.compare_quantity == "reduction":
        change = _quantity(goal, obs.value)
        change = round(change, 2)
        moved = f"{_n(change)}% below" if change >= 0 else f"{_n(-change)}% above"
        return f"{_where_en(obs, indicator)}, {moved} {y0} ({format_value_en(v0, indicator)})"
    if goal.compare_quantity == "addition":
        added = _quantity(goal, obs.value)
        return f"{_where_en(obs, indicator)}, an addition of {format_value_en(added, indicator)} since {y0}"
    return _where_en(obs, indicator)


def assess_target(target: Target, indicator: Indicator, observations: Sequence[Observation], as_of_year: int,
                  *, plan_issue_year: int | None = None) -> Assessment:
    """Work out the status of one target from the indicator's published values, as of as_of_year.

    plan_issue_year is the year the plan was issued: the default base year of a count target.
    """
    if target.indicator_id != indicator.indicator_id:
        raise ValueError(f"target {target.target_id} measures {target.indicator_id}, not {indicator.indicator_id}")
    if target.kind == "deferred":
        return _assessment(target, "not-assessable",
                           "规划只要求完成省下达的目标，没有给出具体数值，无法计算进度。",
                           "The plan only asks to meet the target set by the province and gives no number, "
                           "so progress cannot be computed.", None)
    if target.kind not in NUMERIC_KINDS or target.target_value is None:
        return _assessment(target, "not-assessable",
                           "这是一项没有具体数值的定性目标，无法计算进度。",
                           "This is a qualitative target with no number, so progress cannot be computed.", None)

    by_year = {o.year: o for o in preferred_observations([o for o in observations if o.indicator_id == indicator.indicator_id])}
    goal = _goal(target, by_year, plan_issue_year)
    target_year = target.target_year
    path: tuple[tuple[int, float], ...] = ()
    comparator = default_comparator(target, indicator)
    tolerance = tolerance_of(target)
    better = "higher" if goal.compare_quantity != "level" else indicator.direction

    def meets(value: float) -> bool:
        return _satisfies(_quantity(goal, value), target.target_value, comparator, tolerance, better)

    base_meets = goal.base is not None and meets(goal.base[1])
    if (goal.base is not None and goal.target_level is not None and target_year is not None
            and target_year > goal.base[0] and not base_meets):
        path = _required_path(target.kind, goal.base, target_year, goal.target_level)

    if not by_year:
        texts = _texts(target, indicator, goal, None, False)
        return _assessment(target, "no-data",
                           f"没有公开数值，无法判断进度；规划目标为{_sp(texts.target_zh)}。",
                           f"No published value, so progress cannot be judged; the plan's target is {texts.target_en}.",
                           None, goal=goal, path=path)
    latest = by_year[max(by_year)]
    if goal.base is None or (goal.compare_quantity == "reduction" and goal.base[1] <= 0):
        if goal.base_source == "missing":
            what_zh = "下降幅度" if target.kind == "reduction" else "新增量"
            what_en = "the reduction" if target.kind == "reduction" else "the addition"
            return _assessment(target, "no-data",
                               f"基准年 {target.baseline_year} 年的数值没有公开，无法计算{what_zh}；"
                               f"最新公开数值为 {latest.year} 年的 {format_value_zh(latest.value, indicator)}。",
                               f"The value for the base year {target.baseline_year} is not published, so {what_en} "
                               f"cannot be computed; the latest published value is "
                               f"{format_value_en(latest.value, indicator)} for {latest.year}.",
                               None, latest=latest, goal=goal)
        if goal.base is None:
            return _assessment(target, "not-assessable",
                               "规划没有给出基准年，无法计算进度。",
                               "The plan gives no base year, so progress cannot be computed.", None,
                               latest=latest, goal=goal)
        return _assessment(target, "not-assessable",
                           "基准值不是正数，无法计算下降比例。",
                           "The base value is not positive, so a percentage reduction cannot be computed.", None,
                           latest=latest, goal=goal)

    passed = target_year is not None and as_of_year > target_year
    if passed and target_year in by_year:
        final = by_year[target_year]
        texts = _texts(target, indicator, goal, final if final is latest else None, False)
        if meets(final.value):
            return _assessment(target, "achieved",
                               f"目标年份已过：{_progress_zh(goal, final, indicator)}，已实现目标（{texts.target_zh}）。",
                               f"The target year has passed: {_progress_en(goal, final, indicator)}; the target "
                               f"({texts.target_en}) was met.", texts, latest=latest, goal=goal, path=path)
        return _assessment(target, "missed",
                           f"目标年份已过：{_progress_zh(goal, final, indicator)}，未实现目标（{texts.target_zh}）。",
                           f"The target year has passed: {_progress_en(goal, final, indicator)}; the target "
                           f"({texts.target_en}) was not met.", texts, latest=latest, goal=goal, path=path)

    texts = _texts(target, indicator, goal, latest, passed)
    if meets(latest.value):
        return _assessment(target, "achieved",
                           f"{_progress_zh(goal, latest, indicator)}，已达到目标（{texts.target_zh}）。",
                           f"{_progress_en(goal, latest, indicator)}; the target ({texts.target_en}) is met.",
                           texts, latest=latest, goal=goal, path=path)
    if target_year is None:
        return _assessment(target, "not-assessable",
                           f"{_progress_zh(goal, latest, indicator)}，尚未达到目标（{texts.target_zh}）；"
                           f"规划没有给出目标年份，无法计算进度。",
                           f"{_progress_en(goal, latest, indicator)}; the target ({texts.target_en}) is not met yet, "
                           f"and the plan gives no target year, so progress cannot be computed.",
                           texts, latest=latest, goal=goal)
    y0, v0 = goal.base
    if latest.year <= y0:
        if len(by_year) == 1 and goal.base_source in ("earliest", "published"):
            zh = (f"只有一个公开数值（{latest.year} 年 {format_value_zh(latest.value, indicator)}），"
                  f"尚未达到目标（{texts.target_zh}），无法判断趋势。")
            en = (f"There is only one published value ({format_value_en(latest.value, indicator)} for "
                  f"{latest.year}); it does not meet the target ({texts.target_en}) and one value shows no trend.")
        else:
            zh = f"基准年 {y0} 年之后还没有公开数值，无法判断趋势；目标为{_sp(texts.target_zh)}。"
            en = f"No value has been published for a year after the base year {y0}, so there is no trend; the target is {texts.target_en}."
        return _assessment(target, "not-assessable", zh, en, texts, latest=latest, goal=goal, path=path)
    if target_year <= y0:
        return _assessment(target, "not-assessable",
                           f"目标年份 {target_year} 年不晚于基准年 {y0} 年，无法计算进度。",
                           f"The target year {target_year} is not after the base year {y0}, so progress cannot be computed.",
                           texts, latest=latest, goal=goal)
    if base_meets:
        return _assessment(target, "off-track",
                           f"{_progress_zh(goal, latest, indicator)}，未达到目标（{texts.target_zh}）；"
                           f"{y0} 年（{format_value_zh(v0, indicator)}）时已达到，此后朝远离目标的方向变化。",
                           f"{_progress_en(goal, latest, indicator)}, which does not meet the target ({texts.target_en}); "
                           f"it was met in {y0} ({format_value_en(v0, indicator)}) and has since moved away from it.",
                           texts, latest=latest, goal=goal, path=path)

    ratio, compound = _ratio(target.kind, goal.base, (latest.year, latest.value), target_year, goal.target_level)
    gap_zh = f"距目标（{texts.target_zh}）"
    gap_en = f"the target is {texts.target_en}"
    if goal.compare_quantity == "level":
        gap_zh += f"还差 {_gap_zh(goal.target_level - latest.value, indicator)}"
        gap_en += f", {_gap_en(goal.target_level - latest.value, indicator)} away"
    else:
        gap_zh = f"目标为{_sp(texts.target_zh)}"
    how_zh = "年均变化率（复合）" if compound else "年均变化量"
    how_en = "compound annual rate of change" if compound else "average change per year"
    if ratio is None:
        status = "off-track"
        trend_zh = f"按 {y0} 年（{format_value_zh(v0, indicator)}）以来的变化，数值没有朝目标移动（{STATUS_LABEL_ZH[status]}）"
        trend_en = f"since {y0} ({format_value_en(v0, indicator)}) the value has not moved towards the target ({STATUS_LABEL_EN[status]})"
    else:
        status = classify_ratio(ratio)
        trend_zh = (f"按 {y0} 年（{format_value_zh(v0, indicator)}）以来的{how_zh}，"
                    f"进度比为 {_n(ratio)}（{STATUS_LABEL_ZH[status]}"
                    + ("：正朝远离目标的方向变化）" if ratio < MOVING_AWAY_RATIO
                       else "：变化太慢）" if status == "off-track" else "）"))
        trend_en = (f"measured by {how_en} since {y0} ({format_value_en(v0, indicator)}), the progress ratio is "
                    f"{_n(ratio)} ({STATUS_LABEL_EN[status]}"
                    + (": moving away from the target)" if ratio < MOVING_AWAY_RATIO
                       else ": moving too slowly)" if status == "off-track" else ")"))
    return _assessment(target, status,
                       f"{_progress_zh(goal, latest, indicator)}，{gap_zh}；{trend_zh}。",
                       f"{_progress_en(goal, latest, indicator)}; {gap_en}; {trend_en}.",
                       texts, latest=latest, goal=goal, ratio=ratio, path=path)


def assess_all(data: DataRoot, as_of_year: int) -> dict[str, Assessment]:
    """Assess every target in every plan package, keyed by target_id."""
    indicators = {i.indicator_id: i for i in data.indicators()}
    results: dict[str, Assessment] = {}
    for package in data.plans:
        issue_year = package.plan.issue_date.year if package.plan.issue_date else None
        for target in package.targets:
            indicator = indicators.get(target.indicator_id)
            if indicator is None:  # a broken reference; validation reports it, the site must not crash
                results[target.target_id] = _assessment(
                    target, "not-assessable",
                    f"找不到指标 {target.indicator_id}，无法评估。",
                    f"Indicator {target.indicator_id} is missing, so the target cannot be assessed.", None)
                continue
            results[target.target_id] = assess_target(
                target, indicator, data.observations_for(target.indicator_id), as_of_year,
                plan_issue_year=issue_year)
    return results


def as_of_year(data: DataRoot, source_date_epoch: str | None) -> int:
    """The year progress is judged in: SOURCE_DATE_EPOCH, else latest source accessed, else plan issue year.

    Further fallbacks, so a build never depends on the clock: the latest observation or
    baseline year, and finally 1970 (what SOURCE_DATE_EPOCH=0 means).
    """
    if source_date_epoch is not None and source_date_epoch.strip().isdigit():
        try:
            return datetime.fromtimestamp(int(source_date_epoch.strip()), tz=timezone.utc).year
        except (OverflowError, OSError, ValueError):
            pass  # out of range: treat as unset, like any other invalid value
    known = data.latest_known_date()
    if known is not None:
        return known.year
    years = [o.year for o in data.observations] + [t.baseline_year for t in data.targets() if t.baseline_year]
    if years:
        return max(years)
    return 1970


def _pct(x: float) -> str:
    return f"{_n(x * 100)}%"


METHOD_RULES: tuple[MethodRule, ...] = (
    MethodRule(
        "ratio", "进度比", "Progress ratio",
        "进度比 = 基准年以来实际的年均变化 ÷ 从基准年到目标年份按期实现目标所需的年均变化。"
        "基准值、目标水平和最新数值都为正数时用年均复合增长率计算；基准值为 0 或出现负数时改用每年的绝对变化量。"
        "新增和计数目标一律用每年的绝对变化量。进度比四舍五入到两位小数后再与阈值比较，页面显示的就是这个数。",
        "Progress ratio = the observed annual change since the base year ÷ the annual change needed to reach the "
        "target in the target year. Compound annual growth is used when the base value, the target level and the "
        "latest value are all positive; otherwise (a base of 0, or negative values) the absolute change per year. "
        "Additions and counts always use the absolute change per year. The ratio is rounded half up to two decimals "
        "before it is compared with the thresholds; that is the number the site shows.",
    ),
    MethodRule(
        "thresholds", "状态阈值", "Status thresholds",
        f"尚未达到目标时：进度比 ≥ {_n(ON_TRACK_RATIO)} 为“{STATUS_LABEL_ZH['on-track']}”；"
        f"{_n(ACCELERATE_RATIO)} ≤ 进度比 < {_n(ON_TRACK_RATIO)} 为“{STATUS_LABEL_ZH['needs-acceleration']}”；"
        f"进度比 < {_n(ACCELERATE_RATIO)} 为“{STATUS_LABEL_ZH['off-track']}”，其中 {_n(MOVING_AWAY_RATIO)} ≤ 进度比 < "
        f"{_n(ACCELERATE_RATIO)} 说明变化太慢，进度比 < {_n(MOVING_AWAY_RATIO)} 说明正朝远离目标的方向变化。",
        f"While the target is not yet met: ratio ≥ {_n(ON_TRACK_RATIO)} is “{STATUS_LABEL_EN['on-track']}”; "
        f"{_n(ACCELERATE_RATIO)} ≤ ratio < {_n(ON_TRACK_RATIO)} is “{STATUS_LABEL_EN['needs-acceleration']}”; "
        f"ratio < {_n(ACCELERATE_RATIO)} is “{STATUS_LABEL_EN['off-track']}”: {_n(MOVING_AWAY_RATIO)} ≤ ratio < "
        f"{_n(ACCELERATE_RATIO)} means moving too slowly, ratio < {_n(MOVING_AWAY_RATIO)} means moving away from the target.",
    ),
    MethodRule(
        "achieved-missed", "已实现与未实现", "Achieved and missed",
        f"最新公开数值已满足目标即为“{STATUS_LABEL_ZH['achieved']}”。目标年份过后，若目标年份的数值已公布："
        f"满足目标为“{STATUS_LABEL_ZH['achieved']}”，否则为“{STATUS_LABEL_ZH['missed']}”。"
        "目标年份已过但该年数值尚未公布时，按趋势判断，并在说明中写明。",
        f"A target is “{STATUS_LABEL_EN['achieved']}” when the latest published value meets it. After the target "
        f"year, if the value for the target year is published, the target is “{STATUS_LABEL_EN['achieved']}” when "
        f"that value meets it and “{STATUS_LABEL_EN['missed']}” otherwise. If the target year has passed but its "
        "value is not yet published, the status is judged by the trend and the explanation says so.",
    ),
    MethodRule(
        "level", "水平目标（达到、以上、以下）", "Level targets (reach, at least, at most)",
        "比较最新数值与目标值：“达到”“以上”按 ≥，“以下”“控制在”按 ≤，“超过”按 >，“低于”按 <；"
        "“>”“<”在恰好等于目标值时不算实现。原文没有比较方式时，越高越好的指标按 ≥，越低越好的按 ≤。"
        "需要移动的方向由基准值到目标值决定。“=”（恰好）按规划给出的容差判断，没有容差则须相等。",
        "The latest value is compared with the target: 达到/以上 (reach, at least) as ≥, 以下/控制在 (at most) as ≤, "
        "超过 as >, 低于 as <; > and < are not met by a value exactly equal to the target. Without a comparator, "
        "≥ applies where higher is better and ≤ where lower is better. The direction of the required change runs "
        "from the base value to the target. “=” (exactly) uses the plan's tolerance, or exact equality without one.",
    ),
    MethodRule(
        "approx", "“左右”目标", "“About” (左右) targets",
        f"数值与目标值相差不超过容差即为实现；规划未给出容差时取目标值的 ±{_pct(APPROX_TOLERANCE)}。"
        "朝指标向好的方向超出目标（如越高越好的指标高于目标）也算实现；朝不利方向差得超过容差则未实现。",
        f"Met when the value is within the tolerance of the target; where the plan states no tolerance, "
        f"±{_pct(APPROX_TOLERANCE)} of the target value. Going beyond the target in the indicator's better direction "
        "(e.g. above it where higher is better) also counts as met; falling short by more than the tolerance does not.",
    ),
    MethodRule(
        "reduction", "下降目标（比基准年下降 x%）", "Reduction targets (x% below a base year)",
        "目标水平 = 基准值 × (1 − x/100)。基准值取规划给出的数值，否则取基准年的公开数值；"
        f"基准年数值没有公开时为“{STATUS_LABEL_ZH['no-data']}”。比较的是相对基准年的下降百分比；"
        "“左右”的容差以百分点计，多降不算未实现。",
        "Target level = base value × (1 − x/100). The base is the value stated by the plan, else the published "
        f"value for the base year; where the base-year value is not published the status is "
        f"“{STATUS_LABEL_EN['no-data']}”. The reduction in percent from the base year is what is compared; the "
        "tolerance of an “about” reduction is in percentage points, and a larger reduction never counts as a failure.",
    ),
    MethodRule(
        "addition", "新增目标（“十四五”新增 X）", "Addition targets (add X over the five-year plan)",
        "公开数值是存量。已新增 = 最新数值 − 基准年（“十四五”为 2020 年）数值；所需路径从基准年的 0 新增线性增长到"
        "目标年份的 X，进度比 = 已新增 ÷ (X × 已过年数 ÷ 总年数)。基准年数值没有公开时为"
        f"“{STATUS_LABEL_ZH['no-data']}”。",
        "Published values are stocks. Addition so far = latest value − value in the base year (2020 for the 14th "
        "Five-Year Plan); the required path grows linearly from no addition in the base year to X in the target "
        "year, and the ratio = addition so far ÷ (X × years elapsed ÷ years in the period). Where the base-year "
        f"value is not published the status is “{STATUS_LABEL_EN['no-data']}”.",
    ),
    MethodRule(
        "count", "计数目标（建成 N 个）", "Count targets (build N)",
        "公开数值是累计数量，按“≥ 目标值”判断，按每年的绝对变化量计算进度。基准年取规划给出的基准年，"
        "没有则取规划印发年份；基准值取规划给出的数值，否则取该年的公开数值，都没有则从 0 起算"
        "（数的是规划印发后建成的数量），并在说明中写明。",
        "Published values are cumulative counts, compared as “≥ target”, with progress measured by the absolute "
        "change per year. The base year is the one the plan states, else the year the plan was issued; the base "
        "value is the plan's, else the published value for that year, else 0 (counting what was built after the "
        "plan was issued), and the explanation says so.",
    ),
    MethodRule(
        "baseline", "基准", "Base",
        "水平目标的基准取规划给出的基准年和基准值；规划只给出基准年时取该年的公开数值；"
        "都没有时取最早的公开数值，并在说明中写明。",
        "The base of a level target is the base year and value stated by the plan; with only a base year, the "
        "published value for that year; otherwise the earliest published value, and the explanation says so.",
    ),
    MethodRule(
        "single", "只有一个数值", "A single value",
        f"只有一个公开数值时：已满足目标为“{STATUS_LABEL_ZH['achieved']}”；否则，若规划给出了基准值，以它为起点计算进度比；"
        f"若没有，一个数值看不出趋势，为“{STATUS_LABEL_ZH['not-assessable']}”。",
        f"With one published value: “{STATUS_LABEL_EN['achieved']}” if it meets the target; otherwise the ratio is "
        "computed from the plan's base value if there is one; without one a single value shows no trend and the "
        f"status is “{STATUS_LABEL_EN['not-assessable']}”.",
    ),
    MethodRule(
        "no-number", "没有数值的目标", "Targets without a number",
        f"“完成省下达目标”和定性目标没有数值，为“{STATUS_LABEL_ZH['not-assessable']}”。"
        f"有数值的目标没有任何公开数值时为“{STATUS_LABEL_ZH['no-data']}”。",
        f"“Meet the province's target” and qualitative targets carry no number: “{STATUS_LABEL_EN['not-assessable']}”. "
        f"A numeric target with no published value at all is “{STATUS_LABEL_EN['no-data']}”.",
    ),
    MethodRule(
        "revisions", "初步数与修订数", "Preliminary and revised values",
        "同一年有多个数值时，取修订数，其次最终数，再次初步数；最新数值为初步数时在说明中写明。",
        "Where a year has several values, the revised one is used, else the final, else the preliminary; the "
        "explanation says when the latest value is preliminary.",
    ),
    MethodRule(
        "aspirational", "“力争”", "“Strive to” (力争)",
        "“力争”目标的计算方法与其他目标相同，说明中会注明。",
        "Targets the plan qualifies with “strive to” are computed the same way; the explanation notes it.",
    ),
    MethodRule(
        "path", "所需路径", "Required path",
        "图中虚线是从基准到目标每年应达到的数值，用与进度比相同的方法（年均复合增长或每年相同增量）计算，"
        "因此某年的公开数值落在虚线上或更好的一侧，就说明到那一年为止的进度不慢于要求。"
        "基准已满足目标时不画路径。",
        "The dashed line in charts is the level needed each year from the base to the target, computed the same way "
        "as the ratio (compound growth or equal steps), so a published value on or beyond the line means progress "
        "up to that year is at least as fast as required. No path is drawn where the base already meets the target.",
    ),
    MethodRule(
        "as-of", "评估年份", "Year of assessment",
        "评估年份取构建时的 SOURCE_DATE_EPOCH（UTC 年份）；没有则取数据来源中最晚的访问日期所在年份，"
        "再没有则取规划印发年份，最后取最晚的公开数值或基准年份。不使用构建机器的时钟。",
        "The year of assessment is the UTC year of SOURCE_DATE_EPOCH at build time; else the year of the latest "
        "access date among the sources; else the year the plan was issued; else the latest observation or base "
        "year. The build machine's clock is never used.",
    ),
)
