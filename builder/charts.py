"""One chart per indicator: published values, targets, base and required path as a Vega-Lite spec.

The only user of Altair. Specs carry their data inline (no URL), a top-level
``description`` that Vega uses as the chart's aria-label, and a CJK font stack; the same
inputs always give the same dict. The page shows ``chart_summary_zh`` next to each chart
and ``chart_table`` as its accessible data table.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import altair as alt

from builder.model import Indicator, Observation, Target
from builder.progress import (
    STATUS_LABEL_EN,
    STATUS_LABEL_ZH,
    STATUS_OF_VALUE_EN,
    STATUS_OF_VALUE_ZH,
    Assessment,
    describe_target_en,
    describe_target_zh,
    format_number,
    format_value_en,
    format_value_zh,
    preferred_observations,
    uses_compound_growth,
)

# The Vega-Lite version Altair writes; ship the matching library: vl_convert.javascript_bundle(vl_version=...).
VEGA_LITE_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]  # e.g. "6.4"

FONT = "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
HEIGHT = 260

OBSERVED = "公开数值"
BASE = "基准"
TARGET = "目标"
PATH = "所需路径"
KIND_ORDER = (OBSERVED, BASE, TARGET, PATH)  # table order within a year, and legend order

# Each series differs by colour AND by mark: filled circles on a solid line, squares,
# diamonds with text labels, a dashed line. All colours have ≥ 4.5:1 contrast on white.
COLOURS = {OBSERVED: "#1f5a96", BASE: "#4d4d4d", TARGET: "#a8421a", PATH: "#5c5c5c"}
SHAPES = {OBSERVED: "circle", BASE: "square", TARGET: "diamond", PATH: "stroke"}
DASH = {OBSERVED: [1, 0], BASE: [1, 0], TARGET: [1, 0], PATH: [6, 4]}


def _by_target(assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> dict[str, Assessment]:
    if isinstance(assessments, Mapping):
        return dict(assessments)
    return {a.target_id: a for a in assessments}


def _own(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation]
         ) -> tuple[list[Target], tuple[Observation, ...]]:
    own_targets = sorted((t for t in targets if t.indicator_id == indicator.indicator_id),
                         key=lambda t: (t.target_year or 0, t.target_id))
    own_obs = preferred_observations([o for o in observations if o.indicator_id == indicator.indicator_id])
    return own_targets, own_obs


def _charted_targets(targets: list[Target], by_id: dict[str, Assessment]) -> list[tuple[Target, Assessment]]:
    """Targets that can be drawn: a year and a level of the indicator."""
    return [(t, by_id[t.target_id]) for t in targets
            if t.target_id in by_id and t.target_year is not None and by_id[t.target_id].target_level is not None]


def _base_note_zh(target: Target, base: tuple[int, float], observations: tuple[Observation, ...]) -> str:
    published = {o.year: o.value for o in observations}
    if target.baseline_value is not None and target.baseline_year == base[0]:
        return "规划给出的基准值"
    if published.get(base[0]) == base[1]:
        return "公开数值"
    if target.kind == "count" and base[1] == 0:
        return "规划未给出基准值，按 0 起算"
    return "基准值"


def _rows(indicator: Indicator, targets: list[Target], observations: tuple[Observation, ...],
          by_id: dict[str, Assessment]) -> list[dict]:
    """Every charted point as a row: year, kind, number, text value, note, target_id (for paths)."""
    rows: list[dict] = []
    for obs in observations:
        note = STATUS_OF_VALUE_ZH.get(obs.status, obs.status)
        if obs.note:
            note = f"{note}；{obs.note}"
        rows.append({"year": obs.year, "kind": OBSERVED, "number": obs.value, "target_id": "",
                     "status": obs.status, "note": note, "label": ""})
    charted = _charted_targets(targets, by_id)
    bases: dict[tuple[int, float], str] = {}
    for target, assessment in charted:
        if assessment.baseline is not None and assessment.baseline not in bases:
            bases[assessment.baseline] = _base_note_zh(target, assessment.baseline, observations)
    for (year, value), note in sorted(bases.items()):
        rows.append({"year": year, "kind": BASE, "number": value, "target_id": "", "status": "",
                     "note": note, "label": f"{year} 年基准 {format_value_zh(value, indicator)}"})
    for target, assessment in charted:
        rows.append({"year": target.target_year, "kind": TARGET, "number": assessment.target_level,
                     "target_id": target.target_id, "status": "",
                     "note": describe_target_zh(target, indicator),
                     "label": f"{target.target_year} 年目标 {format_value_zh(assessment.target_level, indicator)}"})
    for target, assessment in charted:
        if not assessment.required_path:
            continue
        base_value = assessment.required_path[0][1]
        how = ("按年均复合增长" if uses_compound_growth(target.kind, base_value, assessment.target_level)
               else "按每年相同增量")
        note = f"实现 {target.target_year} 年目标所需路径（{how}，计算值）"
        decimals = _path_decimals(base_value, assessment.target_level)
        for year, value in assessment.required_path:
            rows.append({"year": year, "kind": PATH, "number": round(value, decimals), "target_id": target.target_id,
                         "status": "", "note": note, "label": ""})
    charted_ids = {target.target_id for target, _ in charted}
    uncharted = [t for t in targets if t.target_id not in charted_ids and t.target_value is not None
                 and t.kind not in ("deferred", "qualitative")]
    rows += _undated_rows(indicator, uncharted)
    if not observations and not charted:
        rows += _stated_rows(indicator, uncharted)
    order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    rows.sort(key=lambda r: (r["year"] is None, r["year"] or 0, order[r["kind"]], r["target_id"], r["number"]))
    for row in rows:
        row.setdefault("value", format_value_zh(row["number"], indicator))
    return rows


def _undated_rows(indicator: Indicator, targets: list[Target]) -> list[dict]:
    """Targets the plan gives no year for: drawn as a level across the chart, labelled as undated."""
    return [{"year": None, "kind": TARGET, "number": t.target_value, "target_id": t.target_id, "status": "",
             "note": describe_target_zh(t, indicator) + "（规划未给出年份）",
             "label": f"目标 {format_value_zh(t.target_value, indicator)}（规划未给出年份）"}
            for t in targets if t.target_year is None and t.kind in ("level", "count")]


def _stated_rows(indicator: Indicator, targets: list[Target]) -> list[dict]:
    """Reductions and additions with no published base, in the plan's own terms (change since the base year).

    Drawn only when nothing else is: the change since the base year and the indicator's own
    level cannot share one axis.
    """
    rows: list[dict] = []
    stated = [t for t in targets if t.kind in ("reduction", "addition") and t.target_year and t.baseline_year]
    for target in stated:
        start = "规划起点（基准年）"
        rows.append({"year": target.baseline_year, "kind": BASE, "number": 0.0, "target_id": target.target_id,
                     "status": "", "note": start, "label": f"{target.baseline_year} 年起点",
                     "value": f"0（{start}）"})
        amount = (f"下降 {format_number(target.target_value)}%" if target.kind == "reduction"
                  else f"新增 {format_value_zh(target.target_value, indicator)}")
        rows.append({"year": target.target_year, "kind": TARGET, "number": target.target_value,
                     "target_id": target.target_id, "status": "", "note": describe_target_zh(target, indicator),
                     "label": f"{target.target_year} 年目标：{amount}", "value": amount})
        for year in (target.baseline_year, target.target_year):
            rows.append({"year": year, "kind": PATH, "target_id": target.target_id, "status": "", "label": "",
                         "number": 0.0 if year == target.baseline_year else target.target_value,
                         "note": f"从 {target.baseline_year} 年起点到 {target.target_year} 年目标的直线（示意）",
                         "value": "0" if year == target.baseline_year else amount})
    return rows


def _stated_axis_title(indicator: Indicator, rows: list[dict], targets: list[Target]) -> str | None:
    """The y-axis title when the chart shows change since a base year rather than the indicator's level."""
    by_id = {t.target_id: t for t in targets}
    kinds = {by_id[r["target_id"]].kind for r in rows if r["target_id"] in by_id and r["kind"] == TARGET
             and r["year"] is not None}
    if not kinds or not kinds <= {"reduction", "addition"} or any(r["kind"] == OBSERVED for r in rows):
        return None
    base_year = min(r["year"] for r in rows if r["kind"] == BASE)
    unit = indicator.unit.strip()
    if kinds == {"reduction"}:
        return f"比 {base_year} 年下降（%）"
    return f"{base_year} 年以来累计新增（{unit}）" if unit not in ("", "无") else f"{base_year} 年以来累计新增"


def _decimals(x: float) -> int:
    return len(format_number(x).partition(".")[2])


def _path_decimals(base_value: float, target_level: float) -> int:
    """Show a computed path one decimal finer than the figures it joins: 7.9 → 8.6 gives 8.04, 8.17, ..."""
    return max(_decimals(base_value), _decimals(target_level)) + 1


def chart_table(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> list[dict]:
    """Rows for the chart's accessible data table: year, kind, value (text with unit), number, note; by year then kind.

    The required path is listed for the years a reader compares it with: its first year,
    the target year and every year with a published value (the chart draws every year).
    """
    own_targets, own_obs = _own(indicator, targets, observations)
    published = {o.year for o in own_obs}
    rows = _rows(indicator, own_targets, own_obs, _by_target(assessments))
    ends: dict[str, tuple[int, int]] = {}
    for row in rows:
        if row["kind"] == PATH:
            first, last = ends.get(row["target_id"], (row["year"], row["year"]))
            ends[row["target_id"]] = (min(first, row["year"]), max(last, row["year"]))
    return [{"year": r["year"] if r["year"] is not None else "未给出", "kind": r["kind"], "value": r["value"],
             "number": r["number"], "note": r["note"]}
            for r in rows
            if r["kind"] != PATH or r["year"] in published or r["year"] in ends[r["target_id"]]]


def _headline(charted: list[tuple[Target, Assessment]], year: int) -> tuple[Target, Assessment] | None:
    """The target the latest value is compared with: the first one due in or after that year, else the last."""
    if not charted:
        return None
    due = [pair for pair in charted if pair[0].target_year >= year]
    return due[0] if due else charted[-1]


def chart_summary_zh(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                     assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> str:
    """One plain-language Chinese sentence: where the latest value stands against the target."""
    own_targets, own_obs = _own(indicator, targets, observations)
    by_id = _by_target(assessments)
    charted = _charted_targets(own_targets, by_id)
    numeric = [t for t in own_targets if t.target_value is not None and t.kind not in ("deferred", "qualitative")]
    if not own_obs:
        if numeric:
            return f"暂无公开数值；规划目标为{'、'.join(describe_target_zh(t, indicator) for t in numeric)}。"
        return "暂无公开数值；规划没有给出具体数值目标。"
    latest = own_obs[-1]
    value = format_value_zh(latest.value, indicator)
    if latest.status == "preliminary":
        value += "（初步数）"
    head = f"最新公开数值为 {latest.year} 年的 {value}"
    pair = _headline(charted, latest.year)
    if pair is None:
        if numeric:
            return (f"{head}；规划目标为{'、'.join(describe_target_zh(t, indicator) for t in numeric)}，"
                    f"但基准年数值没有公开，图中无法标出目标水平。")
        return f"{head}；规划没有给出具体数值目标。"
    target, assessment = pair
    level = assessment.target_level
    if abs(latest.value - level) <= 1e-9 * max(1.0, abs(level)):
        relation = "等于"
    else:
        relation = "高于" if latest.value > level else "低于"
    status = STATUS_LABEL_ZH.get(assessment.status, assessment.status)
    return (f"{head}，{relation} {target.target_year} 年目标 {format_value_zh(level, indicator)}"
            f"（进展状态：{status}）。")


def chart_summary_en(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                     assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> str:
    """One plain-language English sentence: where the latest value stands against the target."""
    own_targets, own_obs = _own(indicator, targets, observations)
    by_id = _by_target(assessments)
    charted = _charted_targets(own_targets, by_id)
    numeric = [t for t in own_targets if t.target_value is not None and t.kind not in ("deferred", "qualitative")]
    if not own_obs:
        if numeric:
            return f"No value has been published yet; the plan's targets are: {'; '.join(describe_target_en(t, indicator) for t in numeric)}."
        return "No value has been published yet, and the plan gives no numeric target."
    latest = own_obs[-1]
    value = format_value_en(latest.value, indicator)
    if latest.status == "preliminary":
        value += f" ({STATUS_OF_VALUE_EN['preliminary']})"
    head = f"The latest published value is {value} for {latest.year}"
    pair = _headline(charted, latest.year)
    if pair is None:
        if numeric:
            return (f"{head}; the plan's targets are: {'; '.join(describe_target_en(t, indicator) for t in numeric)}, "
                    f"but the base-year value is not published, so the chart cannot mark the target level.")
        return f"{head}; the plan gives no numeric target."
    target, assessment = pair
    level = assessment.target_level
    if abs(latest.value - level) <= 1e-9 * max(1.0, abs(level)):
        relation = "equal to"
    else:
        relation = "above" if latest.value > level else "below"
    status = STATUS_LABEL_EN.get(assessment.status, assessment.status)
    return (f"{head}, {relation} the {target.target_year} target of {format_value_en(level, indicator)} "
            f"(status: {status}).")


def _segments(rows: list[dict]) -> None:
    """Number runs of consecutive years, so the line never bridges a year with no published value."""
    segment, previous = 0, None
    for row in rows:
        if row["kind"] != OBSERVED:
            continue
        if previous is not None and row["year"] != previous + 1:
            segment += 1
        row["segment"] = segment
        previous = row["year"]


def spec_to_json(spec: dict) -> str:
    """The spec as JSON text that is safe inside <script type="application/json"> and byte-stable."""
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # "</script>" or "<!--" in a note must not end the script element early.
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def indicator_chart(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                    assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> dict | None:
    """The indicator's Vega-Lite spec (dict), or None when there is neither a published value nor a numeric target."""
    own_targets, own_obs = _own(indicator, targets, observations)
    by_id = _by_target(assessments)
    rows = _rows(indicator, own_targets, own_obs, by_id)
    if not rows:
        return None
    _segments(rows)
    data = [{"year": r["year"], "kind": r["kind"], "value": r["number"], "text": r["value"],
             "note": r["note"], "label": r["label"], "target_id": r["target_id"],
             "preliminary": r["status"] == "preliminary", "segment": r.get("segment", 0)} for r in rows]
    dated = [r for r in rows if r["year"] is not None]
    present = tuple(kind for kind in KIND_ORDER if any(r["kind"] == kind for r in dated))
    unit = indicator.unit.strip()
    y_title = (_stated_axis_title(indicator, rows, own_targets)
               or ("数值" if unit in ("", "无") else f"单位：{unit}"))
    spec = json.loads(_template(present, any(r["year"] is None for r in rows), y_title))
    spec["data"] = {"values": data}
    spec["description"] = chart_summary_zh(indicator, own_targets, own_obs, by_id)
    if dated:
        years = [r["year"] for r in dated]
        low, high = min(years), max(years)
        if low == high:
            low, high = low - 1, high + 1
        for layer in spec["layer"]:
            scale = layer.get("encoding", {}).get("x", {}).get("scale")
            if scale is not None:
                scale["domain"] = [low, high]
    return spec


@lru_cache(maxsize=None)
def _template(present: tuple[str, ...], undated: bool, y_title: str) -> str:
    """The chart's spec for one shape of chart, as JSON, without its data, description and year range.

    Altair builds and validates the spec once per shape (which series are present, and the
    axis title); each indicator's chart is this spec with its own values filled in. Building
    a chart with Altair every time cost ~110 ms, most of a 1,000-indicator build.
    """
    x = alt.X("year:Q", title="年份", scale=alt.Scale(domain=[0, 1], nice=False, padding=14),
              axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0, labelOverlap=True))
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False, nice=True, padding=12))
    legend_kinds = list(present) + ([TARGET] if undated and TARGET not in present else [])
    legend_kinds = [k for k in KIND_ORDER if k in legend_kinds]
    colour = alt.Color("kind:N", title=None, sort=legend_kinds,
                       scale=alt.Scale(domain=legend_kinds, range=[COLOURS[k] for k in legend_kinds]),
                       legend=alt.Legend(orient="bottom", direction="horizontal", symbolStrokeWidth=2))
    shape = alt.Shape("kind:N", title=None, sort=legend_kinds,
                      scale=alt.Scale(domain=legend_kinds, range=[SHAPES[k] for k in legend_kinds]))
    dash = alt.StrokeDash("kind:N", title=None, sort=legend_kinds,
                          scale=alt.Scale(domain=legend_kinds, range=[DASH[k] for k in legend_kinds]))
    tooltip = [alt.Tooltip("year:Q", title="年份", format="d"), alt.Tooltip("kind:N", title="类别"),
               alt.Tooltip("text:N", title="数值"), alt.Tooltip("note:N", title="说明")]

    base = alt.Chart(alt.Data(values=[]))
    dated = base.transform_filter("isValid(datum.year)")
    layers = []
    if PATH in present:
        layers.append(dated.transform_filter(alt.datum.kind == PATH).mark_line(strokeWidth=2).encode(
            x=x, y=y, color=colour, strokeDash=dash, detail="target_id:N", order="year:Q"))
    if OBSERVED in present:
        layers.append(dated.transform_filter(alt.datum.kind == OBSERVED).mark_line(strokeWidth=2.5).encode(
            x=x, y=y, color=colour, strokeDash=dash, detail="segment:Q", order="year:Q"))
        # Preliminary values are drawn hollow and say so in the tooltip and the table.
        layers.append(dated.transform_filter(alt.datum.kind == OBSERVED).mark_point(size=70, strokeWidth=2, opacity=1)
                      .encode(x=x, y=y, color=colour, shape=shape, tooltip=tooltip,
                              fill=alt.condition(alt.datum.preliminary, alt.value("#ffffff"),
                                                 alt.value(COLOURS[OBSERVED]))))
    for kind, align, dx in ((BASE, "left", 8), (TARGET, "right", -8)):
        if kind not in present:
            continue
        layers.append(dated.transform_filter(alt.datum.kind == kind).mark_point(size=110, filled=True, opacity=1)
                      .encode(x=x, y=y, color=colour, shape=shape, tooltip=tooltip))
        layers.append(dated.transform_filter(alt.datum.kind == kind)
                      .mark_text(align=align, dx=dx, dy=-12, fontSize=12, color=COLOURS[kind])
                      .encode(x=x, y=y, text="label:N"))
    if undated:
        # A target with no year has no place on a time axis: a dashed level across the whole chart.
        undated_rows = base.transform_filter("!isValid(datum.year)")
        layers.append(undated_rows.mark_rule(strokeWidth=2, strokeDash=[4, 3], color=COLOURS[TARGET])
                      .encode(y=y, tooltip=tooltip[1:]))
        layers.append(undated_rows.mark_text(align="left", baseline="bottom", dy=-4, fontSize=12,
                                             color=COLOURS[TARGET])
                      .encode(y=y, x=alt.value(4), text="label:N"))

    chart = (alt.layer(*layers)
             .properties(width="container", height=HEIGHT, description="",
                         autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
             .configure(font=FONT)
             .configure_axis(labelFontSize=12, titleFontSize=12, labelColor="#333333", titleColor="#333333")
             .configure_legend(labelFontSize=12, titleFontSize=12, labelColor="#333333", titleColor="#333333")
             .configure_view(stroke=None))
    return json.dumps(chart.to_dict(), ensure_ascii=False, sort_keys=True)
