"""Progress: status and reason code, kind by kind and boundary by boundary (``builder.progress``),
and the sentence each is worded with (``builder.text.zh.explain``). All values here are SYNTHETIC."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from builder import clock
from builder.load import load_data_root
from builder.model import DataRoot, Indicator, Observation, Package, Plan, PlanPackage, Source, ValuesPackage
from builder.model import Target as TargetRecord
from builder.progress import (ACCELERATE_RATIO, JUDGED, ON_TRACK_RATIO, REASONS, STATUSES, assess_all, assess_target,
                              classify_ratio, default_comparator, required_path, round_half_up, tolerance_of)
from builder.text import zh

PLAN = "synthetic-city"
SHARE = Indicator("share", "合成占比", "Synthetic share", "%", "%", "higher", "合成指标（测试用）", plan_id=PLAN)
STOCK = Indicator("stock", "合成装机", "Synthetic capacity", "万千瓦", "10 MW", "higher", "合成指标", plan_id=PLAN)
INDEX = Indicator("index", "合成能耗指数", "Synthetic intensity", "无", "index", "lower", "合成指标", plan_id=PLAN)
LOWER = Indicator("lower", "合成比重", "Synthetic coal share", "%", "%", "lower", "合成指标", plan_id=PLAN)


def target(indicator: Indicator = SHARE, **fields) -> TargetRecord:
    values = dict(target_id="t-1", indicator_id=indicator.indicator_id, kind="level", aspirational=False,
                  quote_zh="合成原文", clause="二", target_year=2025, target_value=8.6, comparator=">=", plan_id=PLAN)
    values.update(fields)
    return TargetRecord(**values)


def obs(year: int, value: float, status: str = "final", indicator: Indicator = SHARE, source: str = "s-1") -> Observation:
    return Observation(PLAN, indicator.indicator_id, year, value, status, source, row=2)


def assess(t: TargetRecord, observations, as_of: int = 2024, indicator: Indicator = SHARE, **kw):
    return assess_target(t, indicator, observations, as_of, **kw)


def explain(result, t: TargetRecord, indicator: Indicator = SHARE, authority: str = "省") -> str:
    return zh.explain(result, t, indicator, authority)


def count_target(**fields) -> TargetRecord:
    """Count of 100 by 2030 from 0 in 2020: 10 a year is exactly on the required path."""
    values = dict(kind="count", target_year=2030, target_value=100, baseline_year=2020, baseline_value=0)
    values.update(fields)
    return target(STOCK, **values)


# --- the ladder and its codes --------------------------------------------------------------

def test_the_status_ladder():
    assert STATUSES == ("achieved", "on-track", "needs-acceleration", "off-track", "missed", "not-judgeable",
                        "no-data", "not-quantified")
    assert JUDGED == STATUSES[:5]


@pytest.mark.parametrize("ratio, status", [(2.0, "on-track"), (0.95, "on-track"), (0.94, "needs-acceleration"),
                                           (0.6, "needs-acceleration"), (0.59, "off-track"), (-1.0, "off-track")])
def test_classify_ratio(ratio, status):
    assert classify_ratio(ratio) == status


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
    t = count_target()
    result = assess(t, [obs(2024, latest, indicator=STOCK)], indicator=STOCK)
    assert (result.status, result.reason, result.ratio) == (status, "ratio", ratio)
    assert zh.STATUS_LABEL[status] in explain(result, t, STOCK)


def test_ratio_zero_is_too_slow_and_negative_is_moving_away():
    t = count_target(baseline_value=20)
    still = assess(t, [obs(2020, 20, indicator=STOCK), obs(2024, 20, indicator=STOCK)], indicator=STOCK)
    back = assess(t, [obs(2020, 20, indicator=STOCK), obs(2024, 15, indicator=STOCK)], indicator=STOCK)
    assert still.status == back.status == "off-track"
    assert "变化太慢" in explain(still, t, STOCK) and "远离" not in explain(still, t, STOCK)
    assert back.ratio < 0 and "远离目标" in explain(back, t, STOCK)


def test_level_uses_compound_growth_when_values_are_positive():
    # 10% a year is required (100 → 146.41 in four years); 10% a year was achieved by 2022.
    t = target(STOCK, target_year=2024, target_value=146.41, baseline_year=2020, baseline_value=100)
    on_path = assess(t, [obs(2022, 121, indicator=STOCK)], as_of=2023, indicator=STOCK)
    half_rate = assess(t, [obs(2022, 110.25, indicator=STOCK)], as_of=2023, indicator=STOCK)
    assert (on_path.status, on_path.ratio, on_path.compound) == ("on-track", 1.0, True)  # linear would give 0.91
    assert (half_rate.status, half_rate.ratio) == ("off-track", 0.5)
    assert "复合" in explain(on_path, t, STOCK)


def test_level_falls_back_to_change_per_year_when_base_is_zero():
    t = target(STOCK, target_value=50, baseline_year=2020, baseline_value=0)
    result = assess(t, [obs(2022, 20, indicator=STOCK)], indicator=STOCK)
    assert (result.ratio, result.compound) == (1.0, False)  # 10 a year, 10 a year required
    assert "年均变化量" in explain(result, t, STOCK)


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
    assert (result.reason == "met") is achieved


def test_without_a_comparator_the_direction_decides():
    assert default_comparator(target(LOWER, comparator=None), LOWER) == "<="
    assert default_comparator(target(SHARE, comparator=None), SHARE) == ">="
    assert default_comparator(target(INDEX, kind="reduction", comparator=None), INDEX) == ">="


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
    assert (result.tolerance, result.tolerance_stated) == ((3.0, False) if tolerance is None else (1.0, True))
    assert "左右" in explain(result, t)


def test_tolerance_of_each_comparator():
    assert tolerance_of(target(comparator="≈", target_value=60)) == pytest.approx(3.0)
    assert tolerance_of(target(comparator="≈", target_value=60, tolerance=-2)) == 2
    assert tolerance_of(target(comparator="=", target_value=60)) == 0.0


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
    assert (result.status, result.reason) == ("off-track", "moved-away-from-met-base")
    assert result.ratio is None and result.required_path == ()
    assert "已达到" in explain(result, t, LOWER)


def test_no_change_required_but_not_met_is_off_track_without_a_ratio():
    t = target(comparator=">", target_value=8.6)  # the base is exactly the target: ">" needs it exceeded
    result = assess(t, [obs(2020, 8.6), obs(2023, 8.5)])
    assert (result.status, result.reason, result.ratio) == ("off-track", "no-movement", None)
    assert "没有朝目标移动" in explain(result, t)


# --- target year passed ---------------------------------------------------------------------

def test_missed_when_target_year_value_fails():
    t = target()
    result = assess(t, [obs(2020, 8.0), obs(2025, 8.2)], as_of=2026)
    assert (result.status, result.reason) == ("missed", "missed-in-target-year")
    assert result.judged.year == 2025
    assert "2025 年公开数值为 8.2%" in explain(result, t)


def test_achieved_when_target_year_value_meets():
    result = assess(target(), [obs(2020, 8.0), obs(2025, 8.6)], as_of=2026)
    assert (result.status, result.reason) == ("achieved", "met-in-target-year")


def test_target_year_value_decides_even_if_a_later_value_meets():
    result = assess(target(), [obs(2020, 8.0), obs(2025, 8.2), obs(2026, 8.7)], as_of=2027)
    assert result.status == "missed" and result.judged.year == 2025 and result.latest.year == 2026


def test_target_year_passed_without_its_value_is_judged_by_trend():
    t = target()
    result = assess(t, [obs(2020, 8.0), obs(2024, 8.5)], as_of=2027)
    assert result.status in ("on-track", "needs-acceleration", "off-track")
    assert result.ratio is not None and result.passed_without_value
    assert "2025 年的数值尚未公布" in explain(result, t)


def test_not_missed_before_the_target_year_is_over():
    result = assess(target(), [obs(2020, 8.0), obs(2025, 8.2)], as_of=2025)
    assert result.status != "missed" and result.ratio is not None and not result.passed_without_value


# --- no number, no data ---------------------------------------------------------------------

def test_no_observation_is_no_data_but_keeps_target_level():
    t = target()
    result = assess(t, [])
    assert (result.status, result.reason, result.latest) == ("no-data", "no-values", None)
    assert "没有公开数值" in explain(result, t) and "8.6%" in explain(result, t)
    assert result.target_level == 8.6 and result.required_path == ()


def test_no_observation_with_plan_base_still_has_path():
    result = assess(target(baseline_year=2020, baseline_value=8.0), [])
    assert result.status == "no-data"
    assert result.required_path[0] == (2020, 8.0) and result.required_path[-1] == (2025, 8.6)


def test_deferred_target_is_not_quantified_and_names_who_sets_the_figure():
    t = target(kind="deferred", target_value=None, comparator=None)
    result = assess(t, [obs(2020, 8.0), obs(2023, 8.2)])
    assert (result.status, result.reason) == ("not-quantified", "deferred")
    assert result.latest.year == 2023  # the latest value is still shown
    assert "完成省下达的目标" in explain(result, t, authority="省")
    assert "完成国家下达的目标" in explain(result, t, authority="国家")


def test_qualitative_target_is_not_quantified():
    t = target(kind="qualitative", target_value=None, comparator=None, target_year=None)
    result = assess(t, [obs(2023, 1)])
    assert (result.status, result.reason) == ("not-quantified", "qualitative")
    assert "定性" in explain(result, t)


def test_a_numeric_kind_without_a_value_is_not_quantified():
    result = assess(target(target_value=None), [obs(2023, 1)])
    assert (result.status, result.reason) == ("not-quantified", "qualitative")


# --- reduction ------------------------------------------------------------------------------

def reduction(**fields) -> TargetRecord:
    values = dict(kind="reduction", target_value=14.5, baseline_year=2020, baseline_value=None)
    values.update(fields)
    return target(INDEX, **values)


def test_reduction_with_base_from_published_value():
    t = reduction()
    result = assess(t, [obs(2020, 0.8, indicator=INDEX), obs(2023, 0.76, indicator=INDEX)], indicator=INDEX)
    assert result.target_level == pytest.approx(0.8 * (1 - 0.145))
    assert (result.baseline, result.base_source, result.compare_quantity) == ((2020, 0.8), "published", "reduction")
    assert result.status in ("needs-acceleration", "off-track", "on-track")
    assert "下降 5%" in explain(result, t, INDEX)  # (0.8 − 0.76) / 0.8


def test_reduction_with_base_from_the_plan_and_one_value():
    result = assess(reduction(baseline_value=100), [obs(2023, 92, indicator=INDEX)], indicator=INDEX)
    assert result.target_level == 85.5 and result.ratio is not None and result.base_source == "plan"


def test_reduction_achieved_when_cut_is_deep_enough():
    result = assess(reduction(baseline_value=100), [obs(2024, 85, indicator=INDEX)], indicator=INDEX)
    assert result.status == "achieved"


def test_reduction_without_base_value_is_not_judgeable():
    t = reduction()
    result = assess(t, [obs(2022, 0.77, indicator=INDEX), obs(2023, 0.76, indicator=INDEX)], indicator=INDEX)
    assert (result.status, result.reason, result.base_source) == ("not-judgeable", "base-year-value-missing", "missing")
    assert result.target_level is None
    assert "基准年 2020 年的数值没有公开" in explain(result, t, INDEX)
    assert zh.reason_short(result) == "基准年数值未公开"


def test_reduction_without_a_base_year_is_not_judgeable():
    result = assess(reduction(baseline_year=None), [obs(2023, 0.76, indicator=INDEX)], indicator=INDEX)
    assert (result.status, result.reason) == ("not-judgeable", "no-base-year")


def test_reduction_from_a_base_of_zero_is_not_judgeable():
    result = assess(reduction(baseline_value=0), [obs(2023, 0.76, indicator=INDEX)], indicator=INDEX)
    assert (result.status, result.reason) == ("not-judgeable", "base-not-positive")


def test_approx_reduction_tolerance_is_in_percentage_points():
    t = reduction(target_value=5, comparator="≈", baseline_value=100)  # 下降 5% 左右: ±0.25 points
    assert assess(t, [obs(2023, 95.25, indicator=INDEX)], indicator=INDEX).status == "achieved"
    assert assess(t, [obs(2023, 95.3, indicator=INDEX)], indicator=INDEX).status != "achieved"


# --- addition -------------------------------------------------------------------------------

def addition(**fields) -> TargetRecord:
    values = dict(kind="addition", target_value=1000, baseline_year=2020, comparator=">=")
    values.update(fields)
    return target(STOCK, **values)


def test_addition_ratio_is_added_over_required_share_of_period():
    t = addition()
    result = assess(t, [obs(2020, 500, indicator=STOCK), obs(2022, 800, indicator=STOCK)], indicator=STOCK)
    assert result.ratio == 0.75  # 300 ÷ (1000 × 2/5)
    assert result.status == "needs-acceleration" and result.target_level == 1500
    assert result.compare_quantity == "addition" and result.compound is False
    assert "新增 300 万千瓦" in explain(result, t, STOCK)


def test_addition_achieved_when_added_amount_reached():
    result = assess(addition(), [obs(2020, 500, indicator=STOCK), obs(2023, 1500, indicator=STOCK)], indicator=STOCK)
    assert result.status == "achieved"


def test_addition_without_base_year_value_is_not_judgeable():
    t = addition()
    result = assess(t, [obs(2022, 900, indicator=STOCK)], indicator=STOCK)
    assert (result.status, result.reason) == ("not-judgeable", "base-year-value-missing")
    assert "新增量" in explain(result, t, STOCK)


# --- count ----------------------------------------------------------------------------------

def test_count_defaults_to_zero_in_the_plan_issue_year():
    t = count_target(target_year=2025, target_value=10, baseline_year=None, baseline_value=None)
    result = assess(t, [obs(2024, 3, indicator=STOCK)], indicator=STOCK, plan_issue_year=2023)
    assert (result.baseline, result.base_source) == ((2023, 0.0), "assumed-zero")
    assert (result.status, result.ratio) == ("needs-acceleration", 0.6)  # 3 ÷ (10 × 1/2)
    assert "从 0 起算" in explain(result, t, STOCK)


def test_count_without_any_base_year_starts_from_earliest_value():
    t = count_target(target_year=2025, target_value=10, baseline_year=None, baseline_value=None)
    result = assess(t, [obs(2021, 2, indicator=STOCK), obs(2023, 6, indicator=STOCK)], indicator=STOCK)
    assert (result.baseline, result.base_source, result.ratio) == ((2021, 2), "earliest", 1.0)
    assert "以最早的公开数值（2021 年）为基准" in explain(result, t, STOCK)


# --- revisions, single values, years, aspirational --------------------------------------------

def test_revised_value_preferred_over_preliminary_for_same_year():
    observations = [obs(2020, 8.0), obs(2023, 8.7, "preliminary"), obs(2023, 8.3, "revised", source="s-2")]
    result = assess(target(), observations)
    assert result.latest.status == "revised" and result.latest.value == 8.3
    assert result.status != "achieved"


def test_preliminary_latest_value_is_said():
    t = target()
    result = assess(t, [obs(2020, 8.0), obs(2023, 8.2, "preliminary")])
    assert "初步数" in explain(result, t)


def test_single_value_without_base_is_not_judgeable():
    t = target()
    result = assess(t, [obs(2023, 8.2)])
    assert (result.status, result.reason, result.ratio) == ("not-judgeable", "single-value", None)
    assert "只有一个公开数值" in explain(result, t)
    assert zh.reason_short(result) == "只有一个数值，看不出趋势"


def test_single_value_meeting_target_is_achieved():
    assert assess(target(), [obs(2023, 8.9)]).status == "achieved"


def test_single_value_with_plan_base_gets_a_ratio():
    result = assess(target(baseline_year=2020, baseline_value=8.0), [obs(2023, 8.2)])
    assert result.ratio is not None and result.status in ("needs-acceleration", "off-track")


def test_a_value_no_later_than_the_base_year_is_not_judgeable():
    result = assess(target(baseline_year=2020, baseline_value=8.0), [obs(2019, 8.1)])
    assert (result.status, result.reason) == ("not-judgeable", "no-value-after-base")


def test_without_a_target_year_an_unmet_target_is_not_judgeable():
    t = target(target_year=None)
    result = assess(t, [obs(2020, 8.0), obs(2023, 8.2)])
    assert (result.status, result.reason) == ("not-judgeable", "no-target-year")
    assert "没有给出目标年份" in explain(result, t)
    assert assess(t, [obs(2023, 8.7)]).status == "achieved"  # met is met, with or without a year


def test_a_target_year_before_the_base_is_not_judgeable():
    t = target(baseline_year=2026, baseline_value=7.0)
    result = assess(t, [obs(2027, 8.0)], as_of=2026)
    assert (result.status, result.reason) == ("not-judgeable", "target-year-not-after-base")


def test_aspirational_changes_words_not_status():
    observations = [obs(2020, 8.0), obs(2023, 8.4)]
    plain, strive = target(), target(aspirational=True)
    plain_result, strive_result = assess(plain, observations), assess(strive, observations)
    assert (plain_result.status, plain_result.ratio) == (strive_result.status, strive_result.ratio)
    assert "力争" in explain(strive_result, strive) and "力争" not in explain(plain_result, plain)


def test_every_status_and_reason_given_is_a_declared_one():
    cases = [
        (target(), [obs(2020, 8.0), obs(2023, 8.2)]), (target(), []), (target(), [obs(2023, 8.2)]),
        (target(kind="deferred", target_value=None), []), (reduction(), [obs(2022, 1.0, indicator=INDEX)]),
        (target(target_year=None), [obs(2020, 8.0), obs(2023, 8.2)]), (target(), [obs(2020, 8.0), obs(2025, 9)]),
    ]
    for t, observations in cases:
        indicator = INDEX if t.indicator_id == "index" else SHARE
        result = assess_target(t, indicator, observations, 2026)
        assert result.status in STATUSES and result.reason in REASONS
        assert result.key == (PLAN, "t-1") and result.target_id == "t-1"
        assert result.judged_status == (result.status in JUDGED)


# --- path and explanation ---------------------------------------------------------------------

def test_required_path_runs_yearly_from_base_to_target():
    result = assess(target(baseline_year=2020, baseline_value=8.0), [obs(2023, 8.2)])
    years = [year for year, _ in result.required_path]
    assert years == list(range(2020, 2026))
    assert result.required_path[0] == (2020, 8.0) and result.required_path[-1] == (2025, 8.6)
    values = [value for _, value in result.required_path]
    assert values == sorted(values)


def test_required_path_ends_exactly_on_the_target():
    path = required_path("level", (2020, 0.1), 2030, 0.3)
    assert path[-1] == (2030, 0.3) and len(path) == 11
    linear = required_path("addition", (2020, 100.0), 2025, 600.0)
    assert [v for _, v in linear] == [100.0, 200.0, 300.0, 400.0, 500.0, 600.0]


def test_value_on_the_drawn_path_has_ratio_one():
    t = target(baseline_year=2020, baseline_value=8.0)
    path = dict(assess(t, []).required_path)
    assert assess(t, [obs(2023, path[2023])]).ratio == 1.0


def test_explanation_has_numbers_without_float_noise():
    t = target()
    result = assess(t, [obs(2020, 8.0), obs(2023, 8.2)])
    text = explain(result, t)
    assert "2023 年公开数值为 8.2%" in text
    assert "还差 0.4 个百分点" in text  # 8.6 − 8.2 is 0.3999999999999995 in binary
    assert "进度比为" in text and zh.number(result.ratio) in text


@pytest.mark.parametrize("x, decimals, rounded", [(0.945, 2, 0.95), (0.944999, 2, 0.94), (-0.005, 2, -0.01),
                                                  (-0.004, 2, 0.0), (2.5, 0, 3.0)])
def test_ratios_are_rounded_half_up_never_to_negative_zero(x, decimals, rounded):
    value = round_half_up(x, decimals)
    assert value == rounded and str(value) != "-0.0"


def test_target_must_belong_to_indicator():
    with pytest.raises(ValueError):
        assess_target(target(), STOCK, [], 2024)


# --- the date progress is judged as of, and assess_all ------------------------------------------

def package(folder: str, kind: str = "plan") -> Package:
    return Package(folder, folder, kind, {}, f"datapackages/{folder}", {}, {})


def plan_package(plan_id: str = PLAN, *, issue_date=None, targets=(), indicators=(SHARE,)) -> PlanPackage:
    plan = Plan(plan_id, "合成规划", "Synthetic plan", "220700", "合成市", "Synthetic City", "city",
                issue_date=issue_date)
    return PlanPackage(package(plan_id), plan, indicators=tuple(replace(i, plan_id=plan_id) for i in indicators),
                       targets=tuple(replace(t, plan_id=plan_id) for t in targets))


def data_root(*plans: PlanPackage, sources=(), observations=()) -> DataRoot:
    values = ValuesPackage(package("published-values", "values"), tuple(observations), tuple(sources))
    return DataRoot(tuple(plans) or (plan_package(),), values)


def source(accessed: date, source_id: str = "s-1") -> Source:
    return Source(source_id, "合成来源", "合成", date(2024, 1, 1), "https://example.org/", accessed)


def test_as_of_prefers_source_date_epoch():
    data = data_root(sources=[source(date(2024, 6, 1))])
    assert clock.as_of(data, "1767225600") == date(2026, 1, 1)  # 2026-01-01T00:00:00Z
    assert clock.as_of(data, "1767225599") == date(2025, 12, 31)  # one second earlier, still 2025 in UTC
    assert clock.stamp(data, " 1767225600 ") == 1767225600


@pytest.mark.parametrize("unset", [None, ""])
def test_as_of_falls_back_to_latest_accessed(unset):
    data = data_root(sources=[source(date(2024, 6, 1)), source(date(2025, 2, 1), "s-2")])
    assert clock.as_of(data, unset) == date(2025, 2, 1)
    assert clock.stamp(data, unset) == clock.epoch_seconds(date(2025, 2, 1))


@pytest.mark.parametrize("bad", ["soon", "-5", "1.5", "99999999999999999999"])
def test_a_source_date_epoch_that_is_not_whole_seconds_is_refused(bad):
    with pytest.raises(clock.BadEpoch):
        clock.as_of(data_root(), bad)


def test_as_of_then_plan_issue_date_then_data_years_then_1980():
    assert clock.as_of(data_root(plan_package(issue_date=date(2023, 12, 26)))) == date(2023, 12, 26)
    assert clock.as_of(data_root(observations=[obs(2022, 1.0)])) == date(2022, 1, 1)
    assert clock.as_of(data_root()) == clock.FALLBACK == date(1980, 1, 1)


def test_assess_all_keys_by_plan_and_target_and_passes_plan_year():
    count = count_target(target_id="c-1", target_year=2025, target_value=10, baseline_year=None, baseline_value=None)
    orphan = target(target_id="o-1", indicator_id="missing")
    city = plan_package(issue_date=date(2023, 12, 26), targets=[target(), count, orphan], indicators=[SHARE, STOCK])
    data = data_root(city, observations=[obs(2020, 8.0), obs(2023, 8.2), obs(2024, 5, indicator=STOCK)])
    results = assess_all(data, 2024)
    assert set(results) == {(PLAN, "t-1"), (PLAN, "c-1"), (PLAN, "o-1")}
    assert results[(PLAN, "c-1")].baseline == (2023, 0.0)
    assert results[(PLAN, "o-1")].status == "not-judgeable"
    assert all(r.status in STATUSES for r in results.values())


def test_the_same_target_id_in_two_plans_is_judged_on_each_plans_own_values():
    first = plan_package("synthetic-a", targets=[target()])
    second = plan_package("synthetic-b", targets=[target()])
    values = [replace(obs(2020, 8.0), plan_id="synthetic-a"), replace(obs(2023, 8.7), plan_id="synthetic-a"),
              replace(obs(2020, 8.0), plan_id="synthetic-b"), replace(obs(2023, 8.1), plan_id="synthetic-b")]
    results = assess_all(data_root(first, second, observations=values), 2024)
    assert results[("synthetic-a", "t-1")].status == "achieved"
    assert results[("synthetic-b", "t-1")].status == "off-track"
    assert results[("synthetic-b", "t-1")].latest.value == 8.1


def test_the_synthetic_root_is_assessed_and_every_target_worded(synthetic_root):
    data, _ = load_data_root(synthetic_root)
    results = assess_all(data, clock.as_of(data).year)
    assert set(results) == {t.key for t in data.targets()}
    assert results[("synthetic-second-city", "forest-cover-2030")].status == "not-quantified"
    for plan in data.plans:
        for t in plan.targets:
            text = zh.explain(results[t.key], t, plan.indicator(t.indicator_id), "省")
            assert text.endswith("。") and "None" not in text, (t.key, text)
    assert ON_TRACK_RATIO > ACCELERATE_RATIO
