"""One chart per indicator: published values, targets, base and required path as a Vega-Lite spec.

The only user of Altair. ``_layout`` decides once what is drawn; the spec, the summary
sentence and the data table are all read from it, so they always agree. Rows carry
data keys (``kind``: observed, base, target, path) apart from the words readers see
(``series``, ``label``, ``note``), which come from ``builder.text``.

Every numeric target is drawn, in the plan's own terms when it cannot be a level of the
indicator: a reduction or addition whose base-year value is not published is drawn on an
axis of change since the base year; a target without a year is a horizontal rule. The
base is drawn as its own mark only when it is not a published value (the plan's own
figure, or 0 for a count); a published base is the published value, drawn as one. Published
values are drawn last, above everything else. Specs carry their data inline (no URL) and a
``description`` Vega uses as the chart's aria-label; the same inputs give the same dict.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import altair as alt

from builder.model import Indicator, Observation, Target, preferred_observations
from builder.progress import NUMERIC_KINDS, Assessment, uses_compound_growth
from builder.text import zh

# The Vega-Lite version Altair writes; ship the matching library: vl_convert.javascript_bundle(vl_version=...).
VEGA_LITE_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]  # e.g. "6.4"

FONT = "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
HEIGHT = 260

OBSERVED, BASE, TARGET, PATH = "observed", "base", "target", "path"
KIND_ORDER = (OBSERVED, BASE, TARGET, PATH)  # table order within a year, and legend order

# Each series differs by colour AND by mark: filled circles on a solid line, squares,
# diamonds with text labels, a dashed line. All colours have ≥ 4.5:1 contrast on white.
COLOURS = {OBSERVED: "#1f5a96", BASE: "#4d4d4d", TARGET: "#a8421a", PATH: "#5c5c5c"}
SHAPES = {OBSERVED: "circle", BASE: "square", TARGET: "diamond", PATH: "stroke"}
DASH = {OBSERVED: [1, 0], BASE: [1, 0], TARGET: [1, 0], PATH: [6, 4]}


@dataclass(frozen=True)
class Layout:
    """What one indicator's chart draws; the spec, the summary and the table are all read from it."""

    mode: str  # "level": values of the indicator; "change": reduction/addition since base_year; "none": nothing
    rows: tuple[dict, ...]  # every drawn item: year (None for a rule), kind, number, value, note, label, ...
    drawn: tuple[Target, ...]  # the numeric targets drawn, by year (undated last)
    undrawn: tuple[Target, ...]  # numeric targets this chart cannot show (another base or kind)
    observations: tuple[Observation, ...]  # the indicator's published values, one per year
    change_kind: str | None = None  # change mode: "reduction" or "addition"
    base_year: int | None = None  # change mode: the year the change is counted from
    paths: tuple[tuple[Target, tuple[tuple[int, float], ...], bool], ...] = ()  # (target, path, compound) drawn


@dataclass(frozen=True)
class ChartParts:
    """An indicator's chart as the page shows it: spec, one-sentence summary, table rows and the path in words."""

    spec: dict | None  # None when there is neither a published value nor a numeric target
    summary_zh: str
    table: list[dict]  # year, kind (series word), value (text), number, note: published values, bases, targets
    path_zh: str  # the required path as a sentence ("" when none is drawn)


def _own(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation]
         ) -> tuple[list[Target], tuple[Observation, ...]]:
    own_targets = sorted((t for t in targets if t.indicator_id == indicator.indicator_id),
                         key=lambda t: (t.target_year is None, t.target_year or 0, t.target_id))
    own_obs = preferred_observations([o for o in observations if o.indicator_id == indicator.indicator_id])
    return own_targets, own_obs


def _numeric(targets) -> list[Target]:
    return [t for t in targets if t.kind in NUMERIC_KINDS and t.target_value is not None]


def _level_of(target: Target, by_id: Mapping[str, Assessment]) -> float | None:
    """The target as a level of the indicator, when it can be one."""
    assessment = by_id.get(target.target_id)
    if assessment is not None and assessment.target_level is not None:
        return assessment.target_level
    if target.kind in ("level", "count"):
        return target.target_value
    return None


def _charted_targets(targets, by_id: Mapping[str, Assessment]) -> list[tuple[Target, Assessment]]:
    """Targets drawn as a point: a year, an assessment and a level of the indicator."""
    return [(t, by_id[t.target_id]) for t in targets
            if t.target_id in by_id and t.target_year is not None and by_id[t.target_id].target_level is not None]


def _row(year: int | None, kind: str, number: float, value: str, note: str, *, label: str = "",
         target_id: str = "", status: str = "") -> dict:
    return {"year": year, "kind": kind, "number": number, "value": value, "note": note, "label": label,
            "target_id": target_id, "status": status}


def _decimals(x: float) -> int:
    return len(zh.number(x).partition(".")[2])


def _path_decimals(base_value: float, target_level: float) -> int:
    """Show a computed path one decimal finer than the figures it joins: 7.9 → 8.6 gives 8.04, 8.17, ..."""
    return max(_decimals(base_value), _decimals(target_level)) + 1


def _level_rows(indicator: Indicator, targets: list[Target], observations: tuple[Observation, ...],
                by_id: Mapping[str, Assessment]) -> tuple[list[dict], list]:
    """Published values, plan-given bases, dated targets, paths and undated targets (as rules), as levels."""
    rows: list[dict] = []
    charted = _charted_targets(targets, by_id)
    published = {o.year: o.value for o in observations}
    bases: dict[tuple[int, float], str] = {}
    published_bases: set[int] = set()
    for target, assessment in charted:
        base = assessment.baseline
        if base is None:
            continue
        if published.get(base[0]) == base[1]:
            published_bases.add(base[0])  # the published value is the base: drawn once, as a published value
        elif base not in bases:
            bases[base] = zh.chart_base_note(target, assessment)
    for obs in observations:
        note = zh.chart_observation_note(obs, as_base=obs.year in published_bases)
        rows.append(_row(obs.year, OBSERVED, obs.value, zh.value_of(obs.value, indicator), note, status=obs.status))
    for (year, value), note in sorted(bases.items()):
        text = zh.value_of(value, indicator)
        rows.append(_row(year, BASE, value, text, note, label=zh.chart_base_label(year, text)))
    for target, assessment in charted:
        text = zh.value_of(assessment.target_level, indicator)
        rows.append(_row(target.target_year, TARGET, assessment.target_level, text,
                         zh.describe_target(target, indicator), label=zh.chart_target_label(target.target_year, text),
                         target_id=target.target_id))
    for target in targets:
        level = _level_of(target, by_id)
        if target.target_year is None and level is not None:
            rows.append(_row(None, TARGET, level, zh.value_of(level, indicator), zh.chart_words(target, indicator),
                             label=zh.chart_undated_label(target, indicator), target_id=target.target_id))
    paths = []
    for target, assessment in charted:
        if not assessment.required_path:
            continue
        base_value = assessment.required_path[0][1]
        compound = uses_compound_growth(target.kind, base_value, assessment.target_level)
        decimals = _path_decimals(base_value, assessment.target_level)
        points = tuple((year, round(value, decimals)) for year, value in assessment.required_path)
        paths.append((target, points, compound))
        for year, number in points:
            rows.append(_row(year, PATH, number, zh.value_of(number, indicator), "", target_id=target.target_id))
    return rows, paths


def _change_path(kind: str, x: float, base_year: int, target_year: int) -> list[tuple[int, float]]:
    """The change needed each year, computed as progress computes a path between levels.

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
                 observations: tuple[Observation, ...]) -> tuple[list[dict], list]:
    """The plan's start (0), targets and required paths as change since base_year, in the plan's own terms."""
    rows: list[dict] = []
    dated = [t for t in drawn if t.target_year is not None]
    if base_year is not None and dated:
        note = zh.chart_change_start_note(kind, base_year, base_year in {o.year for o in observations})
        rows.append(_row(base_year, BASE, 0.0, "0", note, label=zh.chart_change_start_label(base_year)))
    for target in drawn:
        x = target.target_value
        value = zh.chart_change_value(kind, x, indicator)
        if target in dated:
            rows.append(_row(target.target_year, TARGET, x, value, zh.describe_target(target, indicator),
                             label=zh.chart_change_target_label(target, indicator), target_id=target.target_id))
        else:
            rows.append(_row(None, TARGET, x, value, zh.chart_words(target, indicator),
                             label=zh.chart_change_undated_label(target, indicator), target_id=target.target_id))
    paths = []
    for target in dated:
        if base_year is None or target.target_value == 0:
            continue
        compound = kind == "reduction" and target.target_value < 100
        decimals = _path_decimals(0, target.target_value)
        points = tuple((year, round(value, decimals))
                       for year, value in _change_path(kind, target.target_value, base_year, target.target_year))
        paths.append((target, points, compound))
        for year, number in points:
            rows.append(_row(year, PATH, number, zh.chart_change_value(kind, number, indicator), "",
                             target_id=target.target_id))
    return rows, paths


def _sorted(rows: list[dict]) -> tuple[dict, ...]:
    """By year (targets without a year last), then kind, target and number: the same order for any input order."""
    order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return tuple(sorted(rows, key=lambda r: (r["year"] is None, r["year"] or 0, order[r["kind"]],
                                             r["target_id"], r["number"])))


def layout_of(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
              assessments: Mapping[str, Assessment]) -> Layout:
    """Decide what the chart draws (assessments by target_id).

    Levels of the indicator when any target can be one (or there are only published values);
    otherwise change since the base year, the way the plan states a reduction or addition whose
    base-year value is not published. Published values cannot be placed on that axis and are
    then left out (the summary says so).
    """
    own_targets, own_obs = _own(indicator, targets, observations)
    numeric = _numeric(own_targets)
    as_level = [t for t in numeric if _level_of(t, assessments) is not None]
    as_change = [t for t in numeric if _level_of(t, assessments) is None]
    if as_level or (own_obs and not as_change):
        rows, paths = _level_rows(indicator, own_targets, own_obs, assessments)
        mode, kind, base_year = "level", None, None
    elif as_change:
        first = next((t for t in as_change if t.target_year is not None), as_change[0])
        mode, kind, base_year = "change", first.kind, first.baseline_year
        same = [t for t in as_change if t.kind == kind and t.baseline_year == base_year
                and (t.target_year is None or base_year is None or t.target_year > base_year)]
        rows, paths = _change_rows(indicator, kind, base_year, same, own_obs)
    else:
        return Layout("none", (), (), (), own_obs)
    shown = {r["target_id"] for r in rows if r["kind"] == TARGET}
    drawn = tuple(t for t in numeric if t.target_id in shown)
    undrawn = tuple(t for t in numeric if t.target_id not in shown)
    return Layout(mode, _sorted(rows), drawn, undrawn, own_obs, kind, base_year, tuple(paths))


def _table(layout: Layout) -> list[dict]:
    """The data table: what was published and what the plan says, never a computed row (the path is a sentence)."""
    return [{"year": r["year"] if r["year"] is not None else zh.CHART_NO_YEAR, "kind": zh.SERIES[r["kind"]],
             "value": r["value"], "number": r["number"], "note": r["note"]}
            for r in layout.rows if r["kind"] != PATH]


def chart_parts(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
                assessments: Mapping[str, Assessment]) -> ChartParts:
    """The spec, summary sentence, table and path sentence of an indicator's chart, deciding the layout once."""
    layout = layout_of(indicator, targets, observations, assessments)
    summary = zh.chart_summary(layout, indicator, assessments)
    spec = None
    if layout.rows:
        shape, fill = chart_shape(layout, indicator)
        spec = _fill(json.loads(_template(shape)), fill, description=summary)
    return ChartParts(spec, summary, _table(layout), zh.chart_path_sentence(layout, indicator))


def spec_to_json(spec: dict) -> str:
    """The spec as JSON text that is safe inside <script type="application/json"> and byte-stable."""
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # "</script>" or "<!--" in a note must not end the script element early; U+2028/9 end lines in old JS.
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@dataclass(frozen=True)
class Shape:
    """What decides a chart's structure: which series it draws and how its axes are set up."""

    present: tuple[str, ...]  # series drawn against years, in legend order (keys)
    dated: bool  # has a year axis
    undated: bool  # has a target without a year (a rule across the chart)
    fixed_y: bool  # y runs over a computed range (change from 0, or a lone rule) rather than the data's
    y_title: str
    years: int  # how many year ticks the axis has (their values are filled in)


@dataclass(frozen=True)
class Fill:
    """What each indicator's chart adds to its shape."""

    data: tuple[dict, ...]
    x_domain: tuple[int, int] | None
    y_domain: tuple[float, float] | None
    ticks: tuple[int, ...]  # the integer years labelled on the x axis


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


MAX_TICKS = 8  # at most this many year labels, so they never crowd at 320 px
# Vega writes the first line of a label at its anchor and the second 14 px (12 px text) below it:
# the anchor goes two lines up so the whole label sits above its point.
LABEL_DY = -8 - 14


def _side(year: int | None, domain: tuple[int, int] | None) -> str:
    """Which way a point's label reads, so it never runs off the chart: from the left third rightwards,
    from the right third leftwards, centred in between."""
    if year is None or domain is None:
        return "left"
    low, high = domain
    third = (high - low) / 3
    if year <= low + third:
        return "left"
    if year >= high - third:
        return "right"
    return "center"


def year_ticks(low: int, high: int) -> tuple[int, ...]:
    """Integer years to label between low and high: every year, or every 2nd, 5th or 10th when many."""
    span = high - low
    for step in (1, 2, 5, 10, 20, 50):
        if span // step + 1 <= MAX_TICKS:
            first = low + (-low) % step
            ticks = tuple(range(first, high + 1, step))
            return ticks or (low,)
    return (low, high)


def chart_shape(layout: Layout, indicator: Indicator) -> tuple[Shape, Fill]:
    rows = [dict(r) for r in layout.rows]
    _segments(rows)
    dated = [r for r in rows if r["year"] is not None]
    x_domain = None
    ticks: tuple[int, ...] = ()
    if dated:
        low, high = min(r["year"] for r in dated), max(r["year"] for r in dated)
        x_domain = (low - 1, high + 1) if low == high else (low, high)
        ticks = year_ticks(*x_domain) if low != high else (low,)
    data = tuple({"year": r["year"], "kind": r["kind"], "series": zh.SERIES[r["kind"]], "value": r["number"],
                  "text": r["value"], "note": r["note"], "label": r["label"], "target_id": r["target_id"],
                  "side": _side(r["year"], x_domain),
                  "preliminary": r["status"] == "preliminary", "segment": r.get("segment", 0),
                  "undated": r["year"] is None} for r in rows)
    # The legend names the series drawn against years; a target without a year carries its own label.
    present = tuple(kind for kind in KIND_ORDER if any(r["kind"] == kind for r in dated))
    fixed_y = layout.mode == "change" or not dated
    y_domain = None
    if fixed_y:
        # Change is counted from 0, and a lone rule needs 0 for scale; leave room above the highest label.
        numbers = [r["number"] for r in rows]
        top = max(max(numbers), 0.0)
        y_domain = (min(min(numbers), 0.0), round(top * 1.2, 6) if top > 0 else 1)
    # Axis titles are compiled into Vega expressions (the chart's aria description), where a line
    # break ends the string: whitespace from the data is collapsed to single spaces.
    y_title = " ".join(zh.chart_y_title(layout, indicator).split())
    shape = Shape(present, bool(dated), len(dated) < len(rows), fixed_y, y_title, len(ticks))
    return shape, Fill(data, x_domain, y_domain, ticks)


def _fill(spec: dict, fill: Fill, *, description: str) -> dict:
    """Put one indicator's values, description, axis ranges and ticks into a spec of its shape."""
    spec["data"] = {"values": [dict(row) for row in fill.data]}
    spec["description"] = description
    for layer in spec["layer"]:
        encoding = layer.get("encoding", {})
        x = encoding.get("x", {})
        if fill.x_domain is not None and "scale" in x:
            x["scale"]["domain"] = list(fill.x_domain)
        if "axis" in x and isinstance(x["axis"], dict) and "values" in x["axis"]:
            x["axis"]["values"] = list(fill.ticks)
        if fill.y_domain is not None and "scale" in encoding.get("y", {}):
            encoding["y"]["scale"]["domain"] = list(fill.y_domain)
    return spec


@lru_cache(maxsize=None)
def _template(shape: Shape) -> str:
    """The spec (JSON) of one shape of chart, with placeholder data and ranges.

    Altair builds a spec once per shape; each indicator's chart is that spec with its own
    values filled in (``_fill``). tests/unit/test_charts.py checks that the filled template
    equals what Altair builds directly.
    """
    placeholder = Fill((), (0, 1) if shape.dated else None, (0.0, 1.0) if shape.fixed_y else None,
                       tuple(range(shape.years)))
    return json.dumps(altair_spec(shape, placeholder, description=""), ensure_ascii=False, sort_keys=True)


def altair_spec(shape: Shape, fill: Fill, *, description: str) -> dict:
    """The chart built by Altair from its shape and values.

    Altair's own JSON-schema check is skipped (it cost ~1 s a build); tests/unit/test_charts.py
    validates the specs of every real and synthetic indicator against the Vega-Lite schema.
    """
    present = list(shape.present)
    labels = [zh.SERIES[k] for k in present]
    x = None
    if shape.dated:
        x = alt.X("year:Q", title="年份", scale=alt.Scale(domain=list(fill.x_domain), nice=False, padding=14),
                  axis=alt.Axis(format="d", values=list(fill.ticks), labelAngle=0, labelOverlap=True,
                                labelFlush=True))
    if shape.fixed_y:
        scale = alt.Scale(domain=list(fill.y_domain), nice=True)
    else:
        scale = alt.Scale(zero=False, nice=True, padding=16)
    y = alt.Y("value:Q", title=shape.y_title, scale=scale)
    colour = alt.Color("series:N", title=None, sort=labels,
                       scale=alt.Scale(domain=labels, range=[COLOURS[k] for k in present]),
                       legend=alt.Legend(orient="bottom", direction="horizontal", symbolStrokeWidth=2,
                                         columns=2, labelLimit=0))
    marker = alt.Shape("series:N", title=None, sort=labels,
                       scale=alt.Scale(domain=labels, range=[SHAPES[k] for k in present]))
    dash = alt.StrokeDash("series:N", title=None, sort=labels,
                          scale=alt.Scale(domain=labels, range=[DASH[k] for k in present]))
    tooltip = [alt.Tooltip("year:Q", title="年份", format="d"), alt.Tooltip("series:N", title="类别"),
               alt.Tooltip("text:N", title="数值"), alt.Tooltip("note:N", title="说明")]

    base = alt.Chart(alt.Data(values=[dict(row) for row in fill.data]))
    layers = []
    if PATH in present:
        layers.append(base.transform_filter(alt.datum.kind == PATH).mark_line(strokeWidth=2).encode(
            x=x, y=y, color=colour, strokeDash=dash, detail="target_id:N", order="year:Q"))
    if shape.undated:
        # A target without a year has no x position: a rule across the whole chart, labelled as such.
        selected = alt.datum.undated
        layers.append(base.transform_filter(selected).mark_rule(strokeWidth=2, color=COLOURS[TARGET])
                      .encode(y=y, tooltip=[alt.Tooltip("series:N", title="类别"), alt.Tooltip("text:N", title="数值"),
                                            alt.Tooltip("note:N", title="说明")]))
        layers.append(base.transform_filter(selected)
                      .mark_text(align="right", baseline="bottom", dx=-4, dy=LABEL_DY + 4, fontSize=12, lineBreak="\n",
                                 color=COLOURS[TARGET])
                      .encode(x=alt.value("width"), y=y, text="label:N"))
    for kind in (BASE, TARGET):
        if kind not in present:
            continue
        selected = (alt.datum.kind == kind) & ~alt.datum.undated
        layers.append(base.transform_filter(selected).mark_point(size=110, filled=True, opacity=1)
                      .encode(x=x, y=y, color=colour, shape=marker, tooltip=tooltip))
        # Labels are two short lines ("2025 年目标" / "8.6%") above their point, reading away from the
        # nearer edge, so none is cut off even at 320 px.
        for side, dx in (("left", -4), ("center", 0), ("right", 4)):
            layers.append(base.transform_filter(selected & (alt.datum.side == side))
                          .mark_text(align=side, baseline="bottom", dx=dx, dy=LABEL_DY, fontSize=12, lineBreak="\n",
                                     color=COLOURS[kind])
                          .encode(x=x, y=y, text="label:N"))
    if OBSERVED in present:
        # Published values last, so nothing is drawn over them; preliminary ones are hollow.
        layers.append(base.transform_filter(alt.datum.kind == OBSERVED).mark_line(strokeWidth=2.5).encode(
            x=x, y=y, color=colour, strokeDash=dash, detail="segment:Q", order="year:Q"))
        layers.append(base.transform_filter(alt.datum.kind == OBSERVED).mark_point(size=80, strokeWidth=2, opacity=1)
                      .encode(x=x, y=y, color=colour, shape=marker, tooltip=tooltip,
                              fill=alt.condition(alt.datum.preliminary, alt.value("#ffffff"),
                                                 alt.value(COLOURS[OBSERVED]))))

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
