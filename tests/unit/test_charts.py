"""Chart specs, summaries and tables for one indicator. All values here are SYNTHETIC."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import vl_convert
from altair.vegalite.v6 import schema as vl_schema

from builder.charts import (
    FONT,
    VEGA_LITE_VERSION,
    chart_summary_en,
    chart_summary_zh,
    chart_table,
    indicator_chart,
    spec_to_json,
)
from builder.model import Indicator, Observation, Target
from builder.progress import STATUS_LABEL_ZH, assess_target

FOREST = Indicator("songyuan-plan", "forest", "合成覆盖率", "Synthetic cover", "%", "%", "higher", "合成指标（测试用）")


def target(target_id: str, year: int, value: float, **fields) -> Target:
    values = dict(package="songyuan-plan", target_id=target_id, indicator_id="forest", kind="level",
                  aspirational=False, quote_zh="合成原文", clause="二", target_year=year, target_value=value,
                  comparator=">=", baseline_year=2020, baseline_value=7.9)
    values.update(fields)
    return Target(**values)


def obs(year: int, value: float, status: str = "final", note: str | None = None) -> Observation:
    return Observation("forest", year, value, status, "s-1", row=2, note=note)


TARGETS = [target("t-2035", 2035, 8.7), target("t-2025", 2025, 8.6)]
OBSERVATIONS = [obs(2023, 8.2, "preliminary"), obs(2020, 7.9), obs(2021, 8.0)]


def assessments(targets=TARGETS, observations=OBSERVATIONS, as_of=2024):
    return {t.target_id: assess_target(t, FOREST, observations, as_of) for t in targets}


def chart(targets=TARGETS, observations=OBSERVATIONS):
    return indicator_chart(FOREST, targets, observations, assessments(targets, observations))


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


def test_spec_is_valid_vega_lite():
    jsonschema.validate(chart(), vl_schema.load_schema())


def test_spec_draws_offline_with_its_labels():
    svg = vl_convert.vegalite_to_svg(chart(), vl_version=VEGA_LITE_VERSION, allowed_base_urls=[])
    assert "2025 年目标 8.6%" in svg and "2035 年目标 8.7%" in svg and "2020 年基准 7.9%" in svg


def test_spec_holds_published_and_target_values():
    spec = chart()
    assert [(r["year"], r["value"]) for r in rows_of(spec, "公开数值")] == [(2020, 7.9), (2021, 8.0), (2023, 8.2)]
    assert [(r["year"], r["value"], r["label"]) for r in rows_of(spec, "目标")] == [
        (2025, 8.6, "2025 年目标 8.6%"), (2035, 8.7, "2035 年目标 8.7%")]
    assert rows_of(spec, "基准")[0]["year"] == 2020
    paths = rows_of(spec, "所需路径")
    assert {r["target_id"] for r in paths} == {"t-2025", "t-2035"}


def test_spec_is_responsive_and_described():
    spec = chart()
    assert spec["width"] == "container" and spec["height"] == 260
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["description"] == chart_summary_zh(FOREST, TARGETS, OBSERVATIONS, assessments())
    assert "Noto Sans CJK SC" in spec["config"]["font"] and spec["config"]["font"] == FONT


def test_years_have_no_thousands_separator_and_unit_is_in_axis_title():
    spec = chart()
    encodings = [layer["encoding"] for layer in spec["layer"]]
    assert all(e["x"]["axis"]["format"] == "d" for e in encodings)
    assert all(e["y"]["title"] == "单位：%" for e in encodings)


def test_series_differ_by_more_than_colour():
    spec = chart()
    shape = next(layer["encoding"]["shape"] for layer in spec["layer"] if "shape" in layer["encoding"])
    shapes = dict(zip(shape["scale"]["domain"], shape["scale"]["range"]))
    assert len({shapes["公开数值"], shapes["基准"], shapes["目标"]}) == 3
    dash = next(layer["encoding"]["strokeDash"] for layer in spec["layer"] if "strokeDash" in layer["encoding"])
    dashes = dict(zip(dash["scale"]["domain"], dash["scale"]["range"]))
    assert dashes["所需路径"] != dashes["公开数值"]
    assert any(layer["mark"]["type"] == "text" for layer in spec["layer"])


def test_line_does_not_bridge_a_year_without_value():
    segments = {r["year"]: r["segment"] for r in rows_of(chart(), "公开数值")}
    assert segments[2020] == segments[2021] != segments[2023]


def test_no_remote_address_in_spec():
    spec = chart()
    assert "url" not in json.dumps(spec) and "datasets" not in spec
    assert not [s for s in strings(spec) if "http:" in s or "https:" in s or "//" in s]
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v")


def test_same_inputs_give_identical_spec():
    first, second = chart(), indicator_chart(FOREST, list(reversed(TARGETS)), list(reversed(OBSERVATIONS)), assessments())
    assert first == second
    assert json.dumps(first, sort_keys=True, ensure_ascii=False) == json.dumps(second, sort_keys=True, ensure_ascii=False)


def test_spec_is_identical_across_processes(tmp_path):
    script = (
        "import sys; sys.path.insert(0, %r)\n"
        "from tests.unit.test_charts import chart\n"
        "from builder.charts import spec_to_json\n"
        "print(spec_to_json(chart()))\n"
    ) % os.getcwd()
    # Another interpreter with another string-hash seed: no name may depend on process state.
    env = dict(os.environ, PYTHONHASHSEED="12345")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          cwd=tmp_path, check=True)
    assert done.stdout.strip() == spec_to_json(chart())


def test_chart_without_published_value_still_marks_targets():
    spec = chart(observations=[])
    assert spec is not None
    assert rows_of(spec, "公开数值") == []
    assert [r["year"] for r in rows_of(spec, "目标")] == [2025, 2035]
    assert "暂无公开数值" in spec["description"]
    jsonschema.validate(spec, vl_schema.load_schema())


def test_no_chart_for_targets_without_numbers_and_no_values():
    deferred = target("t-d", 2025, None, kind="deferred", comparator=None, baseline_year=None, baseline_value=None)
    assert indicator_chart(FOREST, [deferred], [], assessments([deferred], [])) is None
    assert chart_summary_zh(FOREST, [deferred], [], assessments([deferred], [])) == "暂无公开数值；规划没有给出具体数值目标。"


def test_summary_names_latest_value_target_and_status():
    summary = chart_summary_zh(FOREST, TARGETS, OBSERVATIONS, assessments())
    status = STATUS_LABEL_ZH[assessments()["t-2025"].status]
    assert summary == f"最新公开数值为 2023 年的 8.2%（初步数），低于 2025 年目标 8.6%（进展状态：{status}）。"
    english = chart_summary_en(FOREST, TARGETS, OBSERVATIONS, assessments())
    assert "8.2%" in english and "2025 target of 8.6%" in english and "below" in english


def test_summary_without_value_lists_targets():
    summary = chart_summary_zh(FOREST, TARGETS, [], assessments(observations=[]))
    assert summary == "暂无公开数值；规划目标为到 2025 年不低于 8.6%、到 2035 年不低于 8.7%。"


def test_summary_compares_with_the_next_target_due():
    later = [obs(2020, 7.9), obs(2026, 8.65)]
    summary = chart_summary_zh(FOREST, TARGETS, later, assessments(observations=later, as_of=2027))
    assert "低于 2035 年目标 8.7%" in summary


def test_table_rows_sorted_by_year_then_kind():
    rows = chart_table(FOREST, TARGETS, OBSERVATIONS, assessments())
    assert set(rows[0]) == {"year", "kind", "value", "number", "note"}
    order = ["公开数值", "基准", "目标", "所需路径"]
    assert rows == sorted(rows, key=lambda r: (r["year"], order.index(r["kind"])))
    published = [r for r in rows if r["kind"] == "公开数值"]
    assert [(r["year"], r["value"], r["note"]) for r in published] == [
        (2020, "7.9%", "最终数"), (2021, "8%", "最终数"), (2023, "8.2%", "初步数")]
    assert {"year": 2025, "kind": "目标", "value": "8.6%", "number": 8.6, "note": "到 2025 年不低于 8.6%"} in rows


def test_table_lists_path_only_where_a_reader_compares_it():
    rows = chart_table(FOREST, TARGETS, OBSERVATIONS, assessments())
    path_years = {r["year"] for r in rows if r["kind"] == "所需路径"}
    assert path_years == {2020, 2021, 2023, 2025, 2035}
    assert all("计算值" in r["note"] for r in rows if r["kind"] == "所需路径")


def test_spec_json_cannot_close_the_script_element():
    hostile = [obs(2020, 7.9, note="</script><script>alert(1)</script>"), obs(2021, 8.0)]
    text = spec_to_json(indicator_chart(FOREST, TARGETS, hostile, assessments(observations=hostile)))
    assert "</script" not in text and "<" not in text
    assert "</script><script>alert(1)</script>" in json.dumps(json.loads(text), ensure_ascii=False)


def test_vega_lite_version_matches_a_bundled_library():
    assert VEGA_LITE_VERSION in vl_convert.get_vegalite_versions()
    assert f"/vega-lite/v{VEGA_LITE_VERSION}." in chart()["$schema"]


# ---- targets that are not a level of the indicator (issue 4: every numeric target gets a chart)

def validates(spec: dict) -> None:
    jsonschema.validate(spec, vl_schema.load_schema())


def test_reduction_without_base_is_charted_as_change_since_the_base_year():
    cut = target("cut-2025", 2025, 20, kind="reduction", baseline_value=None)
    spec = chart([cut], [])
    validates(spec)
    assert spec["layer"][0]["encoding"]["y"]["title"] == "比 2020 年下降（%）"
    assert [(r["year"], r["value"]) for r in rows_of(spec, "目标")] == [(2025, 20)]
    assert [(r["year"], r["value"]) for r in rows_of(spec, "基准")] == [(2020, 0)]
    assert "下降 20%" in vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    assert "下降 20%" in " ".join(r["value"] for r in chart_table(FOREST, [cut], [], assessments([cut], [])))


def test_addition_without_base_stock_is_charted_as_cumulative_addition():
    added = target("added-2025", 2025, 500, kind="addition", baseline_value=None, aspirational=True)
    spec = chart([added], [])
    validates(spec)
    assert spec["layer"][0]["encoding"]["y"]["title"].startswith("2020 年以来累计新增")
    assert [r["value"] for r in rows_of(spec, "目标")] == [500]
    assert "新增" in vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    assert "新增" in chart_summary_zh(FOREST, [added], [], assessments([added], []))


def test_count_without_year_is_a_labelled_level():
    count = target("count", None, 5, kind="count", baseline_year=None, baseline_value=None)
    spec = chart([count], [])
    validates(spec)
    assert [r["year"] for r in rows_of(spec, "目标")] == [None]
    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    assert "规划未给出年份" in svg
    assert [row["year"] for row in chart_table(FOREST, [count], [], assessments([count], []))] == ["未给出"]


def test_each_chart_keeps_its_own_years_whatever_was_drawn_before():
    early = chart([target("t-2025", 2025, 8.6)], [obs(2020, 7.9), obs(2021, 8.0)])
    late = chart([target("t-2035", 2035, 8.7, baseline_year=None, baseline_value=None)],
                 [obs(2030, 8.3), obs(2031, 8.4)])
    domains = {json.dumps(layer["encoding"]["x"]["scale"]["domain"]) for layer in late["layer"]}
    assert domains == {"[2030, 2035]"}
    assert early != late
    assert chart([target("t-2025", 2025, 8.6)], [obs(2020, 7.9), obs(2021, 8.0)]) == early


def test_every_real_indicator_with_a_numeric_target_has_a_chart_that_draws():
    from pathlib import Path

    from builder.load import load_data_root
    from builder.progress import as_of_year, assess_all

    data, problems = load_data_root(Path(__file__).resolve().parents[2] / "datapackages")
    assert data is not None, problems
    judged = assess_all(data, as_of_year(data, None))
    for indicator in data.indicators():
        own = [t for t in data.targets() if t.indicator_id == indicator.indicator_id]
        if not any(t.target_value is not None and t.kind not in ("deferred", "qualitative") for t in own):
            continue
        spec = indicator_chart(indicator, own, data.observations_for(indicator.indicator_id), judged)
        assert spec is not None, indicator.indicator_id
        validates(spec)
        assert "<svg" in vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])


def test_reduction_path_without_base_follows_the_same_compound_rule_as_levels():
    cut = target("cut-2025", 2025, 20, kind="reduction", baseline_value=None)
    path = {r["year"]: r["value"] for r in rows_of(chart([cut], []), "所需路径")}
    assert path[2020] == 0 and path[2025] == 20
    # 20% below in five years at a constant rate: 1 − 0.8^(k/5) each year, whatever the unpublished base was.
    assert path[2022] == round(100 * (1 - 0.8 ** (2 / 5)), 1) == 8.5  # one decimal finer than “20%”
    summary = chart_summary_zh(FOREST, [cut], [], assessments([cut], []))
    assert summary == "暂无公开数值；规划目标为到 2025 年比 2020 年下降 20%，图中以 2020 年为起点画出下降幅度。"
    table = chart_table(FOREST, [cut], [], assessments([cut], []))
    assert {"year": 2020, "kind": "基准", "value": "0", "number": 0.0,
            "note": "规划起点：下降幅度从 2020 年算起；2020 年的数值没有公开"} in table
    assert {"year": 2025, "kind": "目标", "value": "下降 20%", "number": 20, "note": "到 2025 年比 2020 年下降 20%"} in table


def test_reduction_with_values_but_no_base_year_value_says_the_values_cannot_be_drawn():
    cut = target("cut-2025", 2025, 20, kind="reduction", baseline_value=None)
    later = [obs(2022, 8.1), obs(2023, 8.0)]
    spec = chart([cut], later)
    validates(spec)
    assert rows_of(spec, "公开数值") == [] and [r["value"] for r in rows_of(spec, "目标")] == [20]
    assert "比 2020 年下降" in spec["layer"][0]["encoding"]["y"]["title"]
    summary = chart_summary_zh(FOREST, [cut], later, assessments([cut], later))
    assert summary.startswith("最新公开数值为 2023 年的 8%，但 2020 年的数值没有公开，无法换算为比 2020 年的下降幅度")
    assert "下降 20%" in summary and spec["description"] == summary
    assert "公开数值" not in {r["kind"] for r in chart_table(FOREST, [cut], later, assessments([cut], later))}
    assert "下降 20%" in vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])


def test_addition_without_base_stock_reads_in_the_plans_own_terms():
    added = target("added-2025", 2025, 500, kind="addition", baseline_value=None, aspirational=True)
    spec = chart([added], [])
    assert [r["label"] for r in rows_of(spec, "目标")] == ["2025 年目标：力争新增 500%"]
    assert [(r["year"], r["value"]) for r in rows_of(spec, "基准")] == [(2020, 0)]
    path = {r["year"]: r["value"] for r in rows_of(spec, "所需路径")}
    assert path == {2020: 0, 2021: 100, 2022: 200, 2023: 300, 2024: 400, 2025: 500}  # equal steps
    svg = vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION, allowed_base_urls=[])
    assert "2025 年目标：力争新增 500%" in svg and "2020 年以来累计新增" in svg
    summary = chart_summary_zh(FOREST, [added], [], assessments([added], []))
    assert summary.startswith("暂无公开数值；规划目标为力争") and "新增 500%" in summary
    assert summary.endswith("图中以 2020 年为起点画出新增量。")


def test_count_without_year_has_no_invented_year_or_base():
    count = target("count", None, 5, kind="count", baseline_year=None, baseline_value=None)
    judged = assessments([count], [])
    spec = chart([count], [])
    assert rows_of(spec, "基准") == [] and rows_of(spec, "所需路径") == []
    assert all("x" not in layer["encoding"] or "field" not in layer["encoding"]["x"] for layer in spec["layer"])
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "text"]
    assert "目标：不低于 5%（规划未给出年份）" in vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    assert chart_summary_zh(FOREST, [count], [], judged) == "暂无公开数值；规划目标为不低于 5%（规划未给出年份）。"
    assert chart_table(FOREST, [count], [], judged) == [
        {"year": "未给出", "kind": "目标", "value": "5%", "number": 5, "note": "不低于 5%（规划未给出年份）"}]


def test_count_without_year_is_a_rule_over_the_published_values():
    count = target("count", None, 9, kind="count", baseline_year=None, baseline_value=None)
    values = [obs(2022, 7.0), obs(2023, 8.0)]
    judged = assessments([count], values)
    spec = chart([count], values)
    validates(spec)
    assert [r["year"] for r in rows_of(spec, "公开数值")] == [2022, 2023]
    assert "rule" in [layer["mark"]["type"] for layer in spec["layer"]]
    summary = chart_summary_zh(FOREST, [count], values, judged)
    assert summary.startswith("最新公开数值为 2023 年的 8%，低于目标 9%（规划未给出年份；进展状态：")
    assert "目标：不低于 9%（规划未给出年份）" in vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])


def test_a_target_the_chart_cannot_place_is_named_as_such():
    level = target("t-2025", 2025, 8.6)
    cut = target("cut-2030", 2030, 20, kind="reduction", baseline_year=2019, baseline_value=None)
    judged = assessments([level, cut], [])
    spec = chart([level, cut], [])
    assert [r["value"] for r in rows_of(spec, "目标")] == [8.6]
    assert chart_summary_zh(FOREST, [level, cut], [], judged) == (
        "暂无公开数值；规划目标为到 2025 年不低于 8.6%；另有目标到 2030 年比 2019 年下降 20%无法在图中标出。")


def test_change_and_undated_charts_are_deterministic():
    cut = [target("cut-2030", 2030, 8.5, kind="reduction", baseline_value=None, comparator="≈"),
           target("cut-2025", 2025, 5, kind="reduction", baseline_value=None, comparator="≈")]
    first = chart(cut, [])
    assert first == indicator_chart(FOREST, list(reversed(cut)), [], assessments(cut, []))
    assert [r["label"] for r in rows_of(first, "目标")] == ["2025 年目标：下降 5% 左右", "2030 年目标：下降 8.5% 左右"]
    assert spec_to_json(first) == spec_to_json(chart(cut, []))


def test_filled_template_equals_the_chart_altair_builds_directly():
    """Charts are Altair specs built once per shape and filled in; that must change nothing, and
    every spec must be valid Vega-Lite (the build skips Altair's own schema check)."""
    from pathlib import Path

    from builder import charts
    from builder.load import load_data_root
    from builder.progress import as_of_year, assess_all

    root = Path(__file__).resolve().parents[2]
    compared = 0
    for data_dir in (root / "datapackages", root / "tests" / "fixtures" / "synthetic"):
        data, problems = load_data_root(data_dir)
        assert data is not None, problems
        judged = assess_all(data, as_of_year(data, None))
        for indicator in data.indicators():
            own = [t for t in data.targets() if t.indicator_id == indicator.indicator_id]
            values = data.observations_for(indicator.indicator_id)
            spec = indicator_chart(indicator, own, values, judged)
            if spec is None:
                continue
            layout = charts._layout(indicator, own, values, judged)
            shape, fill = charts._chart_shape(layout, indicator)
            direct = charts._altair_spec(shape, fill, description=chart_summary_zh(indicator, own, values, judged))
            assert spec == direct, indicator.indicator_id
            validates(spec)
            compared += 1
    assert compared > 50
