"""Chart specs, summaries, tables and path sentences for one indicator. All values here are SYNTHETIC
(apart from the tests that chart every indicator of the real packages)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import vl_convert
from altair.vegalite.v6 import schema as vl_schema

from builder import charts, clock
from builder.charts import (FONT, KIND_ORDER, MAX_TICKS, VEGA_LITE_VERSION, altair_spec, chart_parts, chart_shape,
                            layout_of, spec_to_json, year_ticks)
from builder.load import load_data_root
from builder.model import Indicator, Observation, Target
from builder.progress import assess_all, assess_target
from builder.text import zh

REPO = Path(__file__).resolve().parents[2]
PLAN = "synthetic-city"
FOREST = Indicator("forest", "合成覆盖率", "Synthetic cover", "%", "%", "higher", "合成指标（测试用）", plan_id=PLAN)


def target(target_id: str, year: int | None, value: float | None, **fields) -> Target:
    values = dict(target_id=target_id, indicator_id="forest", kind="level", aspirational=False, quote_zh="合成原文",
                  clause="二", target_year=year, target_value=value, comparator=">=", baseline_year=2020,
                  baseline_value=7.9, plan_id=PLAN)
    values.update(fields)
    return Target(**values)


def obs(year: int, value: float, status: str = "final", note: str | None = None) -> Observation:
    return Observation(PLAN, "forest", year, value, status, "s-1", row=2, note=note)


TARGETS = [target("t-2035", 2035, 8.7), target("t-2025", 2025, 8.6)]
OBSERVATIONS = [obs(2023, 8.2, "preliminary"), obs(2020, 7.9), obs(2021, 8.0)]


def assessments(targets=TARGETS, observations=OBSERVATIONS, as_of=2024):
    return {t.target_id: assess_target(t, FOREST, observations, as_of) for t in targets}


def parts(targets=TARGETS, observations=OBSERVATIONS, as_of=2024):
    return chart_parts(FOREST, targets, observations, assessments(targets, observations, as_of))


def chart(targets=TARGETS, observations=OBSERVATIONS):
    return parts(targets, observations).spec


def rows_of(spec: dict, kind: str) -> list[dict]:
    return [row for row in spec["data"]["values"] if row["kind"] == kind]


def strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "$schema":
                yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def validates(spec: dict) -> None:
    jsonschema.validate(spec, vl_schema.load_schema())


def svg_of(spec: dict) -> str:
    return vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION, allowed_base_urls=[])


def shows(svg: str, label: str) -> bool:
    """Whether a drawn chart shows a label (each of its lines: a label may be two short lines)."""
    return all(line in svg for line in label.splitlines())


def x_encodings(spec: dict) -> list[dict]:
    return [layer["encoding"]["x"] for layer in spec["layer"] if "field" in layer.get("encoding", {}).get("x", {})]


# --- the spec -------------------------------------------------------------------------------------
def test_spec_is_valid_vega_lite():
    validates(chart())


def test_spec_draws_offline_with_its_labels():
    svg = svg_of(chart())
    assert shows(svg, zh.chart_target_label(2025, "8.6%")) and shows(svg, zh.chart_target_label(2035, "8.7%"))


def test_rows_carry_data_keys_and_the_words_readers_see_apart():
    spec = chart()
    assert {row["kind"] for row in spec["data"]["values"]} <= set(KIND_ORDER)
    for row in spec["data"]["values"]:
        assert row["series"] == zh.SERIES[row["kind"]]
    assert [(r["year"], r["value"]) for r in rows_of(spec, "observed")] == [(2020, 7.9), (2021, 8.0), (2023, 8.2)]
    assert [(r["year"], r["value"], r["label"]) for r in rows_of(spec, "target")] == [
        (2025, 8.6, zh.chart_target_label(2025, "8.6%")), (2035, 8.7, zh.chart_target_label(2035, "8.7%"))]
    assert {r["target_id"] for r in rows_of(spec, "path")} == {"t-2025", "t-2035"}
    assert [r["preliminary"] for r in rows_of(spec, "observed")] == [False, False, True]


def test_a_published_base_is_drawn_as_the_published_value_not_as_a_separate_base():
    spec = chart()  # the plan's base (2020, 7.9) is the published 2020 value
    assert rows_of(spec, "base") == []
    assert rows_of(spec, "observed")[0]["note"] == "最终数；作为基准"
    assert "2020 年基准" not in svg_of(spec)


def test_a_base_that_is_not_a_published_value_is_drawn_as_its_own_mark():
    values = [obs(2021, 8.0), obs(2023, 8.2)]
    spec = chart(observations=values)
    assert [(r["year"], r["value"], r["label"], r["note"]) for r in rows_of(spec, "base")] == [
        (2020, 7.9, zh.chart_base_label(2020, "7.9%"), "规划给出的基准值")]
    assert shows(svg_of(spec), zh.chart_base_label(2020, "7.9%"))
    other = [obs(2020, 7.8), obs(2023, 8.2)]  # published, but not the figure the plan gives
    assert [r["value"] for r in rows_of(chart(observations=other), "base")] == [7.9]


def test_spec_is_responsive_and_described():
    result = parts()
    spec = result.spec
    assert spec["width"] == "container" and spec["height"] == 260
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["description"] == result.summary_zh
    assert "Noto Sans CJK SC" in spec["config"]["font"] and spec["config"]["font"] == FONT


def test_x_axis_labels_are_explicit_integer_years_without_separators():
    spec = chart()
    encodings = x_encodings(spec)
    assert encodings
    for x in encodings:
        assert x["axis"]["format"] == "d"
        assert x["scale"]["domain"] == [2020, 2035]
        assert x["axis"]["values"] == list(year_ticks(2020, 2035))
        assert all(isinstance(year, int) for year in x["axis"]["values"])


def test_unit_is_in_the_y_axis_title():
    spec = chart()
    titles = {layer["encoding"]["y"]["title"] for layer in spec["layer"] if "y" in layer["encoding"]}
    assert titles == {"单位：%"}


def test_series_differ_by_more_than_colour():
    spec = chart(observations=[obs(2021, 8.0), obs(2023, 8.2)])  # all four series drawn
    shape = next(layer["encoding"]["shape"] for layer in spec["layer"] if "shape" in layer["encoding"])
    shapes = dict(zip(shape["scale"]["domain"], shape["scale"]["range"]))
    assert set(shapes) == {"公开数值", "基准", "目标", "所需路径"}
    assert len({shapes["公开数值"], shapes["基准"], shapes["目标"]}) == 3
    dash = next(layer["encoding"]["strokeDash"] for layer in spec["layer"] if "strokeDash" in layer["encoding"])
    dashes = dict(zip(dash["scale"]["domain"], dash["scale"]["range"]))
    assert dashes["所需路径"] != dashes["公开数值"]
    assert any(layer["mark"]["type"] == "text" for layer in spec["layer"])


def test_published_values_are_drawn_last():
    spec = chart()
    last = spec["layer"][-1]
    assert last["mark"]["type"] == "point" and "fill" in last["encoding"]
    assert any(f.get("filter") == "(datum.kind === 'observed')" for f in last.get("transform", []))


def test_line_does_not_bridge_a_year_without_value():
    segments = {r["year"]: r["segment"] for r in rows_of(chart(), "observed")}
    assert segments[2020] == segments[2021] != segments[2023]


def test_no_remote_address_in_spec():
    spec = chart()
    assert "url" not in json.dumps(spec) and "datasets" not in spec
    assert not [s for s in strings(spec) if "http:" in s or "https:" in s or "//" in s]
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v")


def test_same_inputs_give_identical_spec():
    first = chart()
    second = chart_parts(FOREST, list(reversed(TARGETS)), list(reversed(OBSERVATIONS)), assessments()).spec
    assert first == second
    assert spec_to_json(first) == spec_to_json(second)


def test_spec_is_identical_across_processes(tmp_path):
    script = (
        "import sys; sys.path.insert(0, %r)\n"
        "from tests.unit.test_charts import chart\n"
        "from builder.charts import spec_to_json\n"
        "print(spec_to_json(chart()))\n"
    ) % str(REPO)
    # Another interpreter with another string-hash seed: no name may depend on process state.
    env = dict(os.environ, PYTHONHASHSEED="12345")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          cwd=tmp_path, check=True)
    assert done.stdout.strip() == spec_to_json(chart())


def test_spec_json_cannot_close_the_script_element():
    hostile = [obs(2020, 7.9, note="</script><script>alert(1)</script>"), obs(2021, 8.0)]
    spec = chart(observations=hostile)
    text = spec_to_json(spec)
    assert "</script" not in text and "<" not in text and ">" not in text
    assert json.loads(text) == spec
    assert "</script><script>alert(1)</script>" in json.dumps(json.loads(text), ensure_ascii=False)


def test_vega_lite_version_matches_a_bundled_library():
    assert VEGA_LITE_VERSION in vl_convert.get_vegalite_versions()
    assert f"/vega-lite/v{VEGA_LITE_VERSION}." in chart()["$schema"]


# --- year ticks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("low, high", [(2020, 2021), (2020, 2025), (2020, 2027), (2015, 2035), (2005, 2060),
                                       (1990, 2100), (2019, 2031)])
def test_year_ticks_are_whole_years_in_range_and_never_crowd(low, high):
    ticks = year_ticks(low, high)
    assert 1 <= len(ticks) <= MAX_TICKS
    assert all(isinstance(t, int) and low <= t <= high for t in ticks)
    assert list(ticks) == sorted(set(ticks))
    steps = {b - a for a, b in zip(ticks, ticks[1:])}
    assert len(steps) <= 1  # evenly spaced


def test_every_year_is_labelled_when_there_is_room():
    assert year_ticks(2020, 2025) == (2020, 2021, 2022, 2023, 2024, 2025)


def test_one_year_gets_one_tick_and_a_range_around_it():
    spec = chart([target("t-2025", 2025, 8.6, baseline_year=None, baseline_value=None)], [])
    for x in x_encodings(spec):
        assert x["scale"]["domain"] == [2024, 2026] and x["axis"]["values"] == [2025]


# --- summary, table and path sentence ----------------------------------------------------------------
def test_summary_names_latest_value_target_and_status():
    status = zh.status_label(assessments()["t-2025"].status)
    assert parts().summary_zh == f"最新公开数值为 2023 年的 8.2%（初步数），低于 2025 年目标 8.6%（进展状态：{status}）。"


def test_summary_without_value_lists_targets():
    assert parts(observations=[]).summary_zh == "暂无公开数值；规划目标为到 2025 年不低于 8.6%、到 2035 年不低于 8.7%。"


def test_summary_compares_with_the_next_target_due():
    later = [obs(2020, 7.9), obs(2026, 8.65)]
    assert "低于 2035 年目标 8.7%" in parts(observations=later, as_of=2027).summary_zh


def test_table_lists_what_was_published_and_what_the_plan_says_sorted_by_year_then_kind():
    rows = parts().table
    assert all(set(row) == {"year", "kind", "value", "number", "note"} for row in rows)
    order = [zh.SERIES[k] for k in KIND_ORDER]
    assert rows == sorted(rows, key=lambda r: (r["year"], order.index(r["kind"])))
    published = [r for r in rows if r["kind"] == "公开数值"]
    assert [(r["year"], r["value"], r["note"]) for r in published] == [
        (2020, "7.9%", "最终数；作为基准"), (2021, "8%", "最终数"), (2023, "8.2%", "初步数")]
    assert {"year": 2025, "kind": "目标", "value": "8.6%", "number": 8.6, "note": "到 2025 年不低于 8.6%"} in rows


def test_the_table_lists_no_computed_path_the_path_is_a_sentence():
    result = parts()
    assert "所需路径" not in {r["kind"] for r in result.table}
    assert rows_of(result.spec, "path")  # the path is drawn
    assert result.path_zh.count("图中虚线是实现") == 2
    assert "从 2020 年的 7.9%" in result.path_zh and "到 2025 年的 8.6%" in result.path_zh
    assert "每年增长约" in result.path_zh and "计算值" in result.path_zh


def test_no_path_no_path_sentence():
    met = [target("t-2025", 2025, 7.0)]  # the base already meets it: no path is drawn
    result = parts(met, OBSERVATIONS)
    assert rows_of(result.spec, "path") == [] and result.path_zh == ""


def test_a_linear_path_is_worded_as_a_yearly_step():
    stock = Indicator("stock", "合成装机", "Synthetic capacity", "万千瓦", "10 MW", "higher", "合成指标", plan_id=PLAN)
    added = Target("add", "stock", "addition", False, "合成原文", "二", target_year=2025, target_value=500,
                   comparator=">=", baseline_year=2020, baseline_value=300, plan_id=PLAN)
    values = [Observation(PLAN, "stock", 2020, 300, "final", "s-1"), Observation(PLAN, "stock", 2022, 450, "final", "s-1")]
    judged = {"add": assess_target(added, stock, values, 2024)}
    result = chart_parts(stock, [added], values, judged)
    assert "每年增加约 100 万千瓦" in result.path_zh


# --- no chart, and charts without a level ------------------------------------------------------------
def test_chart_without_published_value_still_marks_targets():
    spec = chart(observations=[])
    validates(spec)
    assert rows_of(spec, "observed") == []
    assert [r["year"] for r in rows_of(spec, "target")] == [2025, 2035]
    assert "暂无公开数值" in spec["description"]


def test_no_chart_for_targets_without_numbers_and_no_values():
    deferred = target("t-d", 2025, None, kind="deferred", comparator=None, baseline_year=None, baseline_value=None)
    result = parts([deferred], [])
    assert result.spec is None and result.table == [] and result.path_zh == ""
    assert result.summary_zh == "暂无公开数值；规划没有给出具体数值目标。"
    assert layout_of(FOREST, [deferred], [], assessments([deferred], [])).mode == "none"


def test_reduction_without_base_is_charted_as_change_since_the_base_year():
    cut = target("cut-2025", 2025, 20, kind="reduction", baseline_value=None)
    result = parts([cut], [])
    spec = result.spec
    validates(spec)
    assert {layer["encoding"]["y"]["title"] for layer in spec["layer"] if "y" in layer["encoding"]} == {"比 2020 年下降（%）"}
    assert [(r["year"], r["value"]) for r in rows_of(spec, "target")] == [(2025, 20)]
    assert [(r["year"], r["value"]) for r in rows_of(spec, "base")] == [(2020, 0)]
    assert "下降 20%" in svg_of(spec)
    assert "下降 20%" in " ".join(r["value"] for r in result.table)


def test_addition_without_base_stock_is_charted_as_cumulative_addition():
    added = target("added-2025", 2025, 500, kind="addition", baseline_value=None, aspirational=True)
    result = parts([added], [])
    spec = result.spec
    validates(spec)
    assert spec["layer"][0]["encoding"]["y"]["title"].startswith("2020 年以来累计新增")
    assert [r["value"] for r in rows_of(spec, "target")] == [500]
    assert "新增" in svg_of(spec)
    assert "新增" in result.summary_zh


def test_count_without_year_is_a_labelled_rule():
    count = target("count", None, 5, kind="count", baseline_year=None, baseline_value=None)
    result = parts([count], [])
    spec = result.spec
    validates(spec)
    assert [r["year"] for r in rows_of(spec, "target")] == [None]
    assert rows_of(spec, "base") == [] and rows_of(spec, "path") == []
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "text"]
    assert x_encodings(spec) == []  # no invented year
    assert [r["label"] for r in rows_of(spec, "target")] == [zh.chart_undated_label(count, FOREST)]
    assert shows(svg_of(spec), zh.chart_undated_label(count, FOREST))
    assert "不低于 5%" in zh.chart_undated_label(count, FOREST) and "规划未给出年份" in zh.chart_undated_label(count, FOREST)
    assert result.summary_zh == "暂无公开数值；规划目标为不低于 5%（规划未给出年份）。"
    assert result.table == [{"year": "未给出", "kind": "目标", "value": "5%", "number": 5, "note": "不低于 5%（规划未给出年份）"}]


def test_count_without_year_is_a_rule_over_the_published_values():
    count = target("count", None, 9, kind="count", baseline_year=None, baseline_value=None)
    values = [obs(2022, 7.0), obs(2023, 8.0)]
    result = parts([count], values)
    validates(result.spec)
    assert [r["year"] for r in rows_of(result.spec, "observed")] == [2022, 2023]
    assert "rule" in [layer["mark"]["type"] for layer in result.spec["layer"]]
    assert result.summary_zh.startswith("最新公开数值为 2023 年的 8%，低于目标 9%（规划未给出年份；进展状态：")
    assert shows(svg_of(result.spec), zh.chart_undated_label(count, FOREST))


def test_reduction_path_without_base_follows_the_same_compound_rule_as_levels():
    cut = target("cut-2025", 2025, 20, kind="reduction", baseline_value=None)
    result = parts([cut], [])
    path = {r["year"]: r["value"] for r in rows_of(result.spec, "path")}
    assert path[2020] == 0 and path[2025] == 20
    # 20% below in five years at a constant rate: 1 − 0.8^(k/5) each year, whatever the unpublished base was.
    assert path[2022] == round(100 * (1 - 0.8 ** (2 / 5)), 1) == 8.5  # one decimal finer than “20%”
    assert result.summary_zh == "暂无公开数值；规划目标为到 2025 年比 2020 年下降 20%，图中以 2020 年为起点画出下降幅度。"
    assert {"year": 2020, "kind": "基准", "value": "0", "number": 0.0,
            "note": "规划起点：下降幅度从 2020 年算起；2020 年的数值没有公开"} in result.table
    assert {"year": 2025, "kind": "目标", "value": "下降 20%", "number": 20, "note": "到 2025 年比 2020 年下降 20%"} \
        in result.table
    assert "以 2020 年为起点，到 2025 年下降 20%" in result.path_zh and "每年比上一年下降约" in result.path_zh


def test_reduction_with_values_but_no_base_year_value_says_the_values_cannot_be_drawn():
    cut = target("cut-2025", 2025, 20, kind="reduction", baseline_value=None)
    later = [obs(2022, 8.1), obs(2023, 8.0)]
    result = parts([cut], later)
    validates(result.spec)
    assert rows_of(result.spec, "observed") == [] and [r["value"] for r in rows_of(result.spec, "target")] == [20]
    assert result.summary_zh.startswith("最新公开数值为 2023 年的 8%，但 2020 年的数值没有公开，无法换算为比 2020 年的下降幅度")
    assert "下降 20%" in result.summary_zh and result.spec["description"] == result.summary_zh
    assert "公开数值" not in {r["kind"] for r in result.table}
    assert "下降 20%" in svg_of(result.spec)


def test_addition_without_base_stock_reads_in_the_plans_own_terms():
    added = target("added-2025", 2025, 500, kind="addition", baseline_value=None, aspirational=True)
    result = parts([added], [])
    label = zh.chart_change_target_label(added, FOREST)
    assert [r["label"] for r in rows_of(result.spec, "target")] == [label]
    assert "2025 年目标" in label and "力争新增 500%" in label
    assert [(r["year"], r["value"]) for r in rows_of(result.spec, "base")] == [(2020, 0)]
    path = {r["year"]: r["value"] for r in rows_of(result.spec, "path")}
    assert path == {2020: 0, 2021: 100, 2022: 200, 2023: 300, 2024: 400, 2025: 500}  # equal steps
    svg = svg_of(result.spec)
    assert shows(svg, label) and "2020 年以来累计新增" in svg
    assert result.summary_zh.startswith("暂无公开数值；规划目标为力争") and "新增 500%" in result.summary_zh
    assert result.summary_zh.endswith("图中以 2020 年为起点画出新增量。")


def test_a_target_the_chart_cannot_place_is_named_as_such():
    level = target("t-2025", 2025, 8.6)
    cut = target("cut-2030", 2030, 20, kind="reduction", baseline_year=2019, baseline_value=None)
    result = parts([level, cut], [])
    assert [r["value"] for r in rows_of(result.spec, "target")] == [8.6]
    assert result.summary_zh == (
        "暂无公开数值；规划目标为到 2025 年不低于 8.6%；另有目标到 2030 年比 2019 年下降 20%无法在图中标出。")
    layout = layout_of(FOREST, [level, cut], [], assessments([level, cut], []))
    assert [t.target_id for t in layout.drawn] == ["t-2025"] and [t.target_id for t in layout.undrawn] == ["cut-2030"]


def test_change_and_undated_charts_are_deterministic():
    cut = [target("cut-2030", 2030, 8.5, kind="reduction", baseline_value=None, comparator="≈"),
           target("cut-2025", 2025, 5, kind="reduction", baseline_value=None, comparator="≈")]
    first = chart(cut, [])
    assert first == chart_parts(FOREST, list(reversed(cut)), [], assessments(cut, [])).spec
    labels = [r["label"] for r in rows_of(first, "target")]
    assert labels == [zh.chart_change_target_label(cut[1], FOREST), zh.chart_change_target_label(cut[0], FOREST)]
    assert "下降 5% 左右" in labels[0] and "下降 8.5% 左右" in labels[1]
    assert spec_to_json(first) == spec_to_json(chart(cut, []))


def test_each_chart_keeps_its_own_years_whatever_was_drawn_before():
    early = chart([target("t-2025", 2025, 8.6)], [obs(2020, 7.9), obs(2021, 8.0)])
    late = chart([target("t-2035", 2035, 8.7, baseline_year=None, baseline_value=None)],
                 [obs(2030, 8.3), obs(2031, 8.4)])
    assert {json.dumps(x["scale"]["domain"]) for x in x_encodings(late)} == {"[2030, 2035]"}
    assert early != late
    assert chart([target("t-2025", 2025, 8.6)], [obs(2020, 7.9), obs(2021, 8.0)]) == early


# --- every real and synthetic indicator ------------------------------------------------------------
def _every_indicator():
    """(plan, indicator, targets, observations, assessments by target id) of the real and synthetic data."""
    for root in (REPO / "datapackages", REPO / "tests" / "fixtures" / "synthetic" / "datapackages"):
        data, problems = load_data_root(root)
        assert data is not None and not any(p.is_error for p in problems), problems
        judged = assess_all(data, clock.as_of(data).year)
        for plan in data.plans:
            for indicator in plan.indicators:
                targets = plan.targets_for(indicator.indicator_id)
                yield (plan, indicator, targets, data.observations_for(indicator.key),
                       {t.target_id: judged[t.key] for t in targets})


def test_filled_template_equals_the_chart_altair_builds_directly():
    """Charts are Altair specs built once per shape and filled in; that must change nothing, and
    every spec must be valid Vega-Lite (the build skips Altair's own schema check)."""
    compared = 0
    for plan, indicator, targets, values, judged in _every_indicator():
        result = chart_parts(indicator, targets, values, judged)
        if result.spec is None:
            continue
        layout = layout_of(indicator, targets, values, judged)
        shape, fill = chart_shape(layout, indicator)
        direct = altair_spec(shape, fill, description=result.summary_zh)
        assert result.spec == direct, (plan.plan_id, indicator.indicator_id)
        validates(result.spec)
        compared += 1
    assert compared > 50


def test_every_indicator_with_a_numeric_target_or_a_value_has_a_chart_that_draws():
    for plan, indicator, targets, values, judged in _every_indicator():
        numeric = any(t.target_value is not None and t.kind not in ("deferred", "qualitative") for t in targets)
        result = chart_parts(indicator, targets, values, judged)
        assert (result.spec is not None) == (numeric or bool(values)), (plan.plan_id, indicator.indicator_id)
        assert result.summary_zh.endswith("。")
        if result.spec is not None:
            assert "<svg" in svg_of(result.spec)


def test_the_template_of_a_shape_is_built_once():
    charts._template.cache_clear()
    chart()
    chart(observations=[obs(2020, 7.9), obs(2022, 8.1)])  # same shape, other values
    assert charts._template.cache_info().misses == 1
