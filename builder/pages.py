"""The site's Markdown pages, rendered from the model, the assessments and the chart specs.

The only user of Jinja2. Every page is rendered from a documented context (the
dataclasses below) by a template in ``site_src/templates``; autoescape is on for
every template, so text from the data can never become markup. Text placed where
Markdown is parsed also goes through the ``md`` filter, which backslash-escapes
Markdown syntax, so a name like ``*x*`` or ``a | b`` stays text.

Pure apart from reading the templates: the plans' source texts are passed in by
the caller (``plan_texts``), never read here. Everything iterates in sorted order
and numbers are formatted by one function, so the same input gives the same text.
"""
from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from builder import progress
from builder.model import (
    ActionArea,
    DataRoot,
    Department,
    Indicator,
    KeyProject,
    Observation,
    PlanPackage,
    Source,
    Task,
    Target,
)
from builder.problems import CATALOGUE
from builder.progress import Assessment

CITY_PACKAGE = "songyuan-plan"  # the plan the site is about (areas, departments, plan/index.md)
PROVINCE_PACKAGE = "jilin-plan"  # the provincial plan set beside it (plan/jilin.md)

NO_VALUE_ZH = "暂无公开数值"
# The plan's overall aim, quoted on the home page where the plan's text contains it.
PEAK_QUOTE = "确保2030年前实现碳达峰"
PEAK_CLAUSE = "一（一）"
PEAK_ANCHOR = "plan-peak"

COMPARATOR_SYMBOL = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "≈": "≈", "=": "="}
OBSERVATION_STATUS_ZH = progress.STATUS_OF_VALUE_ZH  # 初步数 / 最终数 / 修订数
PROJECT_STATUS_ZH = {
    "unknown": "未知（无公开来源）",
    "planned": "规划中",
    "under-construction": "在建",
    "completed": "已建成",
    "cancelled": "已取消",
}
ROLE_ZH = {"lead": "牵头", "support": "配合"}


# ---------------------------------------------------------------------------
# Page contexts: what each template receives.
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class StatusCount:
    """How many targets have one status."""

    status: str  # one of progress.STATUSES
    label_zh: str  # the status as a Chinese word, e.g. 进展顺利
    count: int


@dataclass(frozen=True)
class TargetRow:
    """One target as listed in tables: the target, its indicator and its assessment, formatted."""

    target: Target
    indicator: Indicator
    assessment: Assessment
    indicator_path: str  # docs-relative page of the indicator, e.g. "indicators/forest-coverage.md"
    target_text: str  # the target in a few characters, e.g. "≥ 8.6%", "比2020年下降 14.5%"
    year_text: str  # target year, or "—" where the plan gives none
    latest_text: str  # latest published value with its year, or 暂无公开数值
    has_value: bool  # whether any value of the indicator has been published
    status: str  # assessment status key
    status_zh: str  # the status as a Chinese word
    plan_anchor: str | None  # docs-relative link to the marked quote in the annotated plan, if found


@dataclass(frozen=True)
class ChartRow:
    """One row of a chart's accessible data table."""

    year: str
    kind: str  # 公开数值 / 目标 / 基准 / 所需路径
    value: str  # formatted number with unit, or "—"
    note: str


@dataclass(frozen=True)
class ChartView:
    """A chart with its one-sentence summary and its data as a table."""

    indicator_id: str
    name_zh: str  # indicator name, for the table heading
    spec_json: str | None  # the Vega-Lite spec as charts.spec_to_json text; None when there is nothing to draw
    summary_zh: str  # one plain-language sentence from charts.chart_summary_zh
    rows: tuple[ChartRow, ...]


@dataclass(frozen=True)
class DepartmentLink:
    """A responsible unit of a task, in the plan's order."""

    department: Department
    role: str  # lead | support
    role_zh: str  # 牵头 | 配合
    path: str  # docs-relative department page


@dataclass(frozen=True)
class TaskView:
    """A task of an action area with its responsible units and its targets."""

    task: Task
    departments: tuple[DepartmentLink, ...]  # lead first, then the plan's order
    targets: tuple[TargetRow, ...]


@dataclass(frozen=True)
class ProjectView:
    """A key project named by the plan, with its status as a word and the source of that status."""

    project: KeyProject
    status_zh: str
    source: Source | None  # source backing the status; None when unknown


@dataclass(frozen=True)
class IndicatorSection:
    """An indicator on an area page: link, chart and its targets."""

    indicator: Indicator
    path: str  # docs-relative indicator page
    chart: ChartView
    targets: tuple[TargetRow, ...]


@dataclass(frozen=True)
class AreaCard:
    """An action area as a card on the home and areas pages."""

    area: ActionArea
    path: str  # docs-relative area page
    target_count: int
    no_value_count: int  # targets whose indicator has no published value
    status_counts: tuple[StatusCount, ...]  # only statuses that occur, in progress.STATUSES order


@dataclass(frozen=True)
class HomePage:
    """index.md: the plan at a glance."""

    page_path: str
    plan: PlanPackage
    peak_quote: str | None  # the plan's words on peaking before 2030, as in its text; None if the text lacks them
    peak_link: str | None  # docs-relative link to those words in the annotated plan
    peak_clause: str
    headline: tuple[TargetRow, ...]  # targets of indicators with no area (the plan's main targets)
    cards: tuple[AreaCard, ...]
    target_count: int  # all targets of the city plan
    no_value_count: int  # of those, targets whose indicator has no published value
    status_counts: tuple[StatusCount, ...]  # city plan targets by status, every status listed


@dataclass(frozen=True)
class AreasIndexPage:
    """areas/index.md: every action area with its counts by status."""

    page_path: str
    plan: PlanPackage
    cards: tuple[AreaCard, ...]
    statuses: tuple[tuple[str, str], ...]  # (status, Chinese word) in progress.STATUSES order


@dataclass(frozen=True)
class AreaPage:
    """areas/<n>.md: one action area."""

    page_path: str
    plan: PlanPackage
    area: ActionArea
    tasks: tuple[TaskView, ...]
    targets: tuple[TargetRow, ...]  # every target of the area's indicators
    indicators: tuple[IndicatorSection, ...]
    projects: tuple[ProjectView, ...]
    area_csv: str  # docs-relative download of the area's targets
    package_zip: str  # docs-relative download of the city plan package


@dataclass(frozen=True)
class ValueRow:
    """A published value of an indicator with its source."""

    observation: Observation
    value_text: str  # number with unit
    status_zh: str  # 初步数 / 最终数 / 修订数
    source: Source | None  # None only if the reference is broken (validation reports that)


@dataclass(frozen=True)
class IndicatorPage:
    """indicators/<id>.md: one indicator of either plan."""

    page_path: str
    plan: PlanPackage  # the plan that sets the indicator
    plan_path: str  # docs-relative page of that plan's annotated text
    indicator: Indicator
    area: ActionArea | None  # the action area, None for a main target
    area_path: str | None  # docs-relative area page (city plan only)
    task: Task | None
    chart: ChartView
    targets: tuple[TargetRow, ...]
    values: tuple[ValueRow, ...]  # published values, oldest first; () when none
    comparable: tuple[tuple[Indicator, str, str], ...]  # (indicator, its page, jurisdiction) in the other plan
    csv_path: str  # docs-relative download of this indicator


@dataclass(frozen=True)
class DepartmentRow:
    """A responsible unit on the departments index."""

    department: Department
    path: str
    lead_count: int  # tasks it leads
    support_count: int  # tasks it supports
    target_count: int  # targets of those tasks


@dataclass(frozen=True)
class DepartmentsIndexPage:
    """departments/index.md: every responsible unit."""

    page_path: str
    rows: tuple[DepartmentRow, ...]


@dataclass(frozen=True)
class DepartmentTask:
    """A task on a department page, with the unit's role in it."""

    task: Task
    role: str
    role_zh: str
    area: ActionArea | None
    area_path: str | None
    targets: tuple[TargetRow, ...]


@dataclass(frozen=True)
class DepartmentPage:
    """departments/<id>.md: one responsible unit and what it answers for."""

    page_path: str
    plan: PlanPackage
    department: Department
    tasks: tuple[DepartmentTask, ...]  # lead tasks first, then support, each by task number
    targets: tuple[TargetRow, ...]  # every target of those tasks
    status_counts: tuple[StatusCount, ...]


@dataclass(frozen=True)
class PlanSegment:
    """A run of plan text: plain, or inside a target's mark."""

    text: str
    marked: bool = False
    anchor_ids: tuple[str, ...] = ()  # HTML ids ("t-<target_id>") placed at the start of this run (first run of a mark)
    refs: tuple[tuple[str, str], ...] = ()  # (indicator name, docs-relative page) linked after this run


@dataclass(frozen=True)
class PlanBlock:
    """A heading or paragraph of the tidied plan text."""

    kind: str  # "heading" | "paragraph"
    level: int  # Markdown heading level for headings, 0 for paragraphs
    segments: tuple[PlanSegment, ...]


@dataclass(frozen=True)
class PlanPage:
    """plan/index.md: the city plan's full text, each target's words marked."""

    page_path: str
    plan: PlanPackage
    blocks: tuple[PlanBlock, ...]  # () when the text was not given
    unfound: tuple[TargetRow, ...]  # targets whose quote was not found in the text
    marked_count: int


@dataclass(frozen=True)
class ProvinceRow:
    """A provincial target beside the city's comparable target(s)."""

    target: TargetRow
    city: tuple[TargetRow, ...]  # targets of the comparable city indicator; () when none


@dataclass(frozen=True)
class ProvincePage:
    """plan/jilin.md: the provincial targets beside Songyuan's, and the marked excerpt."""

    page_path: str
    plan: PlanPackage | None  # None when the provincial package is absent
    city_plan: PlanPackage
    rows: tuple[ProvinceRow, ...]
    blocks: tuple[PlanBlock, ...]
    unfound: tuple[TargetRow, ...]


@dataclass(frozen=True)
class CodeEntry:
    """A validation code from problems.CATALOGUE."""

    code: str
    title: str
    description: str
    hint: str


@dataclass(frozen=True)
class MethodologyPage:
    """methodology.md: the status rule, its thresholds, the sources and the validation codes."""

    page_path: str
    rules: tuple[progress.MethodRule, ...]  # progress.METHOD_RULES, in its order
    thresholds: tuple[tuple[str, str], ...]  # (what it is, value) for each threshold constant in progress
    statuses: tuple[tuple[str, str, str], ...]  # (status, Chinese word, English word) in progress.STATUSES order
    sources: tuple[Source, ...]  # sorted by publisher, date, id
    codes: tuple[CodeEntry, ...]  # sorted by code


@dataclass(frozen=True)
class DownloadFile:
    """A file publish writes under docs/downloads/, as listed on the downloads page."""

    path: str  # docs-relative, e.g. "downloads/songyuan-plan/data/targets.csv"
    size_bytes: int
    sha256: str  # hex digest of the file's bytes
    description_zh: str  # what the file holds, in Chinese
    package: str  # data package it belongs to; "" for files the site derives (per indicator/area CSVs)


@dataclass(frozen=True)
class FieldDoc:
    """A field of a resource schema, for the data dictionary."""

    name: str
    type: str
    title: str
    description: str
    constraints: str  # constraints in words, e.g. "必填；取值：lead、support"


@dataclass(frozen=True)
class ResourceDoc:
    """A resource of a package descriptor, for the data dictionary."""

    name: str
    path: str
    title: str
    description: str
    fields: tuple[FieldDoc, ...]
    primary_key: str  # field names joined, "" if none
    foreign_keys: tuple[str, ...]  # each "field → resource.field"


@dataclass(frozen=True)
class PackageDownloads:
    """One package on the downloads page: its files, citation and data dictionary."""

    name: str
    title: str
    version: str
    licenses: tuple[tuple[str, str], ...]  # (name, url)
    citation: str
    files: tuple[DownloadFile, ...]
    resources: tuple[ResourceDoc, ...]


@dataclass(frozen=True)
class DownloadsPage:
    """downloads/index.md."""

    page_path: str
    packages: tuple[PackageDownloads, ...]  # by package name
    derived: tuple[DownloadFile, ...]  # files of no package, by path
    checksums_path: str  # docs-relative SHA256SUMS.txt


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------

# Each character Markdown may read as syntax, with the backslash that makes it text.
_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_{}[]()#+-.!|"})


def md_escape(value: object) -> Markup:
    """Text safe in Markdown: whitespace collapsed, Markdown syntax backslash-escaped, HTML escaped.

    Markup (e.g. a Jinja concatenation of escaped parts) is taken back to its text first,
    so nothing is escaped twice; the result always shows the text, never markup.
    """
    if isinstance(value, (str, int, float)):  # the same names, units and words recur on every page
        return _md_escape_cached(value)
    return _md_escape(value)


@functools.lru_cache(maxsize=1 << 16, typed=True)  # typed: Markup("a") and "a" are escaped differently
def _md_escape_cached(value: str | int | float) -> Markup:
    return _md_escape(value)


def _md_escape(value: object) -> Markup:
    raw = value.unescape() if isinstance(value, Markup) else str(value)
    text = " ".join(raw.split())
    return escape(text.translate(_MD_SPECIAL))


def format_number(value: float | int | None) -> str:
    """A number as shown on the site (progress.format_number), "—" for None."""
    if value is None:
        return "—"
    return progress.format_number(float(value))


def with_unit(value: float | int | None, unit: str) -> str:
    """A number followed by its unit: "8.6%", "600 万吨"; no unit for 无."""
    number = format_number(value)
    if value is None or not unit or unit == "无":
        return number
    if unit.startswith(("%", "％", "‰")):
        return number + unit
    return f"{number} {unit}"


def describe_target(target: Target, indicator: Indicator) -> str:
    """The target in a few characters, e.g. "≥ 8.6%", "比2020年下降 14.5%", "力争 ≈ 25%", "完成省定目标"."""
    text = _describe_target(target, indicator)
    if not target.aspirational:
        return text
    return "力争" + ("" if "\u4e00" <= text[0] <= "\u9fff" else " ") + text


def _describe_target(target: Target, indicator: Indicator) -> str:
    if target.kind == "deferred":
        return "完成省定目标"
    if target.kind == "qualitative" or target.target_value is None:
        return "定性目标（无数值）"
    symbol = COMPARATOR_SYMBOL.get(target.comparator or "", "")
    # "下降 14.5%" already means at least 14.5%: only other comparators are spelled out.
    qualifier = f"{symbol} " if symbol not in ("", "≥", "=") else ""
    base = f"比{target.baseline_year}年" if target.baseline_year else ""
    if target.kind == "reduction":
        text = f"{base}下降 {qualifier}{format_number(target.target_value)}%"
    elif target.kind == "addition":
        text = f"{base}新增 {qualifier}{with_unit(target.target_value, indicator.unit)}"
    else:
        text = f"{symbol} {with_unit(target.target_value, indicator.unit)}".strip()
    if target.comparator == "≈" and target.tolerance is not None:
        text += f"（±{with_unit(target.tolerance, indicator.unit)}）"
    return text


def describe_value(observation: Observation, unit: str) -> str:
    """A published value with its year, e.g. "16.2%（2023年，初步数）"."""
    extra = "" if observation.status == "final" else f"，{OBSERVATION_STATUS_ZH.get(observation.status, observation.status)}"
    return f"{with_unit(observation.value, unit)}（{observation.year}年{extra}）"


def format_size(size_bytes: int) -> str:
    """A file size in bytes, KB or MB with one decimal."""
    if size_bytes < 1024:
        return f"{size_bytes} B"
    if size_bytes < 1024 * 1024:
        return f"{size_bytes / 1024:.1f} KB"
    return f"{size_bytes / (1024 * 1024):.1f} MB"


def relative_link(from_page: str, to_path: str) -> str:
    """A relative link from one docs-relative page to another docs-relative path."""
    return _link_from_folder(posixpath.dirname(from_page) or ".", to_path)


# A link depends only on the linking page's folder, and the pages of one folder link to the
# same paths over and over (every indicator page to the methodology, every area page to its
# indicators three times): posixpath.relpath, which resolves both paths against the working
# directory, is worth doing once per pair.
@functools.lru_cache(maxsize=1 << 16)
def _link_from_folder(folder: str, to_path: str) -> str:
    if "#" in to_path:
        path, anchor = to_path.split("#", 1)
        return (_link_from_folder(folder, path) if path else "") + "#" + anchor
    return posixpath.relpath(to_path, folder)


# ---------------------------------------------------------------------------
# Plan text: tidying, finding quotes, marking them
# ---------------------------------------------------------------------------

# Lines that belong to the page, not the plan: the transcriber's footer, page numbers,
# newspaper page headers. Each is dropped whole.
FURNITURE_LINES = (
    re.compile(r"^本文内容来自网络"),
    re.compile(r"^[-－—–\s]*\d{1,3}[-－—–\s]*$"),
    re.compile(r"^第\s*\d+\s*页"),
    re.compile(r"^\d{1,2}\s+[\u4e00-\u9fff]{2,6}$"),
)
# Newspaper continuation notes inside a line: "（上接02版）", "（下转06版）".
FURNITURE_FRAGMENT = re.compile(r"[（(]\s*[上下][接转]\s*\d+\s*版\s*[）)]")

_NUMERALS = "一二三四五六七八九十"
_HEADING_RANKS = (
    (1, re.compile(rf"^([{_NUMERALS}]+)、")),
    (2, re.compile(rf"^（([{_NUMERALS}]+)）")),
    (3, re.compile(r"^专栏\s*\d+")),
)
# A line starting like this always starts a new paragraph.
# "1．" and "1. " number items; "5.2%" at the start of a wrapped line does not.
_BLOCK_START = re.compile(rf"^([{_NUMERALS}]+、|（[{_NUMERALS}]+）|\d{{1,2}}\s*(?:[．、]|\.(?!\d))|——|专栏\s*\d+)")
_TERMINAL = tuple("。！？；：）)」』”")
_HEADING_MAX_CHARS = 40


@dataclass(frozen=True)
class TextBlock:
    """A heading or paragraph of a tidied plan text."""

    kind: str  # "heading" | "paragraph"
    text: str  # line breaks and page furniture removed
    rank: int = 0  # headings: 1 for 一、, 2 for （一）, 3 for 专栏; 0 for paragraphs


def _width(line: str) -> float:
    """Printed width in full-width characters (ASCII counts half)."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in line)


def _clean_line(line: str) -> str:
    line = FURNITURE_FRAGMENT.sub("", line).strip()
    if any(p.search(line) for p in FURNITURE_LINES):
        return ""
    return line


def _join_lines(lines: Sequence[str]) -> str:
    text = ""
    for line in lines:
        if text and text[-1].isascii() and text[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            text += " "
        text += line
    return _tidy_spaces(text)


def _tidy_spaces(text: str) -> str:
    """Collapse spaces; drop the typesetting spaces a PDF leaves beside Chinese characters."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", text)


def _is_wrapped(lines: Sequence[str]) -> bool:
    """Whether the lines were cut at a fixed width (a PDF or newspaper column) rather than at paragraphs."""
    if len(lines) < 10:
        return False
    widths = [round(_width(line) * 2) / 2 for line in lines]
    mode = max(sorted(set(widths)), key=widths.count)
    near = sum(1 for w in widths if abs(w - mode) <= 1.5)
    return near / len(widths) >= 0.4


def _paragraphs_of_wrapped(lines: Sequence[str]) -> list[list[str]]:
    widths = [_width(line) for line in lines]
    rounded = [round(w * 2) / 2 for w in widths]
    full = max(sorted(set(rounded)), key=rounded.count)
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for i, line in enumerate(lines):
        if current and _BLOCK_START.match(line):
            paragraphs.append(current)
            current = []
        current.append(line)
        w = widths[i]
        first = len(current) == 1
        if line.endswith(_TERMINAL):
            # A paragraph's first line is indented two characters, so it is short
            # without ending the paragraph.
            ends = w <= full - 1.5 and not (first and w >= full - 3.5)
        elif first and any(p.match(line) for _, p in _HEADING_RANKS):
            # A heading without a full stop (newspaper style) is short; a long one wraps.
            ends = w <= full - 3
        else:
            ends = w <= full * 0.6
        if ends:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _paragraphs_of_unwrapped(raw_lines: Sequence[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in raw_lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = []
            continue
        if current and _BLOCK_START.match(line):
            paragraphs.append(current)
            current = []
        current.append(line)
    if current:
        paragraphs.append(current)
    return paragraphs


def _block_of(text: str) -> TextBlock:
    for rank, pattern in _HEADING_RANKS:
        if pattern.match(text) and len(text) <= _HEADING_MAX_CHARS and "。" not in text[:-1]:
            return TextBlock("heading", text, rank)
    return TextBlock("paragraph", text)


def tidy_plan_text(raw: str) -> tuple[TextBlock, ...]:
    """The plan text as headings and paragraphs: page furniture dropped, lines rejoined, PDF spaces removed."""
    cleaned = [_clean_line(line) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    nonblank = [line for line in cleaned if line]
    if _is_wrapped(nonblank):
        paragraphs = _paragraphs_of_wrapped(nonblank)
    else:
        paragraphs = _paragraphs_of_unwrapped(cleaned)
    blocks = (_block_of(_join_lines(p)) for p in paragraphs)
    return tuple(b for b in blocks if b.text)


def _normalise(text: str) -> tuple[str, list[int]]:
    """Text without whitespace, NFKC-folded (full/half width), with each character's index in the original."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for folded in unicodedata.normalize("NFKC", ch):
            if not folded.isspace():
                out.append(folded)
                index.append(i)
    return "".join(out), index


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where quote first occurs in text, ignoring whitespace and full/half width: (start, end) offsets into text."""
    spans = _find_all(_normalise(text), quote)
    return spans[0] if spans else None


def _find_all(normalised: tuple[str, list[int]], quote: str) -> list[tuple[int, int]]:
    """Every occurrence of quote in an already normalised text, as (start, end) offsets into the original."""
    hay, index = normalised
    needle, _ = _normalise(quote)
    found: list[tuple[int, int]] = []
    if not needle:
        return found
    pos = hay.find(needle)
    while pos >= 0:
        found.append((index[pos], index[pos + len(needle) - 1] + 1))
        pos = hay.find(needle, pos + 1)
    return found


def _clause_path(clause: str) -> tuple[str | None, str | None]:
    """The section numbers a clause names: "三（一）1" → ("三", "一"); "二" → ("二", None)."""
    top = re.match(rf"^([{_NUMERALS}]+)", clause)
    sub = re.search(rf"（([{_NUMERALS}]+)）", clause)
    return (top.group(1) if top else None, sub.group(1) if sub else None)


def locate_quotes(blocks: Sequence[TextBlock], quotes: Mapping[str, tuple[str, str]]
                  ) -> dict[str, tuple[int, int]]:
    """Where each quote (key → (quote, clause)) occurs in the joined block texts; keys not found are absent.

    Offsets index the block texts joined with "\\n". Where a quote occurs more than once, the
    occurrence inside the section its clause names is taken, else the first.
    """
    text = "\n".join(b.text for b in blocks)
    # The section path (一, （一）) in force at the start of every block.
    starts: list[tuple[int, tuple[str | None, str | None]]] = []
    top = sub = None
    offset = 0
    for block in blocks:
        if block.kind == "heading" and block.rank == 1:
            top, sub = _HEADING_RANKS[0][1].match(block.text).group(1), None
        elif block.kind == "heading" and block.rank == 2:
            sub = _HEADING_RANKS[1][1].match(block.text).group(1)
        starts.append((offset, (top, sub)))
        offset += len(block.text) + 1

    def section_at(pos: int) -> tuple[str | None, str | None]:
        path: tuple[str | None, str | None] = (None, None)
        for block_start, block_path in starts:
            if block_start > pos:
                break
            path = block_path
        return path

    normalised = _normalise(text)
    found: dict[str, tuple[int, int]] = {}
    for key in sorted(quotes):
        quote, clause = quotes[key]
        spans = _find_all(normalised, quote)
        if not spans:
            continue
        want_top, want_sub = _clause_path(clause)

        def score(span: tuple[int, int]) -> int:
            have_top, have_sub = section_at(span[0])
            if want_top is None or have_top != want_top:
                return 0
            return 2 if want_sub is not None and have_sub == want_sub else 1

        found[key] = max(spans, key=lambda s: (score(s), -s[0]))
    return found


def mark_blocks(blocks: Sequence[TextBlock], spans: Mapping[str, tuple[int, int]],
                refs: Mapping[str, tuple[str, str]], heading_base: int = 2) -> tuple[PlanBlock, ...]:
    """The blocks as PlanBlocks with every span marked; overlapping spans share one mark.

    spans: target id → (start, end) from locate_quotes. refs: target id → (indicator name,
    indicator page) linked after the mark. Heading levels start at heading_base for the
    highest-ranked heading that occurs first, so levels never skip.
    """
    groups: list[tuple[int, int, list[str]]] = []
    for key, (start, end) in sorted(spans.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0])):
        if groups and start < groups[-1][1]:
            last_start, last_end, keys = groups[-1]
            groups[-1] = (last_start, max(last_end, end), keys + [key])
        else:
            groups.append((start, end, [key]))

    first_rank = next((b.rank for b in blocks if b.kind == "heading"), 1)
    result = []
    offset = 0
    first_open = 0  # groups before this one end before the current block, so they mark no block from here on
    for block in blocks:
        block_start, block_end = offset, offset + len(block.text)
        offset = block_end + 1
        while first_open < len(groups) and groups[first_open][1] <= block_start:
            first_open += 1
        cuts: list[tuple[int, int, tuple[str, ...], bool, bool]] = []
        for start, end, keys in groups[first_open:]:
            if start >= block_end:  # groups are in order of start: this and the rest begin after the block
                break
            lo, hi = max(start, block_start), min(end, block_end)
            if lo < hi:
                cuts.append((lo - block_start, hi - block_start, tuple(keys), start >= block_start, end <= block_end))
        segments: list[PlanSegment] = []
        pos = 0
        for lo, hi, keys, is_first, is_last in cuts:
            if lo > pos:
                segments.append(PlanSegment(block.text[pos:lo]))
            link_refs: list[tuple[str, str]] = []
            if is_last:
                for key in keys:
                    if key in refs and refs[key] not in link_refs:
                        link_refs.append(refs[key])
            segments.append(PlanSegment(block.text[lo:hi], True, keys if is_first else (), tuple(link_refs)))
            pos = hi
        if pos < len(block.text):
            segments.append(PlanSegment(block.text[pos:]))
        level = 0
        if block.kind == "heading":
            level = min(6, max(2, heading_base + block.rank - first_rank))
        result.append(PlanBlock(block.kind, level, tuple(segments)))
    return tuple(result)


# ---------------------------------------------------------------------------
# Building contexts
# ---------------------------------------------------------------------------

def indicator_page_path(indicator_id: str) -> str:
    """The docs-relative page of an indicator."""
    return f"indicators/{indicator_id}.md"


def area_page_path(area_id: int) -> str:
    """The docs-relative page of an action area of the city plan."""
    return f"areas/{area_id}.md"


def department_page_path(department_id: str) -> str:
    """The docs-relative page of a responsible unit."""
    return f"departments/{department_id}.md"


def _target_sort_key(target: Target) -> tuple:
    return (target.target_year or 9999, target.target_id)


def _indicator_sort_key(indicator: Indicator) -> tuple:
    return (indicator.area_id or 0, indicator.task_id or 0, indicator.indicator_id)


def _status_counts(rows: Sequence[TargetRow], *, every: bool = False) -> tuple[StatusCount, ...]:
    counts = []
    for status in progress.STATUSES:
        n = sum(1 for r in rows if r.status == status)
        if n or every:
            counts.append(StatusCount(status, progress.STATUS_LABEL_ZH[status], n))
    return tuple(counts)


class _Site:
    """Lookups over one DataRoot shared by the page builders."""

    def __init__(self, data: DataRoot, assessments: Mapping[str, Assessment],
                 plan_anchors: Mapping[str, str], charts: Mapping[str, ChartView] | None = None):
        self.data = data
        self.assessments = assessments
        self.plan_anchors = plan_anchors  # target id → docs-relative anchor in plan/index.md or plan/jilin.md
        self._charts: dict[str, ChartView] = dict(charts or {})
        self._target_rows: dict[str, TargetRow] = {}  # by target id: one row serves every page listing the target
        self.indicators = {i.indicator_id: i for i in data.indicators()}
        self.sources = {s.source_id: s for s in data.sources}
        self.observations = {i: data.observations_for(i) for i in self.indicators}
        self.targets_of: dict[str, list[Target]] = {
            i: sorted(data.targets_for(i), key=_target_sort_key) for i in {t.indicator_id for t in data.targets()}}
        self.plan_of = {i.indicator_id: p for p in data.plans for i in p.indicators}
        # Each plan's indicators in the order its pages list them (area, task, id), sorted once
        # rather than for every area and every department's every task.
        self.page_order = {p.name: tuple(sorted(p.indicators, key=_indicator_sort_key)) for p in data.plans}
        self.comparable: dict[str, set[str]] = {}
        for indicator in self.indicators.values():
            other = indicator.comparable_indicator_id
            if other and other in self.indicators:
                self.comparable.setdefault(indicator.indicator_id, set()).add(other)
                self.comparable.setdefault(other, set()).add(indicator.indicator_id)

    def target_row(self, target: Target) -> TargetRow:
        """The target's row, built once (a target is listed on up to four pages and counted on two)."""
        if target.target_id not in self._target_rows:
            self._target_rows[target.target_id] = self._make_target_row(target)
        return self._target_rows[target.target_id]

    def _make_target_row(self, target: Target) -> TargetRow:
        indicator = self.indicators[target.indicator_id]
        assessment = self.assessments[target.target_id]
        observations = self.observations.get(target.indicator_id, ())
        latest = assessment.latest or (progress.preferred_observations(observations)[-1] if observations else None)
        return TargetRow(
            target=target,
            indicator=indicator,
            assessment=assessment,
            indicator_path=indicator_page_path(indicator.indicator_id),
            target_text=describe_target(target, indicator),
            year_text=str(target.target_year) if target.target_year else "—",
            latest_text=describe_value(latest, indicator.unit) if latest else NO_VALUE_ZH,
            has_value=bool(observations),
            status=assessment.status,
            status_zh=progress.STATUS_LABEL_ZH[assessment.status],
            plan_anchor=self.plan_anchors.get(target.target_id),
        )

    def rows_for_indicator(self, indicator_id: str) -> tuple[TargetRow, ...]:
        return tuple(self.target_row(t) for t in self.targets_of.get(indicator_id, ()))

    def chart(self, indicator: Indicator) -> ChartView:
        """The indicator's chart view, built once (area and indicator pages show the same chart)."""
        if indicator.indicator_id not in self._charts:
            self._charts[indicator.indicator_id] = self._make_chart(indicator)
        return self._charts[indicator.indicator_id]

    def _make_chart(self, indicator: Indicator) -> ChartView:
        return chart_view(*ChartInputs.of(self.data, self.assessments, indicator))


@dataclass(frozen=True)
class ChartInputs:
    """Everything an indicator's ChartView is computed from (the arguments of chart_view)."""

    indicator: Indicator
    targets: tuple[Target, ...]  # the indicator's targets, by target year then id
    observations: tuple[Observation, ...]  # its published values, oldest first
    assessments: dict[str, Assessment]  # the assessments of those targets, by target id

    @classmethod
    def of(cls, data: DataRoot, assessments: Mapping[str, Assessment], indicator: Indicator) -> ChartInputs:
        targets = tuple(sorted(data.targets_for(indicator.indicator_id), key=_target_sort_key))
        return cls(indicator, targets, data.observations_for(indicator.indicator_id),
                   {t.target_id: assessments[t.target_id] for t in targets})

    def __iter__(self):
        return iter((self.indicator, self.targets, self.observations, self.assessments))


def chart_inputs(data: DataRoot, assessments: Mapping[str, Assessment]) -> dict[str, ChartInputs]:
    """The inputs of every indicator's chart, by indicator id (sorted), as render_pages uses them."""
    indicators = {i.indicator_id: i for i in data.indicators()}
    return {k: ChartInputs.of(data, assessments, indicators[k]) for k in sorted(indicators)}


def chart_view(indicator: Indicator, targets: Sequence[Target], observations: Sequence[Observation],
               assessments: Mapping[str, Assessment]) -> ChartView:
    """An indicator's chart: spec (charts.indicator_chart), summary sentence and data table rows."""
    from builder import charts  # imported on use: a build whose charts all come from the cache never loads Altair

    parts = charts.chart_parts(indicator, targets, observations, assessments)
    rows = tuple(
        ChartRow(
            year=str(row.get("year")) if row.get("year") is not None else "—",
            kind=str(row.get("kind") or ""),
            value=row["value"] if isinstance(row.get("value"), str) else with_unit(row.get("number"), indicator.unit),
            note=str(row.get("note") or ""),
        )
        for row in parts.table
    )
    spec_json = charts.spec_to_json(parts.spec) if parts.spec is not None else None
    return ChartView(indicator.indicator_id, indicator.name_zh, spec_json, parts.summary_zh, rows)


def _city_plan(data: DataRoot) -> PlanPackage:
    plan = data.plan_package(CITY_PACKAGE)
    if plan is None:
        raise ValueError(f"data root has no {CITY_PACKAGE} package")
    return plan


def _area_cards(site: _Site, plan: PlanPackage) -> tuple[AreaCard, ...]:
    cards = []
    for area in sorted(plan.areas, key=lambda a: a.area_id):
        rows = [site.target_row(t) for i in site.page_order[plan.name]
                if i.area_id == area.area_id for t in site.targets_of.get(i.indicator_id, ())]
        cards.append(AreaCard(area, area_page_path(area.area_id), len(rows),
                              sum(1 for r in rows if not r.has_value), _status_counts(rows)))
    return tuple(cards)


def _home(site: _Site, plan: PlanPackage, peak: tuple[str, str] | None) -> HomePage:
    all_rows = [site.target_row(t) for t in sorted(plan.targets, key=lambda t: t.target_id)]
    headline = tuple(site.target_row(t)
                     for i in site.page_order[plan.name] if i.area_id is None
                     for t in site.targets_of.get(i.indicator_id, ()))
    return HomePage("index.md", plan, peak[0] if peak else None, peak[1] if peak else None, PEAK_CLAUSE, headline,
                    _area_cards(site, plan), len(all_rows), sum(1 for r in all_rows if not r.has_value),
                    _status_counts(all_rows, every=True))


def _department_links(plan: PlanPackage, task_id: int) -> tuple[DepartmentLink, ...]:
    departments = {d.department_id: d for d in plan.departments}
    links = sorted((td for td in plan.task_departments if td.task_id == task_id and td.department_id in departments),
                   key=lambda td: (td.role != "lead", td.order, td.department_id))
    return tuple(DepartmentLink(departments[td.department_id], td.role, ROLE_ZH.get(td.role, td.role),
                                department_page_path(td.department_id)) for td in links)


def _area(site: _Site, plan: PlanPackage, area: ActionArea) -> AreaPage:
    indicators = [i for i in site.page_order[plan.name] if i.area_id == area.area_id]
    tasks = sorted((t for t in plan.tasks if t.area_id == area.area_id), key=lambda t: t.task_id)
    task_views = tuple(
        TaskView(task, _department_links(plan, task.task_id),
                 tuple(r for i in indicators if i.task_id == task.task_id for r in site.rows_for_indicator(i.indicator_id)))
        for task in tasks)
    rows = tuple(r for i in indicators for r in site.rows_for_indicator(i.indicator_id))
    sections = tuple(IndicatorSection(i, indicator_page_path(i.indicator_id), site.chart(i),
                                      site.rows_for_indicator(i.indicator_id)) for i in indicators)
    task_ids = {t.task_id for t in tasks}
    projects = tuple(
        ProjectView(p, PROJECT_STATUS_ZH.get(p.status, p.status), site.sources.get(p.status_source_id or ""))
        for p in sorted(plan.key_projects, key=lambda p: (p.task_id, p.project_id)) if p.task_id in task_ids)
    return AreaPage(area_page_path(area.area_id), plan, area, task_views, rows, sections, projects,
                    f"downloads/areas/area-{area.area_id}.csv", f"downloads/{plan.name}.zip")


def _indicator(site: _Site, indicator: Indicator) -> IndicatorPage:
    plan = site.plan_of[indicator.indicator_id]
    area = next((a for a in plan.areas if a.area_id == indicator.area_id), None)
    task = next((t for t in plan.tasks if t.task_id == indicator.task_id), None)
    area_path = area_page_path(area.area_id) if area and plan.name == CITY_PACKAGE else None
    values = tuple(ValueRow(o, with_unit(o.value, indicator.unit), OBSERVATION_STATUS_ZH.get(o.status, o.status),
                            site.sources.get(o.source_id))
                   for o in site.observations.get(indicator.indicator_id, ()))
    comparable = tuple(
        (site.indicators[other], indicator_page_path(other), site.plan_of[other].plan.jurisdiction_zh)
        for other in sorted(site.comparable.get(indicator.indicator_id, ())))
    plan_path = "plan/index.md" if plan.name == CITY_PACKAGE else "plan/jilin.md"
    return IndicatorPage(indicator_page_path(indicator.indicator_id), plan, plan_path, indicator, area, area_path, task,
                         site.chart(indicator), site.rows_for_indicator(indicator.indicator_id), values, comparable,
                         f"downloads/indicators/{indicator.indicator_id}.csv")


def _department_tasks(plan: PlanPackage, department_id: str) -> list[tuple[Task, str]]:
    tasks = {t.task_id: t for t in plan.tasks}
    roles = sorted(((td.role, td.task_id) for td in plan.task_departments
                    if td.department_id == department_id and td.task_id in tasks),
                   key=lambda rt: (rt[0] != "lead", rt[1]))
    return [(tasks[task_id], role) for role, task_id in roles]


def _department_rows(site: _Site, plan: PlanPackage, task: Task) -> tuple[TargetRow, ...]:
    return tuple(r for i in site.page_order[plan.name] if i.task_id == task.task_id
                 for r in site.rows_for_indicator(i.indicator_id))


def _departments(site: _Site, plans: Sequence[PlanPackage]) -> tuple[DepartmentsIndexPage, list[DepartmentPage]]:
    rows = []
    pages = []
    seen: dict[str, str] = {}
    for plan in plans:
        areas = {a.area_id: a for a in plan.areas}
        for department in sorted(plan.departments, key=lambda d: d.department_id):
            if department.department_id in seen:
                raise ValueError(f"department_id {department.department_id!r} is in both "
                                 f"{seen[department.department_id]} and {plan.name}")
            seen[department.department_id] = plan.name
            tasks = []
            for task, role in _department_tasks(plan, department.department_id):
                area = areas.get(task.area_id)
                area_path = area_page_path(task.area_id) if area and plan.name == CITY_PACKAGE else None
                tasks.append(DepartmentTask(task, role, ROLE_ZH.get(role, role), area, area_path,
                                            _department_rows(site, plan, task)))
            targets = tuple(r for t in tasks for r in t.targets)
            path = department_page_path(department.department_id)
            pages.append(DepartmentPage(path, plan, department, tuple(tasks), targets, _status_counts(targets)))
            rows.append(DepartmentRow(department, path, sum(1 for t in tasks if t.role == "lead"),
                                      sum(1 for t in tasks if t.role != "lead"), len(targets)))
    return DepartmentsIndexPage("departments/index.md", tuple(rows)), pages


@dataclass(frozen=True)
class _MarkedPlan:
    blocks: tuple[PlanBlock, ...]
    anchors: dict[str, str]  # target id → docs-relative link to its marked words
    peak: tuple[str, str] | None  # (the words as in the text, docs-relative link) of PEAK_QUOTE, if found


def target_anchor(target_id: str) -> str:
    """The HTML id of a target's marked words in the annotated plan."""
    return f"t-{target_id}"


def _mark_plan(plan: PlanPackage | None, text: str | None, page_path: str, indicators: Mapping[str, Indicator],
               heading_base: int, extra: Mapping[str, tuple[str, str]] | None = None) -> _MarkedPlan:
    """The plan's text as marked blocks, with links to every target quote found (and to PEAK_QUOTE)."""
    if plan is None or not text:
        return _MarkedPlan((), {}, None)
    blocks = tidy_plan_text(text)
    quotes = {target_anchor(t.target_id): (t.quote_zh, t.clause) for t in plan.targets}
    quotes.update(extra or {})
    spans = locate_quotes(blocks, quotes)
    refs = {target_anchor(t.target_id): (indicators[t.indicator_id].name_zh, indicator_page_path(t.indicator_id))
            for t in plan.targets if t.indicator_id in indicators}
    anchors = {t.target_id: f"{page_path}#{target_anchor(t.target_id)}"
               for t in plan.targets if target_anchor(t.target_id) in spans}
    peak = None
    if PEAK_ANCHOR in spans:
        joined = "\n".join(b.text for b in blocks)
        start, end = spans[PEAK_ANCHOR]
        peak = (joined[start:end], f"{page_path}#{PEAK_ANCHOR}")
    return _MarkedPlan(mark_blocks(blocks, spans, refs, heading_base), anchors, peak)


def _methodology(data: DataRoot) -> MethodologyPage:
    thresholds = (
        (f"“{progress.STATUS_LABEL_ZH['on-track']}”的最低进度比", format_number(progress.ON_TRACK_RATIO)),
        (f"“{progress.STATUS_LABEL_ZH['needs-acceleration']}”的最低进度比", format_number(progress.ACCELERATE_RATIO)),
        ("低于此进度比说明正朝远离目标的方向变化", format_number(progress.MOVING_AWAY_RATIO)),
        ("“左右”目标未给出容差时的默认容差（占目标值）", f"±{format_number(progress.APPROX_TOLERANCE * 100)}%"),
        ("进度比比较前保留的小数位数", str(progress.RATIO_DECIMALS)),
    )
    statuses = tuple((s, progress.STATUS_LABEL_ZH[s], progress.STATUS_LABEL_EN[s]) for s in progress.STATUSES)
    sources = tuple(sorted(data.sources, key=lambda s: (s.publisher, s.date, s.source_id)))
    codes = tuple(CodeEntry(code, info.title, info.description, info.hint) for code, info in sorted(CATALOGUE.items()))
    return MethodologyPage("methodology.md", tuple(progress.METHOD_RULES), thresholds, statuses, sources, codes)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------

# Table rows and the small pieces of markup they share with the templates, written in Python.
# Every template output costs an attribute lookup, a filter call and an escape, and every
# macro call a new frame; the site's long tables (a chart's data, an indicator's published
# values, the targets of an area or a department) come to tens of thousands of rows a build,
# where that overhead was much of the rendering time. Each function writes exactly the text
# the template did; the templates still lay out every page and head every table.

def status_badge(status: str, label_zh: str) -> Markup:
    """A target's status as a coloured word: <span class="status status--on-track">进展顺利</span>."""
    return Markup(f'<span class="status status--{escape(status)}">{md_escape(label_zh)}</span>')


@functools.lru_cache(maxsize=1 << 12, typed=True)  # a few dozen sources are cited by thousands of values
def external_link(url: str, text: str) -> Markup:
    """A link to a source as inline HTML; only http(s) URLs become links, any other shows just the text."""
    if url.startswith(("https://", "http://")):
        return Markup(f'<a href="{escape(url)}">{md_escape(text)}</a>')
    return md_escape(text)


def indicator_link(row: TargetRow, page_path: str) -> Markup:
    """A Markdown link from page_path to the row's indicator page, named by the indicator."""
    return Markup(f"[{md_escape(row.indicator.name_zh)}]({escape(relative_link(page_path, row.indicator_path))})")


def _table_row(*cells: str) -> Markup:
    """A Markdown table row of cells that are Markdown already: "| a | b |"."""
    return Markup("| " + " | ".join(cells) + " |")


def chart_table_row(row: ChartRow) -> Markup:
    """A row of a chart's data table: year, kind, value, note."""
    return _table_row(md_escape(row.year), md_escape(row.kind), md_escape(row.value), md_escape(row.note))


def value_table_row(value: ValueRow) -> Markup:
    """A row of an indicator's published values: year, value, status, source (linked), source date."""
    source = value.source
    if source is None:  # a broken reference (validation reports it): the id as given
        source_cell, date = md_escape(value.observation.source_id), "—"
    else:
        source_cell = f"{md_escape(source.publisher + '：')}{external_link(source.url, source.title)}"
        date = source.date.isoformat()
    return _table_row(escape(value.observation.year), md_escape(value.value_text), md_escape(value.status_zh),
                      source_cell, escape(date))


def target_table_row(row: TargetRow, link: Markup | None = None) -> Markup:
    """A row of a table of targets: indicator (where its link is given), target, status, year, latest value."""
    cells = (md_escape(row.target_text), status_badge(row.status, row.status_zh), md_escape(row.year_text),
             md_escape(row.latest_text))
    return _table_row(link, *cells) if link is not None else _table_row(*cells)


class _ChartTables:
    """The rows of each chart's data table, a line each, written once for all the pages that show the chart.

    An area page shows the charts of all its indicators again, so without this every city
    indicator's table (the longest loop of a build) would be written twice. One instance
    serves one environment, so one build; a chart is known by its indicator id, and its rows
    are reused only for that very ChartView.
    """

    def __init__(self) -> None:
        self._written: dict[str, tuple[ChartView, Markup]] = {}

    def __call__(self, chart: ChartView) -> Markup:
        written = self._written.get(chart.indicator_id)
        if written is None or written[0] is not chart:
            rows = Markup("\n".join(chart_table_row(row) for row in chart.rows))
            written = self._written[chart.indicator_id] = (chart, rows)
        return written[1]


# What templates call to link from the page being rendered.

@jinja2.pass_context
def _indicator_link_here(context: jinja2.runtime.Context, row: TargetRow) -> Markup:
    return indicator_link(row, context["page_path"])


@jinja2.pass_context
def _target_table_row_here(context: jinja2.runtime.Context, row: TargetRow, with_indicator: bool) -> Markup:
    return target_table_row(row, indicator_link(row, context["page_path"]) if with_indicator else None)


@jinja2.pass_context
def _rel_filter(context: jinja2.runtime.Context, to_path: str) -> str:
    return relative_link(context["page_path"], to_path)


def make_environment(site_src: Path) -> jinja2.Environment:
    """The Jinja environment: templates from site_src/templates, autoescape on, undefined names an error.

    autoescape=True (not select_autoescape, which would not match .md.j2) escapes every
    template (a chart's spec, already safe inside its script element, is marked `safe`);
    filters: md (Markdown-safe text), rel (link relative to the page being rendered), number,
    size, and the table rows chart_table_rows (a chart's, all of them) and value_table_row;
    functions: status_badge, external_link, and indicator_link and target_table_row, which
    link relative to the page being rendered.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(site_src / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # An environment serves one build: templates are read once, not checked on disk for
        # changes at every page (and every page's import of _macros).
        auto_reload=False,
    )
    env.filters["md"] = md_escape
    env.filters["rel"] = _rel_filter
    env.filters["number"] = format_number
    env.filters["size"] = format_size
    env.filters["chart_table_rows"] = _ChartTables()
    env.filters["value_table_row"] = value_table_row
    env.globals["status_badge"] = status_badge
    env.globals["external_link"] = external_link
    env.globals["indicator_link"] = _indicator_link_here
    env.globals["target_table_row"] = _target_table_row_here
    env.globals["NO_VALUE_ZH"] = NO_VALUE_ZH
    return env


def _render(env: jinja2.Environment, template: str, page: object) -> str:
    text = env.get_template(template).render(page=page, page_path=page.page_path)
    return _collapse_blank_lines(text).strip() + "\n"


def _collapse_blank_lines(text: str) -> str:
    """Runs of three or more newlines made two, as templates leave them where optional parts are absent.

    In passes of str.replace, not with a regular expression: most of an indicator page is its
    chart's spec, which a regular expression steps through character by character several
    times slower. Each pass makes every three newlines two, so a few passes leave no run.
    """
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def render_pages(data: DataRoot, assessments: dict[str, Assessment], site_src: Path, *,
                 plan_texts: Mapping[str, str] | None = None,
                 charts: Mapping[str, ChartView] | None = None) -> dict[str, str]:
    """Every generated page of the site: docs-relative path → Markdown text.

    plan_texts: package name → the plan's source text as transcribed (the file
    plans.source_text names); a plan without text gets its target quotes listed instead.
    charts: indicator id → its ChartView, as chart_view gives it for chart_inputs(data,
    assessments) (publish builds them in a stage of their own, through its cache); an
    indicator missing from it has its chart computed here.
    """
    texts = plan_texts or {}
    env = make_environment(site_src)
    city = _city_plan(data)
    province = data.plan_package(PROVINCE_PACKAGE)

    # The quotes are located first so every page can link to the marked words.
    indicators = {i.indicator_id: i for i in data.indicators()}
    city_marked = _mark_plan(city, texts.get(city.name), "plan/index.md", indicators, 2,
                             {PEAK_ANCHOR: (PEAK_QUOTE, PEAK_CLAUSE)})
    province_marked = _mark_plan(province, texts.get(PROVINCE_PACKAGE), "plan/jilin.md", indicators, 3)
    city_anchors, province_anchors = city_marked.anchors, province_marked.anchors
    site = _Site(data, assessments, {**province_anchors, **city_anchors}, charts)

    rendered: dict[str, str] = {}
    rendered["index.md"] = _render(env, "home.md.j2", _home(site, city, city_marked.peak))
    rendered["areas/index.md"] = _render(env, "areas_index.md.j2",
                                      AreasIndexPage("areas/index.md", city, _area_cards(site, city),
                                                     tuple((s, progress.STATUS_LABEL_ZH[s]) for s in progress.STATUSES)))
    for area in sorted(city.areas, key=lambda a: a.area_id):
        page = _area(site, city, area)
        rendered[page.page_path] = _render(env, "area.md.j2", page)
    for indicator in sorted(site.indicators.values(), key=lambda i: i.indicator_id):
        page = _indicator(site, indicator)
        rendered[page.page_path] = _render(env, "indicator.md.j2", page)
    index, department_pages = _departments(site, sorted(data.plans, key=lambda p: (p.name != CITY_PACKAGE, p.name)))
    rendered[index.page_path] = _render(env, "departments_index.md.j2", index)
    for page in department_pages:
        rendered[page.page_path] = _render(env, "department.md.j2", page)

    city_rows = {t.target_id: site.target_row(t) for t in city.targets}
    rendered["plan/index.md"] = _render(env, "plan.md.j2", PlanPage(
        "plan/index.md", city, city_marked.blocks,
        tuple(city_rows[k] for k in sorted(city_rows) if k not in city_anchors), len(city_anchors)))
    province_rows: list[ProvinceRow] = []
    province_unfound: list[TargetRow] = []
    if province is not None:
        for indicator in sorted(province.indicators, key=_indicator_sort_key):
            matches = sorted(i for i in site.comparable.get(indicator.indicator_id, ())
                             if site.plan_of[i].name == CITY_PACKAGE)
            city_targets = tuple(r for i in matches for r in site.rows_for_indicator(i))
            for row in site.rows_for_indicator(indicator.indicator_id):
                province_rows.append(ProvinceRow(row, city_targets))
                if row.target.target_id not in province_anchors:
                    province_unfound.append(row)
    rendered["plan/jilin.md"] = _render(env, "jilin.md.j2", ProvincePage(
        "plan/jilin.md", province, city, tuple(province_rows), province_marked.blocks, tuple(province_unfound)))
    rendered["methodology.md"] = _render(env, "methodology.md.j2", _methodology(data))
    return rendered


def _constraints_text(field: Mapping) -> str:
    parts = []
    constraints = field.get("constraints") or {}
    if constraints.get("required"):
        parts.append("必填")
    if constraints.get("unique"):
        parts.append("不重复")
    if "enum" in constraints:
        parts.append("取值：" + "、".join(str(v) for v in constraints["enum"]))
    for key, label in (("minimum", "最小值"), ("maximum", "最大值"), ("minLength", "最短"), ("maxLength", "最长")):
        if key in constraints:
            parts.append(f"{label} {constraints[key]}")
    if "pattern" in constraints:
        parts.append(f"格式（正则）：{constraints['pattern']}")
    return "；".join(parts)


def _resource_docs(descriptor: Mapping) -> tuple[ResourceDoc, ...]:
    docs = []
    for resource in descriptor.get("resources", []):
        schema = resource.get("schema") or {}
        if not isinstance(schema, Mapping):
            schema = {}
        fields = tuple(FieldDoc(str(f.get("name", "")), str(f.get("type", "any")), str(f.get("title", "")),
                                str(f.get("description", "")), _constraints_text(f))
                       for f in schema.get("fields", []))
        primary = schema.get("primaryKey") or []
        primary = [primary] if isinstance(primary, str) else list(primary)
        foreign = []
        for fk in schema.get("foreignKeys", []):
            local = fk.get("fields")
            local = [local] if isinstance(local, str) else list(local or [])
            reference = fk.get("reference") or {}
            remote = reference.get("fields")
            remote = [remote] if isinstance(remote, str) else list(remote or [])
            foreign.append(f"{'、'.join(local)} → {reference.get('resource') or '本资源'}.{'、'.join(remote)}")
        docs.append(ResourceDoc(str(resource.get("name", "")), str(resource.get("path", "")),
                                str(resource.get("title", "")), str(resource.get("description", "")),
                                fields, "、".join(primary), tuple(foreign)))
    return tuple(sorted(docs, key=lambda d: d.name))


def _citation(descriptor: Mapping, name: str) -> str:
    creators = [c.get("title", "") for c in descriptor.get("contributors", []) if "creator" in c.get("roles", [])]
    licenses = "、".join(lic.get("name", "") for lic in descriptor.get("licenses", []))
    parts = [("、".join(creators) or "松原碳达峰公开数据项目"),
             f"《{descriptor.get('title', name)}》",
             f"数据包 {name}，版本 {descriptor.get('version', '—')}"]
    if licenses:
        parts.append(f"{licenses} 许可")
    return "，".join(parts) + "。"


def render_downloads_page(data: DataRoot, files: list[DownloadFile], site_src: Path | None = None) -> str:
    """downloads/index.md: every file with size and SHA-256, license, how to cite, and the data dictionary.

    site_src defaults to the repository's site_src/ (beside the builder package).
    """
    env = make_environment(site_src or Path(__file__).resolve().parent.parent / "site_src")
    by_package: dict[str, list[DownloadFile]] = {}
    for f in files:
        by_package.setdefault(f.package, []).append(f)
    packages = []
    names = sorted(set(data.descriptors) | {p for p in by_package if p})
    for name in names:
        descriptor = data.descriptors.get(name, {})
        licenses = tuple((str(lic.get("name", "")), str(lic.get("path", ""))) for lic in descriptor.get("licenses", []))
        packages.append(PackageDownloads(
            name=name,
            title=str(descriptor.get("title", name)),
            version=str(descriptor.get("version", "")),
            licenses=licenses,
            citation=_citation(descriptor, name),
            files=tuple(sorted(by_package.get(name, []), key=lambda f: f.path)),
            resources=_resource_docs(descriptor),
        ))
    page = DownloadsPage("downloads/index.md", tuple(packages),
                         tuple(sorted(by_package.get("", []), key=lambda f: f.path)), "downloads/SHA256SUMS.txt")
    return _render(env, "downloads.md.j2", page)
