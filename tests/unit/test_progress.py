"""Progress status, kind by kind and boundary by boundary. All values here are SYNTHETIC."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from builder.model import DataRoot, Indicator, Observation, Plan, PlanPackage, Source, Target
from builder.progress import (
    ACCELERATE_RATIO,
    APPROX_TOLERANCE,
    METHOD_RULES,
    ON_TRACK_RATIO,
    STATUS_LABEL_EN,
    STATUS_LABEL_ZH,
    STATUSES,
    as_of_year,
    assess_all,
    assess_target,
    format_number,
    preferred_observations,
)

SHARE = Indicator("songyuan-plan", "share", "合成占比", "Synthetic share", "%", "%", "higher", "合成指标（测试用）")
STOCK = Indicator("songyuan-plan", "stock", "合成装机", "Synthetic capacity", "万千瓦", "10 MW", "higher", "合成指标")
INDEX = Indicator("songyuan-plan", "index", "合成能耗指数", "Synthetic intensity", "无", "index", "lower", "合成指标")
LOWER = Indicator("songyuan-plan", "lower", "合成比重", "Synthetic coal share", "%", "%", "lower", "合成指标")


def target(indicator: Indicator = SHARE, **fields) -> Target:
    values = dict(package="songyuan-plan", target_id="t-1", indicator_id=indicator.indicator_id, kind="level",
                  aspirational=False, quote_zh="合成原文", clause="二", target_year=2025, target_value=8.6,
                  comparator=">=")
    values.update(fields)
    return Target(**values)


def obs(year: int, value: float, status: str = "final", indicator: Indicator = SHARE, source: str = "s-1") -> Observation:
    return Observation(indicator.indicator_id, year, value, status, source, row=2)


def assess(t: Target, observations, as_of: int = 2024, indicator: Indicator = SHARE, **kw):
    return assess_target(t, indicator, observations, as_of, **kw)


def count_target(**fields) -> Target:
    """Count of 100 by 2030 from 0 in 2020: 10 a year is exactly on the required path."""
    values = dict(kind="count", target_year=2030, target_value=100, baseline_year=2020, baseline_value=0)
    values.update(fields)
    return target(STOCK, **values)


# --- labels and the published rules -------------------------------------------------------

def test_every_status_has_chinese_and_english_label():
    assert set(STATUS_LABEL_ZH) == set(STATUSES) == set(STATUS_LABEL_EN)
    assert [STATUS_LABEL_ZH[s] for s in STATUSES] == ["已实现", "进展顺利", "需要加快", "偏离轨道", "未实现", "暂无公开数据", "无法评估"]


def test_methodology_rules_state_the_thresholds_the_code_uses():
    text = " ".join(rule.rule_zh for rule in METHOD_RULES)
    assert f"{ON_TRACK_RATIO:g}" in text and f"{ACCELERATE_RATIO:g}" in text
    assert f"±{APPROX_TOLERANCE * 100:g}%" in text
    kinds = {rule.kind for rule in METHOD_RULES}
    assert {"ratio", "thresholds", "level", "approx", "reduction", "addition", "count", "single"} <= kinds
    assert all(rule.rule_en and rule.title_zh for rule in METHOD_RULES)


# --- ratio boundaries (linear count: required 40 by 2024) ----------------------------------

@pytest.mark.parametrize(("latest", "status", "ratio"), [
    (40, "on-track", 1.0),
    (38, "on-track", 0.95),  # exactly the threshold
    (37.7, "needs-acceleration", 0.94),  # just below once rounded to the two decimals shown
    (24, "needs-acceleration", 0.6),  # exactly the lower threshold
    (23.6, "off-track", 0.59),
    (0, "off-track", 0.0),  # no movement: too slow, not moving away
])
def test_ratio_thresholds(latest, status, ratio):
    result = assess(count_target(), [obs(2024, latest, indicator=STOCK)], indicator=STOCK)
    assert (result.status, result.ratio) == (status, ratio)
    assert STATUS_LABEL_ZH[status] in result.explanation_zh


def test_ratio_zero_is_too_slow_and_negative_is_moving_away():
    still = assess(count_target(baseline_value=20), [obs(2020, 20, indicator=STOCK), obs(2024, 20, indicator=STOCK)],
                   indicator=STOCK)
    back = assess(count_target(baseline_value=20), [obs(2020, 20, indicator=STOCK), obs(2024, 15, indicator=STOCK)],
                  indicator=STOCK)
    assert still.status == back.status == "off-track"
    assert "变化太慢" in still.explanation_zh and "远离" not in still.explanation_zh
    assert back.ratio < 0 and "远离目标" in back.explanation_zh and "moving away" in back.explanation_en


def test_level_uses_compound_growth_when_values_are_positive():
    # 10% a year is required (100 → 146.41 in four years); 10% a year was achieved by 2022.
    t = target(STOCK, target_year=2024, target_value=146.41, baseline_year=2020, baseline_value=100)
    on_path = assess(t, [obs(2022, 121, indicator=STOCK)], as_of=2023, indicator=STOCK)
    half_rate = assess(t, [obs(2022, 110.25, indicator=STOCK)], as_of=2023, indicator=STOCK)
    assert (on_path.status, on_path.ratio) == ("on-track", 1.0)  # linear change per year would give 0.91
    assert (half_rate.status, half_rate.ratio) == ("off-track", 0.5)
    assert "复合" in on_path.explanation_zh


def test_level_falls_back_to_change_per_year_when_base_is_zero():
    t = target(STOCK, target_value=50, baseline_year=2020, baseline_value=0)
    result = assess(t, [obs(2022, 20, indicator=STOCK)], indicator=STOCK)
    assert result.ratio == 1.0  # 10 a year, 10 a year required
    assert "年均变化量" in result.explanation_zh


# --- comparators ----------------------------------------------------------------------------

@pytest.mark.parametrize(("comparator", "value", "achieved"), [
    (">=", 8.6, True), (">", 8.6, False), (">", 8.61, True),
    ("<=", 8.6, True), ("<", 8.6, False), ("<", 8.59, True),
    ("=", 8.6, True), ("=", 8.61, False),
])
def test_comparator_at_exact_target(comparator, value, achieved):
    indicator = SHARE if comparator.startswith(">") or comparator == "=" else LOWER
    t = target(indicator, comparator=comparator)
    result = assess(t, [obs(2020, 9.5 if comparator.startswith("<") else 7.0, indicator=indicator),
                        obs(2023, value, indicator=indicator)], indicator=indicator)
    assert (result.status == "achieved") is achieved


def test_computed_values_do_not_miss_by_float_noise():
    # 100 × (1 − 14.5/100) is 85.50000000000001 in binary; a published 85.5 meets it.
    t = target(INDEX, kind="reduction", target_value=14.5, baseline_year=2020, baseline_value=100)
    assert assess(t, [obs(2023, 85.5, indicator=INDEX)], indicator=INDEX).status == "achieved"


@pytest.mark.parametrize(("value", "tolerance", "achieved"), [
    (57, None, True),  # 60 左右 with no stated tolerance: ±5% = ±3, edge inside
    (56.9, None, False),
    (63, None, True),
    (59, 1, True),  # stated tolerance 1
    (58.9, 1, False),
    (70, None, True),  # beyond the target in the better direction
])
def test_approx_target_tolerance_edges(value, tolerance, achieved):
    t = target(comparator="≈", target_value=60, tolerance=tolerance)
    result = assess(t, [obs(2020, 50), obs(2023, value)])
    assert (result.status == "achieved") is achieved
    assert "左右" in result.explanation_zh


def test_approx_target_overshoot_in_the_worse_direction_is_not_achieved():
    t = target(LOWER, comparator="≈", target_value=35.6)
    result = assess(t, [obs(2020, 40, indicator=LOWER), obs(2023, 38, indicator=LOWER)], indicator=LOWER)
    assert result.status != "achieved"
    assert assess(t, [obs(2020, 40, indicator=LOWER), obs(2023, 30, indicator=LOWER)], indicator=LOWER).status == "achieved"


def test_lower_is_better_level():
    t = target(LOWER, comparator=None, target_value=35.6)  # no comparator: ≤ for a lower-is-better indicator
    falling = assess(t, [obs(2020, 40, indicator=LOWER), obs(2023, 37.36, indicator=LOWER)], indicator=LOWER)
    rising = assess(t, [obs(2020, 40, indicator=LOWER), obs(2023, 41, indicator=LOWER)], indicator=LOWER)
    assert falling.status in ("on-track", "needs-acceleration") and falling.ratio > ACCELERATE_RATIO
    assert rising.status == "off-track" and rising.ratio < 0
    assert assess(t, [obs(2020, 40, indicator=LOWER), obs(2023, 35, indicator=LOWER)], indicator=LOWER).status == "achieved"


def test_base_already_meeting_target_then_slipping_is_off_track():
    t = target(LOWER, comparator="<=", target_value=5)  # e.g. a curtailment rate kept at or below 5%
    result = assess(t, [obs(2020, 3, indicator=LOWER), obs(2023, 6, indicator=LOWER)], indicator=LOWER)
    assert result.status == "off-track" and result.ratio is None and result.required_path == ()
    assert "已达到" in result.explanation_zh


# --- target year passed ---------------------------------------------------------------------

def test_missed_when_target_year_value_fails():
    result = assess(target(), [obs(2020, 8.0), obs(2025, 8.2)], as_of=2026)
    assert result.status == "missed"
    assert "2025 年公开数值为 8.2%" in result.explanation_zh


def test_achieved_when_target_year_value_meets():
    assert assess(target(), [obs(2020, 8.0), obs(2025, 8.6)], as_of=2026).status == "achieved"


def test_target_year_value_decides_even_if_a_later_value_meets():
    assert assess(target(), [obs(2020, 8.0), obs(2025, 8.2), obs(2026, 8.7)], as_of=2027).status == "missed"


def test_target_year_passed_without_its_value_is_judged_by_trend():
    result = assess(target(), [obs(2020, 8.0), obs(2024, 8.5)], as_of=2027)
    assert result.status in ("on-track", "needs-acceleration", "off-track")
    assert result.ratio is not None
    assert "2025 年的数值尚未公布" in result.explanation_zh and "not published yet" in result.explanation_en


def test_not_missed_before_the_target_year_is_over():
    result = assess(target(), [obs(2020, 8.0), obs(2025, 8.2)], as_of=2025)
    assert result.status != "missed" and result.ratio is not None


# --- no number, no data ---------------------------------------------------------------------

def test_no_observation_is_no_data_but_keeps_target_level():
    result = assess(target(), [])
    assert result.status == "no-data" and result.latest is None
    assert "没有公开数值" in result.explanation_zh and "8.6%" in result.explanation_zh
    assert result.target_level == 8.6 and result.required_path == ()


def test_no_observation_with_plan_base_still_has_path():
    result = assess(target(baseline_year=2020, baseline_value=8.0), [])
    assert result.status == "no-data"
    assert result.required_path[0] == (2020, 8.0) and result.required_path[-1] == (2025, 8.6)


def test_deferred_target_is_not_assessable():
    t = target(kind="deferred", target_value=None, comparator=None)
    result = assess(t, [obs(2020, 8.0), obs(2023, 8.2)])
    assert result.status == "not-assessable" and "省" in result.explanation_zh


def test_qualitative_target_is_not_assessable():
    result = assess(target(kind="qualitative", target_value=None, comparator=None, target_year=None), [obs(2023, 1)])
    assert result.status == "not-assessable" and "定性" in result.explanation_zh


# --- reduction ------------------------------------------------------------------------------

def reduction(**fields) -> Target:
    values = dict(kind="reduction", target_value=14.5, baseline_year=2020, baseline_value=None)
    values.update(fields)
    return target(INDEX, **values)


def test_reduction_with_base_from_published_value():
    result = assess(reduction(), [obs(2020, 0.8, indicator=INDEX), obs(2023, 0.76, indicator=INDEX)], indicator=INDEX)
    assert result.target_level == pytest.approx(0.8 * (1 - 0.145))
    assert result.baseline == (2020, 0.8)
    assert result.status in ("needs-acceleration", "off-track", "on-track")
    assert "下降 5%" in result.explanation_zh  # (0.8 − 0.76) / 0.8


def test_reduction_with_base_from_the_plan_and_one_value():
    result = assess(reduction(baseline_value=100), [obs(2023, 92, indicator=INDEX)], indicator=INDEX)
    assert result.target_level == 85.5 and result.ratio is not None


def test_reduction_achieved_when_cut_is_deep_enough():
    result = assess(reduction(baseline_value=100), [obs(2024, 85, indicator=INDEX)], indicator=INDEX)
    assert result.status == "achieved"


def test_reduction_without_base_value_is_no_data():
    result = assess(reduction(), [obs(2022, 0.77, indicator=INDEX), obs(2023, 0.76, indicator=INDEX)], indicator=INDEX)
    assert result.status == "no-data" and result.target_level is None
    assert "基准年 2020 年的数值没有公开" in result.explanation_zh


def test_approx_reduction_tolerance_is_in_percentage_points():
    t = reduction(target_value=5, comparator="≈", baseline_value=100)  # 下降 5% 左右: ±0.25 points
    assert assess(t, [obs(2023, 95.25, indicator=INDEX)], indicator=INDEX).status == "achieved"
    assert assess(t, [obs(2023, 95.3, indicator=INDEX)], indicator=INDEX).status != "achieved"


# --- addition -------------------------------------------------------------------------------

def addition(**fields) -> Target:
    values = dict(kind="addition", target_value=1000, baseline_year=2020, comparator=">=")
    values.update(fields)
    return target(STOCK, **values)


def test_addition_ratio_is_added_over_required_share_of_period():
    result = assess(addition(), [obs(2020, 500, indicator=STOCK), obs(2022, 800, indicator=STOCK)], indicator=STOCK)
    assert result.ratio == 0.75  # 300 ÷ (1000 × 2/5)
    assert result.status == "needs-acceleration" and result.target_level == 1500
    assert "新增 300 万千瓦" in result.explanation_zh


def test_addition_achieved_when_added_amount_reached():
    result = assess(addition(), [obs(2020, 500, indicator=STOCK), obs(2023, 1500, indicator=STOCK)], indicator=STOCK)
    assert result.status == "achieved"


def test_addition_without_base_year_value_is_no_data():
    result = assess(addition(), [obs(2022, 900, indicator=STOCK)], indicator=STOCK)
    assert result.status == "no-data" and "基准年" in result.explanation_zh


# --- count ----------------------------------------------------------------------------------

def test_count_defaults_to_zero_in_the_plan_issue_year():
    t = count_target(target_year=2025, target_value=10, baseline_year=None, baseline_value=None)
    result = assess(t, [obs(2024, 3, indicator=STOCK)], indicator=STOCK, plan_issue_year=2023)
    assert result.baseline == (2023, 0.0)
    assert (result.status, result.ratio) == ("needs-acceleration", 0.6)  # 3 ÷ (10 × 1/2)
    assert "从 0 起算" in result.explanation_zh


def test_count_without_any_base_year_starts_from_earliest_value():
    t = count_target(target_year=2025, target_value=10, baseline_year=None, baseline_value=None)
    result = assess(t, [obs(2021, 2, indicator=STOCK), obs(2023, 6, indicator=STOCK)], indicator=STOCK)
    assert result.baseline == (2021, 2) and result.ratio == 1.0


# --- revisions, single values, aspirational --------------------------------------------------

def test_revised_value_preferred_over_preliminary_for_same_year():
    observations = [obs(2020, 8.0), obs(2023, 8.7, "preliminary"), obs(2023, 8.3, "revised", source="s-2")]
    result = assess(target(), observations)
    assert result.latest.status == "revised" and result.latest.value == 8.3
    assert result.status != "achieved"
    assert [o.status for o in preferred_observations(observations)] == ["final", "revised"]


def test_preliminary_latest_value_is_said():
    result = assess(target(), [obs(2020, 8.0), obs(2023, 8.2, "preliminary")])
    assert "初步数" in result.explanation_zh and "preliminary" in result.explanation_en


def test_single_value_without_base_is_not_assessable():
    result = assess(target(), [obs(2023, 8.2)])
    assert result.status == "not-assessable" and result.ratio is None
    assert "只有一个公开数值" in result.explanation_zh


def test_single_value_meeting_target_is_achieved():
    assert assess(target(), [obs(2023, 8.9)]).status == "achieved"


def test_single_value_with_plan_base_gets_a_ratio():
    result = assess(target(baseline_year=2020, baseline_value=8.0), [obs(2023, 8.2)])
    assert result.ratio is not None and result.status in ("needs-acceleration", "off-track")


def test_aspirational_changes_words_not_status():
    observations = [obs(2020, 8.0), obs(2023, 8.4)]
    plain = assess(target(), observations)
    strive = assess(target(aspirational=True), observations)
    assert (plain.status, plain.ratio) == (strive.status, strive.ratio)
    assert "力争" in strive.explanation_zh and "力争" not in plain.explanation_zh


# --- path and explanation ---------------------------------------------------------------------

def test_required_path_runs_yearly_from_base_to_target():
    result = assess(target(baseline_year=2020, baseline_value=8.0), [obs(2023, 8.2)])
    years = [year for year, _ in result.required_path]
    assert years == list(range(2020, 2026))
    assert result.required_path[0] == (2020, 8.0) and result.required_path[-1] == (2025, 8.6)
    values = [value for _, value in result.required_path]
    assert values == sorted(values)


def test_value_on_the_drawn_path_has_ratio_one():
    t = target(baseline_year=2020, baseline_value=8.0)
    path = dict(assess(t, []).required_path)
    assert assess(t, [obs(2023, path[2023])]).ratio == 1.0


def test_explanation_has_numbers_without_float_noise():
    result = assess(target(), [obs(2020, 8.0), obs(2023, 8.2)])
    assert "2023 年公开数值为 8.2%" in result.explanation_zh
    assert "还差 0.4 个百分点" in result.explanation_zh  # 8.6 − 8.2 is 0.3999999999999995 in binary
    assert "进度比为" in result.explanation_zh and f"{result.ratio:g}" in result.explanation_zh
    assert "0.4 percentage points" in result.explanation_en


@pytest.mark.parametrize(("number", "text"), [(1000.0, "1000"), (85.50000000000001, "85.5"), (-0.00001, "0"), (8.62, "8.62")])
def test_format_number(number, text):
    assert format_number(number) == text


def test_target_must_belong_to_indicator():
    with pytest.raises(ValueError):
        assess_target(target(), STOCK, [], 2024)


# --- as_of_year and assess_all ----------------------------------------------------------------

def data_root(*, sources=(), issue_date=None, targets=(), indicators=(SHARE,), observations=()) -> DataRoot:
    plan = Plan("songyuan-plan", "p", "合成规划", "Synthetic plan", "松原市", "Songyuan", "city", "合成",
                issue_date=issue_date)
    package = PlanPackage("songyuan-plan", {}, plan, indicators=tuple(indicators), targets=tuple(targets))
    return DataRoot((package,), observations=tuple(observations), sources=tuple(sources))


def source(accessed: date) -> Source:
    return Source("s-1", "合成来源", "合成", date(2024, 1, 1), "https://example.org/", accessed)


def test_as_of_year_prefers_source_date_epoch():
    data = data_root(sources=[source(date(2024, 6, 1))])
    assert as_of_year(data, "1767225600") == 2026  # 2026-01-01T00:00:00Z
    assert as_of_year(data, "1767225599") == 2025  # one second earlier, still 2025 in UTC


@pytest.mark.parametrize("bad", [None, "", "soon", "-5"])
def test_as_of_year_falls_back_to_latest_accessed(bad):
    data = data_root(sources=[source(date(2024, 6, 1)), replace(source(date(2025, 2, 1)), source_id="s-2")])
    assert as_of_year(data, bad) == 2025


def test_as_of_year_then_plan_issue_year_then_data_years():
    assert as_of_year(data_root(issue_date=date(2023, 12, 26)), None) == 2023
    assert as_of_year(data_root(observations=[obs(2022, 1.0)]), None) == 2022


def test_assess_all_keys_by_target_and_passes_plan_year():
    count = count_target(target_id="c-1", target_year=2025, target_value=10, baseline_year=None, baseline_value=None)
    orphan = target(target_id="o-1", indicator_id="missing")
    data = data_root(issue_date=date(2023, 12, 26), targets=[target(), count, orphan], indicators=[SHARE, STOCK],
                     observations=[obs(2020, 8.0), obs(2023, 8.2), obs(2024, 5, indicator=STOCK)])
    results = assess_all(data, 2024)
    assert set(results) == {"t-1", "c-1", "o-1"}
    assert results["c-1"].baseline == (2023, 0.0)
    assert results["o-1"].status == "not-assessable"
    assert all(r.status in STATUSES for r in results.values())
