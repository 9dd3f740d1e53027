"""Every word a reader sees (``builder.text.zh``): statuses, numbers and units, targets in
words (with the authority a deferred target answers to), why a target is not judged, and
the published method. All values here are SYNTHETIC."""
from __future__ import annotations

import re

import pytest

from builder import progress
from builder.model import Indicator, Observation, Target
from builder.progress import REASONS, STATUSES, Assessment
from builder.text import zh

PLAN = "synthetic-city"
SHARE = Indicator("share", "合成占比", "Synthetic share", "%", "%", "higher", "合成指标", plan_id=PLAN)
STOCK = Indicator("stock", "合成装机", "Synthetic capacity", "万千瓦", "10 MW", "higher", "合成指标", plan_id=PLAN)
COUNT = Indicator("count", "合成个数", "Synthetic count", "无", "", "higher", "合成指标", plan_id=PLAN)
HAN = re.compile(r"[\u4e00-\u9fff]")


def target(indicator: Indicator = SHARE, **fields) -> Target:
    values = dict(target_id="t-1", indicator_id=indicator.indicator_id, kind="level", aspirational=False,
                  quote_zh="合成原文", clause="二", target_year=2025, target_value=8.6, comparator=">=", plan_id=PLAN)
    values.update(fields)
    return Target(**values)


DEFERRED = target(kind="deferred", target_value=None, comparator=None, target_year=2030)


# --- statuses -----------------------------------------------------------------------------------------
def test_every_status_has_a_word_and_a_meaning():
    assert set(zh.STATUS_LABEL) == set(STATUSES) == set(zh.STATUS_MEANING)
    assert [zh.status_label(s) for s in STATUSES] == [
        "已实现", "进展顺利", "需要加快", "偏离轨道", "未实现", "暂不能判断", "暂无公开数值", "无数值目标"]
    assert len(set(zh.STATUS_LABEL.values())) == len(STATUSES)
    assert all(HAN.search(meaning) and meaning.endswith("。") for meaning in zh.STATUS_MEANING.values())


def test_an_unknown_status_is_shown_as_its_code():
    assert zh.status_label("no-such-status") == "no-such-status"


@pytest.mark.parametrize("status, reason, short", [
    ("not-judgeable", "base-year-value-missing", "基准年数值未公开"),
    ("not-judgeable", "no-base-year", "规划未给出基准年"),
    ("not-judgeable", "single-value", "只有一个数值，看不出趋势"),
    ("not-judgeable", "no-target-year", "规划未给出目标年份"),
    ("not-quantified", "deferred", "规划未给出数值"),
    ("not-quantified", "qualitative", "定性目标"),
    ("no-data", "no-values", ""),
    ("achieved", "met", ""),
    ("off-track", "ratio", ""),
])
def test_reason_short_says_why_a_target_is_not_judged_and_nothing_otherwise(status, reason, short):
    assert zh.reason_short(Assessment((PLAN, "t-1"), status, reason)) == short


def test_every_reason_a_target_can_be_left_unjudged_for_has_short_words():
    unjudged = {"deferred", "qualitative", "base-year-value-missing", "no-base-year", "base-not-positive",
                "no-target-year", "single-value", "no-value-after-base", "target-year-not-after-base"}
    assert unjudged <= set(REASONS)
    assert unjudged <= set(zh.REASON_SHORT)


# --- numbers and units ------------------------------------------------------------------------------
@pytest.mark.parametrize("x, text", [(1000.0, "1000"), (85.50000000000001, "85.5"), (-0.00001, "0"), (8.62, "8.62"),
                                     (0.12345, "0.1235"), (None, "—"), (3, "3"), (-2.5, "-2.5")])
def test_number_has_no_float_noise(x, text):
    assert zh.number(x) == text


@pytest.mark.parametrize("value, unit, text", [
    (8.6, "%", "8.6%"), (600, "万吨", "600 万吨"), (3, "无", "3"), (3, "", "3"), (2.5, "‰", "2.5‰"),
    (20.0, "％", "20％"), (None, "%", "—"), (0.45, " 吨/万元 ", "0.45 吨/万元"),
])
def test_value_with_unit(value, unit, text):
    assert zh.value_with_unit(value, unit) == text


def test_a_gap_in_a_share_is_in_percentage_points():
    assert zh.gap(0.3999999999999995, SHARE) == "0.4 个百分点"
    assert zh.gap(-1.5, SHARE) == "1.5 个百分点"
    assert zh.gap(-120, STOCK) == "120 万千瓦"


def test_an_observation_in_words_says_its_year_and_whether_it_is_final():
    final = Observation(PLAN, "share", 2023, 16.2, "final", "s-1")
    assert zh.observation_text(final, SHARE) == "16.2%（2023年）"
    assert zh.observation_text(final.__class__(PLAN, "share", 2023, 16.2, "preliminary", "s-1"), SHARE) == \
        "16.2%（2023年，初步数）"
    assert zh.observation_text(final.__class__(PLAN, "share", 2023, 16.2, "revised", "s-1"), SHARE) == \
        "16.2%（2023年，修订数）"


# --- who a deferred target answers to ------------------------------------------------------------------
@pytest.mark.parametrize("level, parent_level, word", [
    ("city", "province", "省"),
    ("province", None, "国家"),  # a province without a parent plan in the data answers to the state
    ("province", "state", "国家"),
    ("city", None, "省"),  # a city without a parent plan in the data answers to its province
    ("county", "city", "市"),
    ("county", None, "市"),
    ("city", "state", "国家"),  # the parent plan in the data decides, whatever the level in between
    ("state", None, "上级"),
])
def test_authority_comes_from_the_parent_plan_else_the_level_above(level, parent_level, word):
    assert zh.authority(level, parent_level) == word


def test_a_citys_deferred_target_says_province_and_a_provinces_says_state():
    city = zh.describe_target(DEFERRED, SHARE, zh.authority("city", "province"))
    province = zh.describe_target(DEFERRED, SHARE, zh.authority("province", None))
    assert city == "完成省下达的目标（规划未给出具体数值）"
    assert province == "完成国家下达的目标（规划未给出具体数值）"
    assert zh.target_short(DEFERRED, SHARE, "省") == "完成省定目标"
    assert zh.target_short(DEFERRED, SHARE, "国家") == "完成国家定目标"


def test_a_deferred_target_without_an_authority_says_the_level_above():
    assert zh.describe_target(DEFERRED, SHARE) == "完成上级下达的目标（规划未给出具体数值）"


# --- targets in words ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fields, indicator, words", [
    ({}, SHARE, "到 2025 年不低于 8.6%"),
    ({"comparator": "<="}, SHARE, "到 2025 年不高于 8.6%"),
    ({"comparator": ">"}, SHARE, "到 2025 年高于 8.6%"),
    ({"comparator": "≈", "target_value": 25.0}, SHARE, "到 2025 年 25% 左右"),
    ({"aspirational": True}, SHARE, "力争到 2025 年不低于 8.6%"),
    ({"target_year": None}, SHARE, "不低于 8.6%"),
    ({"kind": "reduction", "target_value": 18.0, "baseline_year": 2020}, SHARE, "到 2025 年比 2020 年下降 18%"),
    ({"kind": "reduction", "target_value": 18.0, "baseline_year": 2020, "comparator": "≈"}, SHARE,
     "到 2025 年比 2020 年下降 18% 左右"),
    ({"kind": "addition", "target_value": 500.0, "baseline_year": 2020}, STOCK, "2020 年至 2025 年新增 500 万千瓦"),
    ({"kind": "count", "target_value": 30.0}, COUNT, "到 2025 年不低于 30"),
    ({"kind": "qualitative", "target_value": None, "comparator": None}, SHARE, "定性目标（规划未给出具体数值）"),
])
def test_describe_target(fields, indicator, words):
    assert zh.describe_target(target(indicator, **fields), indicator) == words


@pytest.mark.parametrize("fields, indicator, short", [
    ({}, SHARE, "≥ 8.6%"),
    ({"comparator": "≈", "target_value": 25.0, "tolerance": 1.0}, SHARE, "≈ 25%（±1%）"),
    ({"aspirational": True, "comparator": "≈", "target_value": 25.0}, SHARE, "力争 ≈ 25%"),
    ({"kind": "reduction", "target_value": 14.5, "baseline_year": 2020}, SHARE, "比2020年下降 14.5%"),
    ({"kind": "reduction", "target_value": 14.5, "baseline_year": 2020, "aspirational": True}, SHARE,
     "力争比2020年下降 14.5%"),
    ({"kind": "addition", "target_value": 500.0, "baseline_year": 2020}, STOCK, "比2020年新增 500 万千瓦"),
    ({"kind": "qualitative", "target_value": None}, SHARE, "定性目标（无数值）"),
])
def test_target_short(fields, indicator, short):
    assert zh.target_short(target(indicator, **fields), indicator) == short


# --- how a status was worked out ----------------------------------------------------------------------
def _assessment_for(reason: str) -> tuple[Assessment, Target, Indicator]:
    """A real assessment that ends in the given reason (built by progress, not by hand)."""
    o = lambda year, value, status="final": Observation(PLAN, "share", year, value, status, "s-1")  # noqa: E731
    cases = {
        "deferred": (DEFERRED, [o(2023, 8.0)], 2024),
        "qualitative": (target(kind="qualitative", target_value=None), [], 2024),
        "no-values": (target(), [], 2024),
        "base-year-value-missing": (target(kind="reduction", target_value=10, baseline_year=2020), [o(2023, 8.0)], 2024),
        "no-base-year": (target(kind="reduction", target_value=10), [o(2023, 8.0)], 2024),
        "base-not-positive": (target(kind="reduction", target_value=10, baseline_year=2020),
                              [o(2020, -1.0), o(2023, 8.0)], 2024),
        "no-target-year": (target(target_year=None), [o(2020, 8.0), o(2023, 8.2)], 2024),
        "single-value": (target(), [o(2023, 8.2)], 2024),
        "no-value-after-base": (target(baseline_year=2020, baseline_value=8.0), [o(2019, 8.1)], 2024),
        "target-year-not-after-base": (target(baseline_year=2026, baseline_value=7.0), [o(2027, 8.0)], 2026),
        "met": (target(), [o(2023, 8.7)], 2024),
        "met-in-target-year": (target(), [o(2020, 8.0), o(2025, 8.7)], 2026),
        "missed-in-target-year": (target(), [o(2020, 8.0), o(2025, 8.2)], 2026),
        "moved-away-from-met-base": (target(comparator="<=", target_value=5.0), [o(2020, 3.0), o(2023, 6.0)], 2024),
        "no-movement": (target(comparator=">"), [o(2020, 8.6), o(2023, 8.5)], 2024),
        "ratio": (target(), [o(2020, 8.0), o(2023, 8.2, "preliminary")], 2024),
    }
    t, observations, as_of = cases[reason]
    return progress.assess_target(t, SHARE, observations, as_of), t, SHARE


@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_is_explained_in_a_sentence_with_its_numbers(reason):
    assessment, t, indicator = _assessment_for(reason)
    assert assessment.reason == reason
    text = zh.explain(assessment, t, indicator, "省")
    assert HAN.search(text) and text.endswith("。")
    assert "None" not in text and "nan" not in text.lower()
    assert not re.search(r"\d\.\d{5,}", text)  # no float noise


def test_an_explanation_ends_with_its_notes():
    assessment, t, indicator = _assessment_for("ratio")
    strive = Target(**{**t.__dict__, "aspirational": True})
    text = zh.explain(assessment, strive, indicator)
    assert text.endswith("最新数值为初步数，可能修订；规划用语为“力争”，计算方法不变。")


def test_a_deferred_explanation_names_the_authority():
    assessment, t, indicator = _assessment_for("deferred")
    assert "完成国家下达的目标" in zh.explain(assessment, t, indicator, "国家")


# --- the published method -----------------------------------------------------------------------------
def test_methodology_rules_state_the_thresholds_the_code_uses():
    text = " ".join(rule for _, _, rule in zh.METHOD_RULES)
    assert f"{progress.ON_TRACK_RATIO:g}" in text and f"{progress.ACCELERATE_RATIO:g}" in text
    assert f"±{progress.APPROX_TOLERANCE * 100:g}%" in text
    kinds = [kind for kind, _, _ in zh.METHOD_RULES]
    assert len(kinds) == len(set(kinds))
    assert {"ratio", "thresholds", "level", "approx", "reduction", "addition", "count", "single", "no-number",
            "path"} <= set(kinds)
    assert all(HAN.search(title) and HAN.search(rule) for _, title, rule in zh.METHOD_RULES)
    for status in STATUSES:
        assert zh.STATUS_LABEL[status] in text or zh.STATUS_LABEL[status] in " ".join(zh.STATUS_MEANING.values())


def test_thresholds_table_shows_the_constants():
    values = dict(zh.thresholds())
    assert zh.number(progress.ON_TRACK_RATIO) in values.values()
    assert zh.number(progress.ACCELERATE_RATIO) in values.values()
    assert f"±{zh.number(progress.APPROX_TOLERANCE * 100)}%" in values.values()
    assert str(progress.RATIO_DECIMALS) in values.values()


def test_chart_series_words_are_separate_from_their_keys():
    assert zh.SERIES == {"observed": "公开数值", "base": "基准", "target": "目标", "path": "所需路径"}


@pytest.mark.parametrize("note", ["合成说明。", "合成说明", "合成说明；"])
def test_a_values_note_in_the_chart_table_joins_without_doubled_punctuation(note):
    obs = Observation(PLAN, "share", 2025, 28.5, "preliminary", "syn-source", note=note)
    assert zh.chart_observation_note(obs, as_base=True) == "初步数；合成说明；作为基准"
    assert zh.chart_observation_note(obs, as_base=False) == "初步数；合成说明"
    assert zh.chart_observation_note(Observation(PLAN, "share", 2025, 1.0, "final", "s"), as_base=False) == "最终数"
