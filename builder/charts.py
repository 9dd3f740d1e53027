"""One chart per indicator: published values, targets, base and required path as a Vega-Lite spec.

The only user of Altair. Specs carry their data inline (no URL), a top-level
``description`` that Vega uses as the chart's aria-label, and a CJK font stack; the same
inputs always give the same dict. The page shows ``chart_summary_zh`` next to each chart
and ``chart_table`` as its accessible data table.

Every numeric target is drawn, in the plan's own terms when it cannot be a level of the
indicator: a reduction or addition whose base-year value is not published is drawn on an
axis of change since the base year ("比 2020 年下降（%）", "2020 年以来累计新增"); a target
without a year is a horizontal rule labelled as such. ``_layout`` decides once what is drawn,
and the spec, the summary and the table are all read from it, so they always agree.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import altair as alt

from builder.model import Indicator, Observation, Target
from builder.progress import (
    NUMERIC_KINDS,
    STATUS_LABEL_EN,
    STATUS_LABEL_ZH,
    STATUS_OF_VALUE_EN,
    STATUS_OF_VALUE_ZH,
    Assessment,
    default_comparator,
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

UNDATED_ZH = "（规划未给出年份）"
UNDATED_EN = " (the plan gives no year)"
NO_YEAR_ZH = "未给出"  # the table's year cell for a target without a year


@dataclass(frozen=True)
class _Layout:
    """What one indicator's chart draws; the spec, the summary and the table are all read from it."""

    mode: str  # "level": values of the indicator; "change": reduction/addition since base_year; "none": nothing
    rows: tuple[dict, ...]  # every drawn item: year (None for a rule), kind, number, value, note, label, ...
    drawn: tuple[Target, ...]  # the numeric targets drawn, by year (undated last)
    undrawn: tuple[Target, ...]  # numeric targets this chart cannot show (another base or kind)
    observations: tuple[Observation, ...]  # the indicator's published values, one per year
    change_kind: str | None = None  # change mode: "reduction" or "addition"
    base_year: int | None = None  # change mode: the year the change is counted from


def _by_target(assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> dict[str, Assessment]:
    if isinstance(assessments, Mapping):
        return dict(assessments)
    return {a.target_id: a for a in assessments}


def _own(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation]
         ) -> tuple[list[Target], tuple[Observation, ...]]:
    own_targets = sorted((t for t in targets if t.indicator_id == indicator.indicator_id),
                         key=lambda t: (t.target_year is None, t.target_year or 0, t.target_id))
    own_obs = preferred_observations([o for o in observations if o.indicator_id == indicator.indicator_id])
    return own_targets, own_obs


def _numeric(targets: Iterable[Target]) -> list[Target]:
    return [t for t in targets if t.kind in NUMERIC_KINDS and t.target_value is not None]


def _level_of(target: Target, by_id: dict[str, Assessment]) -> float | None:
    """The target as a level of the indicator, when it can be one."""
    assessment = by_id.get(target.target_id)
    if assessment is not None and assessment.target_level is not None:
        return assessment.target_level
    if target.kind in ("level", "count"):
        return target.target_value
    return None


def _charted_targets(targets: list[Target], by_id: dict[str, Assessment]) -> list[tuple[Target, Assessment]]:
    """Targets drawn as a point: a year, an assessment and a level of the indicator."""
    return [(t, by_id[t.target_id]) for t in targets
            if t.target_id in by_id and t.target_year is not None and by_id[t.target_id].target_level is not None]


def _words_zh(target: Target, indicator: Indicator) -> str:
    """The target in words, saying so when the plan gives no year."""
    text = describe_target_zh(target, indicator)
    return text if target.target_year is not None else f"{text}{UNDATED_ZH}"


def _words_en(target: Target, indicator: Indicator) -> str:
    text = describe_target_en(target, indicator)
    return text if target.target_year is not None else f"{text}{UNDATED_EN}"


def _change_zh(target: Target, indicator: Indicator) -> str:
    """A reduction or addition in short words for a chart label, e.g. "下降 20%" or "力争新增 500 万千瓦"."""
    cmp = default_comparator(target, indicator)
    x = target.target_value
    if target.kind == "reduction":
        amount, verb = f"{format_number(x)}%", "下降"
    else:
        amount, verb = format_value_zh(x, indicator), "新增"
    how = {"≈": f"{verb} {amount} 左右", ">": f"{verb}超过 {amount}", "<=": f"{verb}不超过 {amount}",
           "<": f"{verb}少于 {amount}"}.get(cmp, f"{verb} {amount}")
    return f"力争{how}" if target.aspirational else how


def _change_value_zh(kind: str, value: float, indicator: Indicator) -> str:
    if value == 0:
        return "0"
    if kind == "reduction":
        return f"下降 {format_number(value)}%"
    return f"新增 {format_value_zh(value, indicator)}"


def _base_note_zh(target: Target, base: tuple[int, float], observations: tuple[Observation, ...]) -> str:
    published = {o.year: o.value for o in observations}
    if target.baseline_value is not None and target.baseline_year == base[0]:
        return "规划给出的基准值"
    if published.get(base[0]) == base[1]:
        return "公开数值"
    if target.kind == "count" and base[1] == 0:
        return "规划未给出基准值，按 0 起算"
    return "基准值"


def _row(year: int | None, kind: str, number: float, value: str, note: str, *, label: str = "",
         target_id: str = "", status: str = "") -> dict:
    return {"year": year, "kind": kind, "number": number, "value": value, "note": note, "label": label,
            "target_id": target_id, "status": status}


def _decimals(x: float) -> int:
    return len(format_number(x).partition(".")[2])


def _path_decimals(base_value: float, target_level: float) -> int:
    """Show a computed path one decimal finer than the figures it joins: 7.9 → 8.6 gives 8.04, 8.17, ..."""
    return max(_decimals(base_value), _decimals(target_level)) + 1


def _level_rows(indicator: Indicator, targets: list[Target], observations: tuple[Observation, ...],
                by_id: dict[str, Assessment]) -> list[dict]:
    """Published values, bases, dated targets, paths and undated targets (as rules), as levels of the indicator."""
    rows: list[dict] = []
    for obs in observations:
        note = STATUS_OF_VALUE_ZH.get(obs.status, obs.status)
        if obs.note:
            note = f"{note}；{obs.note}"
        rows.append(_row(obs.year, OBSERVED, obs.value, format_value_zh(obs.value, indicator), note,
                         status=obs.status))
    charted = _charted_targets(targets, by_id)
    bases: dict[tuple[int, float], str] = {}
    for target, assessment in charted:
        if assessment.baseline is not None and assessment.baseline not in bases:
            bases[assessment.baseline] = _base_note_zh(target, assessment.baseline, observations)
    for (year, value), note in sorted(bases.items()):
        text = format_value_zh(value, indicator)
        rows.append(_row(year, BASE, value, text, note, label=f"{year} 年基准 {text}"))
    for target, assessment in charted:
        text = format_value_zh(assessment.target_level, indicator)
        rows.append(_row(target.target_year, TARGET, assessment.target_level, text,
                         describe_target_zh(target, indicator), label=f"{target.target_year} 年目标 {text}",
                         target_id=target.target_id))
    for target in targets:
        level = _level_of(target, by_id)
        if target.target_year is None and level is not None:
            rows.append(_row(None, TARGET, level, format_value_zh(level, indicator), _words_zh(target, indicator),
                             label=f"目标：{describe_target_zh(target, indicator)}{UNDATED_ZH}",
                             target_id=target.target_id))
    for target, assessment in charted:
        if not assessment.required_path:
            continue
        base_value = assessment.required_path[0][1]
        how = ("按年均复合增长" if uses_compound_growth(target.kind, base_value, assessment.target_level)
               else "按每年相同增量")
        note = f"实现 {target.target_year} 年目标所需路径（{how}，计算值）"
        decimals = _path_decimals(base_value, assessment.target_level)
        for year, value in assessment.required_path:
            number = round(value, decimals)
            rows.append(_row(year, PATH, number, format_value_zh(number, indicator), note,
                             target_id=target.target_id))
    return rows


def _change_path(kind: str, x: float, base_year: int, target_year: int) -> list[tuple[int, float]]:
    """The change needed each year, computed as progress.py computes a path between levels.

    A reduction follows compound growth of the level, so the reduction needed after k of n
    years is 1 − (1 − x/100)^(k/n), whatever the (unpublished) base value is; an addition
    grows by equal steps.
    """
    span = target_year - base_year
    remaining = 1 - x / 100
    points = []
    for k in range(span + 1):
        if kind == "reduction" and uses_compound_growth(kind, 1.0, remaining):
            value = 100 * (1 - remaining ** (k / span))
        else:
            value = x * k / span
        points.append((base_year + k, value))
    points[-1] = (target_year, x)
    return points


def _change_rows(indicator: Indicator, kind: str, base_year: int | None, drawn: list[Target],
                 observations: tuple[Observation, ...]) -> list[dict]:
    """The plan's start (0), targets and required paths as change since base_year, in the plan's own terms."""
    rows: list[dict] = []
    dated = [t for t in drawn if t.target_year is not None]
    if base_year is not None and dated:
        quantity = "下降幅度" if kind == "reduction" else "新增量"
        note = f"规划起点：{quantity}从 {base_year} 年算起"
        if base_year not in {o.year for o in observations}:
            note += f"；{base_year} 年的数值没有公开"
        rows.append(_row(base_year, BASE, 0.0, "0", note, label=f"{base_year} 年起点 0"))
    for target in drawn:
        x = target.target_value
        value = _change_value_zh(kind, x, indicator)
        if target in dated:
            rows.append(_row(target.target_year, TARGET, x, value, describe_target_zh(target, indicator),
                             label=f"{target.target_year} 年目标：{_change_zh(target, indicator)}",
                             target_id=target.target_id))
        else:
            rows.append(_row(None, TARGET, x, value, _words_zh(target, indicator),
                             label=f"目标：{_change_zh(target, indicator)}{UNDATED_ZH}", target_id=target.target_id))
    for target in dated:
        if base_year is None or target.target_value == 0:
            continue
        how = ("按每年相同的下降率" if kind == "reduction" and target.target_value < 100
               else "按每年相同增量")
        note = f"实现 {target.target_year} 年目标所需路径（{how}，计算值）"
        decimals = _path_decimals(0, target.target_value)
        for year, value in _change_path(kind, target.target_value, base_year, target.target_year):
            number = round(value, decimals)
            rows.append(_row(year, PATH, number, _change_value_zh(kind, number, indicator), note,
                             target_id=target.target_id))
    return rows


def _sorted(rows: list[dict]) -> tuple[dict, ...]:
    """By year (targets without a year last), then kind, target and number: the same order for any input order."""
    order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return tuple(sorted(rows, key=lambda r: (r["year"] is None, r["year"] or 0, order[r["kind"]],
                                             r["target_id"], r["number"])))


def _layout(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
            assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> _Layout:
    """Decide what the chart draws.

    Levels of the indicator when any target can be one (or there are only published values);
    otherwise change since the base year, the way the plan states a reduction or addition whose
    base-year value is not published. Published values cannot be placed on that axis and are
    then left out (the summary says so).
    """
    own_targets, own_obs = _own(indicator, targets, observations)
    by_id = _by_target(assessments)
    numeric = _numeric(own_targets)
    as_level = [t for t in numeric if _level_of(t, by_id) is not None]
    as_change = [t for t in numeric if _level_of(t, by_id) is None]
    if as_level or (own_obs and not as_change):
        rows = _level_rows(indicator, own_targets, own_obs, by_id)
        mode, kind, base_year = "level", None, None
    elif as_change:
        first = next((t for t in as_change if t.target_year is not None), as_change[0])
        mode, kind, base_year = "change", first.kind, first.baseline_year
        same = [t for t in as_change if t.kind == kind and t.baseline_year == base_year
                and (t.target_year is None or base_year is None or t.target_year > base_year)]
        rows = _change_rows(indicator, kind, base_year, same, own_obs)
    else:
        return _Layout("none", (), (), (), own_obs)
    shown = {r["target_id"] for r in rows if r["kind"] == TARGET}
    drawn = tuple(t for t in numeric if t.target_id in shown)
    undrawn = tuple(t for t in numeric if t.target_id not in shown)
    return _Layout(mode, _sorted(rows), drawn, undrawn, own_obs, kind, base_year)


def chart_table(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> list[dict]:
    """Rows for the chart's accessible data table: year (NO_YEAR_ZH when the plan gives none), kind,
    value (text with unit), number, note.

    Only what the chart draws, by year then kind. The required path is listed for the years a
    reader compares it with: its first year, the target year and every year with a drawn
    published value (the chart draws every year).
    """
    return _table(_layout(indicator, targets, observations, assessments))


def _table(layout: _Layout) -> list[dict]:
    published = {r["year"] for r in layout.rows if r["kind"] == OBSERVED}
    ends: dict[str, tuple[int, int]] = {}
    for row in layout.rows:
        if row["kind"] == PATH:
            first, last = ends.get(row["target_id"], (row["year"], row["year"]))
            ends[row["target_id"]] = (min(first, row["year"]), max(last, row["year"]))
    return [{"year": r["year"] if r["year"] is not None else NO_YEAR_ZH, "kind": r["kind"], "value": r["value"],
             "number": r["number"], "note": r["note"]}
            for r in layout.rows
            if r["kind"] != PATH or r["year"] in published or r["year"] in ends[r["target_id"]]]


def _headline(charted: list[tuple[Target, Assessment]], year: int) -> tuple[Target, Assessment] | None:
    """The target the latest value is compared with: the first one due in or after that year, else the last."""
    if not charted:
        return None
    due = [pair for pair in charted if pair[0].target_year >= year]
    return due[0] if due else charted[-1]


def _relation(value: float, level: float, words: tuple[str, str, str]) -> str:
    if abs(value - level) <= 1e-9 * max(1.0, abs(level)):
        return words[0]
    return words[1] if value > level else words[2]


def chart_summary_zh(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                     assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> str:
    """One plain-language Chinese sentence: where the latest value stands against the target, as drawn."""
    return _summary_zh(_layout(indicator, targets, observations, assessments), indicator, _by_target(assessments))


def _summary_zh(layout: _Layout, indicator: Indicator, by_id: dict[str, Assessment]) -> str:
    drawn = "、".join(_words_zh(t, indicator) for t in layout.drawn)
    extra = ("；另有目标" + "、".join(_words_zh(t, indicator) for t in layout.undrawn) + "无法在图中标出"
             if layout.undrawn else "")
    head = ""
    if layout.observations:
        latest = layout.observations[-1]
        value = format_value_zh(latest.value, indicator)
        if latest.status == "preliminary":
            value += "（初步数）"
        head = f"最新公开数值为 {latest.year} 年的 {value}"
    if layout.mode == "change":
        b = layout.base_year
        if layout.change_kind == "reduction":
            quantity, since = "下降幅度", (f"比 {b} 年的下降幅度" if b is not None else "下降幅度")
        else:
            quantity, since = "新增量", (f"{b} 年以来的新增量" if b is not None else "新增量")
        if not head:
            start = f"图中以 {b} 年为起点画出{quantity}" if b is not None else f"图中按{quantity}画出"
            return f"暂无公开数值；规划目标为{_sp(drawn)}，{start}{extra}。"
        missing = f"{b} 年的数值没有公开" if b is not None else "规划没有给出基准年"
        return f"{head}，但{_sp(missing)}，无法换算为{since}，图中只画出规划目标：{drawn}{extra}。"
    if not head:
        if drawn:
            return f"暂无公开数值；规划目标为{_sp(drawn)}{extra}。"
        return "暂无公开数值；规划没有给出具体数值目标。"
    pair = _headline(_charted_targets([t for t in layout.drawn], by_id), layout.observations[-1].year)
    latest = layout.observations[-1]
    if pair is not None:
        target, assessment = pair
        level = assessment.target_level
        status = STATUS_LABEL_ZH.get(assessment.status, assessment.status)
        relation = _relation(latest.value, level, ("等于", "高于", "低于"))
        return (f"{head}，{relation} {target.target_year} 年目标 {format_value_zh(level, indicator)}"
                f"（进展状态：{status}）{extra}。")
    undated = [t for t in layout.drawn if t.target_year is None]
    if undated:
        target = undated[0]
        level = _level_of(target, by_id)
        relation = _relation(latest.value, level, ("等于", "高于", "低于"))
        assessment = by_id.get(target.target_id)
        status = f"；进展状态：{STATUS_LABEL_ZH.get(assessment.status, assessment.status)}" if assessment else ""
        return (f"{head}，{relation}目标 {format_value_zh(level, indicator)}"
                f"（规划未给出年份{status}）{extra}。")
    if layout.undrawn:
        return f"{head}{extra}。"
    return f"{head}；规划没有给出具体数值目标。"


def chart_summary_en(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                     assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> str:
    """One plain-language English sentence: where the latest value stands against the target, as drawn."""
    layout = _layout(indicator, targets, observations, assessments)
    by_id = _by_target(assessments)
    drawn = "; ".join(_words_en(t, indicator) for t in layout.drawn)
    extra = ("; the chart cannot show the other targets: " + "; ".join(_words_en(t, indicator) for t in layout.undrawn)
             if layout.undrawn else "")
    head = ""
    if layout.observations:
        latest = layout.observations[-1]
        value = format_value_en(latest.value, indicator)
        if latest.status == "preliminary":
            value += f" ({STATUS_OF_VALUE_EN['preliminary']})"
        head = f"The latest published value is {value} for {latest.year}"
    if layout.mode == "change":
        b = layout.base_year
        if layout.change_kind == "reduction":
            quantity, since = "the reduction", (f"a reduction from {b}" if b is not None else "a reduction")
        else:
            quantity, since = "the addition", (f"an addition since {b}" if b is not None else "an addition")
        if not head:
            start = f"the chart draws {quantity} from {b}" if b is not None else f"the chart draws {quantity}"
            return f"No value has been published yet; the plan's targets are: {drawn}; {start}{extra}."
        missing = f"the value for {b} is not published" if b is not None else "the plan gives no base year"
        return (f"{head}, but {missing}, so it cannot be turned into {since}; the chart shows only the plan's "
                f"targets: {drawn}{extra}.")
    if not head:
        if drawn:
            return f"No value has been published yet; the plan's targets are: {drawn}{extra}."
        return "No value has been published yet, and the plan gives no numeric target."
    latest = layout.observations[-1]
    pair = _headline(_charted_targets(list(layout.drawn), by_id), latest.year)
    if pair is not None:
        target, assessment = pair
        level = assessment.target_level
        status = STATUS_LABEL_EN.get(assessment.status, assessment.status)
        relation = _relation(latest.value, level, ("equal to", "above", "below"))
        return (f"{head}, {relation} the {target.target_year} target of {format_value_en(level, indicator)} "
                f"(status: {status}){extra}.")
    undated = [t for t in layout.drawn if t.target_year is None]
    if undated:
        target = undated[0]
        level = _level_of(target, by_id)
        relation = _relation(latest.value, level, ("equal to", "above", "below"))
        assessment = by_id.get(target.target_id)
        status = f"; status: {STATUS_LABEL_EN.get(assessment.status, assessment.status)}" if assessment else ""
        return (f"{head}, {relation} the target of {format_value_en(level, indicator)} "
                f"(the plan gives no year{status}){extra}.")
    if layout.undrawn:
        return f"{head}{extra}."
    return f"{head}; the plan gives no numeric target."


def _sp(text: str) -> str:
    """A leading space where Chinese text runs into a number, as in “为 2020 年”."""
    return f" {text}" if text[:1].isascii() and text[:1].isalnum() else text


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


def _y_title(layout: _Layout, indicator: Indicator) -> str:
    unit = indicator.unit.strip()
    if layout.mode == "change":
        b = layout.base_year
        if layout.change_kind == "reduction":
            return f"比 {b} 年下降（%）" if b is not None else "下降幅度（%）"
        suffix = "" if unit in ("", "无") else f"（{unit}）"
        return f"{b} 年以来累计新增{suffix}" if b is not None else f"新增{suffix}"
    return "数值" if unit in ("", "无") else f"单位：{unit}"


def indicator_chart(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                    assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> dict | None:
    """The indicator's Vega-Lite spec (dict), or None when there is neither a published value nor a numeric target."""
    return chart_parts(indicator, targets, observations, assessments).spec


@dataclass(frozen=True)
class ChartParts:
    """An indicator's chart as the page shows it: spec, one-sentence summary and table rows."""

    spec: dict | None  # None when there is neither a published value nor a numeric target
    summary_zh: str
    table: list[dict]


def chart_parts(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                assessments: Mapping[str, Assessment] | Iterable[Assessment]) -> ChartParts:
    """indicator_chart, chart_summary_zh and chart_table together, deciding the layout once."""
    layout = _layout(indicator, targets, observations, assessments)
    summary = _summary_zh(layout, indicator, _by_target(assessments))
    spec = None
    if layout.rows:
        shape, fill = _chart_shape(layout, indicator)
        spec = _fill(json.loads(_template(shape)), fill, description=summary)
    return ChartParts(spec, summary, _table(layout))


@dataclass(frozen=True)
class _Shape:
    """What decides a chart's structure: which series it draws and how its axes are set up."""

    present: tuple[str, ...]  # series drawn against years, in legend order
    dated: bool  # has a year axis
    undated: bool  # has a target without a year (a rule across the chart)
    fixed_y: bool  # y runs over a computed range (change from 0, or a lone rule) rather than the data's
    y_title: str


@dataclass(frozen=True)
class _Fill:
    """What each indicator's chart adds to its shape."""

    data: tuple[dict, ...]
    x_domain: tuple[int, int] | None
    y_domain: tuple[float, float] | None


def _chart_shape(layout: _Layout, indicator: Indicator) -> tuple[_Shape, _Fill]:
    rows = [dict(r) for r in layout.rows]
    _segments(rows)
    data = tuple({"year": r["year"], "kind": r["kind"], "value": r["number"], "text": r["value"],
                  "note": r["note"], "label": r["label"], "target_id": r["target_id"],
                  "preliminary": r["status"] == "preliminary", "segment": r.get("segment", 0),
                  "undated": r["year"] is None} for r in rows)
    dated = [r for r in rows if r["year"] is not None]
    # The legend names the series drawn against years; a target without a year carries its own label.
    present = tuple(kind for kind in KIND_ORDER if any(r["kind"] == kind for r in dated))
    x_domain = None
    if dated:
        low, high = min(r["year"] for r in dated), max(r["year"] for r in dated)
        x_domain = (low - 1, high + 1) if low == high else (low, high)
    fixed_y = layout.mode == "change" or not dated
    y_domain = None
    if fixed_y:
        # Change is counted from 0, and a lone rule needs 0 for scale; leave room above the highest label.
        numbers = [r["number"] for r in rows]
        top = max(max(numbers), 0.0)
        y_domain = (min(min(numbers), 0.0), round(top * 1.2, 6) if top > 0 else 1)
    shape = _Shape(present, bool(dated), len(dated) < len(rows), fixed_y, _y_title(layout, indicator))
    return shape, _Fill(data, x_domain, y_domain)


def _fill(spec: dict, fill: _Fill, *, description: str) -> dict:
    """Put one indicator's values, description and axis ranges into a spec of its shape."""
    spec["data"] = {"values": [dict(row) for row in fill.data]}
    spec["description"] = description
    for layer in spec["layer"]:
        encoding = layer.get("encoding", {})
        if fill.x_domain is not None and "scale" in encoding.get("x", {}):
            encoding["x"]["scale"]["domain"] = list(fill.x_domain)
        if fill.y_domain is not None and "scale" in encoding.get("y", {}):
            encoding["y"]["scale"]["domain"] = list(fill.y_domain)
    return spec


@lru_cache(maxsize=None)
def _template(shape: _Shape) -> str:
    """The spec (JSON) of one shape of chart, with placeholder data and ranges.

    Altair builds and validates a spec once per shape; each indicator's chart is that spec
    with its own values filled in (``_fill``). Building every chart with Altair cost
    ~110 ms, most of a 1,000-indicator build. tests/unit/test_charts.py checks that the
    filled template equals what Altair builds directly.
    """
    placeholder = _Fill((), (0, 1) if shape.dated else None, (0.0, 1.0) if shape.fixed_y else None)
    return json.dumps(_altair_spec(shape, placeholder, description=""), ensure_ascii=False, sort_keys=True)


def _altair_spec(shape: _Shape, fill: _Fill, *, description: str) -> dict:
    """The chart built by Altair from its shape and values.

    Altair's own JSON-schema check is skipped: it cost ~1 s a build, and tests/unit/test_charts.py
    validates the specs of every real and synthetic indicator against the Vega-Lite schema.
    """
    present = list(shape.present)
    x = None
    if shape.dated:
        x = alt.X("year:Q", title="年份", scale=alt.Scale(domain=list(fill.x_domain), nice=False, padding=14),
                  axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0, labelOverlap=True))
    if shape.fixed_y:
        scale = alt.Scale(domain=list(fill.y_domain), nice=True)
    else:
        scale = alt.Scale(zero=False, nice=True, padding=12)
    y = alt.Y("value:Q", title=shape.y_title, scale=scale)
    colour = alt.Color("kind:N", title=None, sort=present,
                       scale=alt.Scale(domain=present, range=[COLOURS[k] for k in present]),
                       legend=alt.Legend(orient="bottom", direction="horizontal", symbolStrokeWidth=2))
    marker = alt.Shape("kind:N", title=None, sort=present,
                       scale=alt.Scale(domain=present, range=[SHAPES[k] for k in present]))
    dash = alt.StrokeDash("kind:N", title=None, sort=present,
                          scale=alt.Scale(domain=present, range=[DASH[k] for k in present]))
    tooltip = [alt.Tooltip("year:Q", title="年份", format="d"), alt.Tooltip("kind:N", title="类别"),
               alt.Tooltip("text:N", title="数值"), alt.Tooltip("note:N", title="说明")]

    base = alt.Chart(alt.Data(values=[dict(row) for row in fill.data]))
    layers = []
    if PATH in present:
        layers.append(base.transform_filter(alt.datum.kind == PATH).mark_line(strokeWidth=2).encode(
            x=x, y=y, color=colour, strokeDash=dash, detail="target_id:N", order="year:Q"))
    if OBSERVED in present:
        layers.append(base.transform_filter(alt.datum.kind == OBSERVED).mark_line(strokeWidth=2.5).encode(
            x=x, y=y, color=colour, strokeDash=dash, detail="segment:Q", order="year:Q"))
        # Preliminary values are drawn hollow and say so in the tooltip and the table.
        layers.append(base.transform_filter(alt.datum.kind == OBSERVED).mark_point(size=70, strokeWidth=2, opacity=1)
                      .encode(x=x, y=y, color=colour, shape=marker, tooltip=tooltip,
                              fill=alt.condition(alt.datum.preliminary, alt.value("#ffffff"),
                                                 alt.value(COLOURS[OBSERVED]))))
    for kind, align, dx in ((BASE, "left", 8), (TARGET, "right", -8)):
        if kind not in present:
            continue
        selected = (alt.datum.kind == kind) & ~alt.datum.undated
        layers.append(base.transform_filter(selected).mark_point(size=110, filled=True, opacity=1)
                      .encode(x=x, y=y, color=colour, shape=marker, tooltip=tooltip))
        layers.append(base.transform_filter(selected)
                      .mark_text(align=align, dx=dx, dy=-12, fontSize=12, color=COLOURS[kind])
                      .encode(x=x, y=y, text="label:N"))
    if shape.undated:
        # A target without a year has no x position: a rule across the whole chart, labelled as such.
        selected = alt.datum.undated
        layers.append(base.transform_filter(selected).mark_rule(strokeWidth=2, color=COLOURS[TARGET])
                      .encode(y=y, tooltip=[alt.Tooltip("kind:N", title="类别"), alt.Tooltip("text:N", title="数值"),
                                            alt.Tooltip("note:N", title="说明")]))
        layers.append(base.transform_filter(selected)
                      .mark_text(align="right", dx=-4, dy=-8, fontSize=12, color=COLOURS[TARGET])
                      .encode(x=alt.value("width"), y=y, text="label:N"))

    # One LayerChart with its config, rather than .properties() and four .configure_*() calls:
    # each of those deep-copies the whole chart, and together they were a third of a template's cost.
    config = alt.Config(
        font=FONT,
        axis=alt.AxisConfig(labelFontSize=12, titleFontSize=12, labelColor="#333333", titleColor="#333333"),
        legend=alt.LegendConfig(labelFontSize=12, titleFontSize=12, labelColor="#333333", titleColor="#333333"),
        view=alt.ViewConfig(stroke=None))
    chart = alt.LayerChart(layer=layers, width="container", height=HEIGHT, description=description,
                           autosize=alt.AutoSizeParams(type="fit-x", contains="padding"), config=config)
    return chart.to_dict(validate=False)
