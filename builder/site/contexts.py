"""What each page template receives: documented dataclasses, one per page type and
one per repeated part. Templates read only these (and ``site``, the SiteInfo), so
a project overriding a template knows exactly what it can use.

Paths are docs-relative (``plans/p/indicators/x.md``); templates make them relative
to the page being rendered with the ``rel`` filter. Text fields hold plain text;
templates escape it.
"""
from __future__ import annotations

from dataclasses import dataclass

from builder.model import (ActionArea, Department, Indicator, KeyProject, Observation, PlanPackage, Source, Target,
                           Task)
from builder.plantext import PlanBlock
from builder.progress import Assessment


@dataclass(frozen=True)
class Contact:
    """Where readers report errors (from the site config)."""

    name: str
    email: str
    phone: str
    url: str  # a form or message page, http(s)

    @property
    def given(self) -> bool:
        return bool(self.email or self.phone or self.url)


@dataclass(frozen=True)
class NavLink:
    """A link in a list of pages (plans on the portal, plans in a hierarchy)."""

    title: str
    path: str  # docs-relative


@dataclass(frozen=True)
class SiteInfo:
    """What every template may use about the site as a whole (``site`` in templates)."""

    title: str
    description: str
    maintainer: str
    contact: Contact
    portal: bool  # whether the home page lists every plan
    plans: tuple[NavLink, ...]  # every plan's home, in the data root's order
    data_as_of: str  # ISO date the data vouches for ("数据截至")
    release: str  # the version of the data release the site shows
    changelog_path: str  # docs-relative 更新记录 page
    chart_images: bool  # whether each chart has a share image (share.chart_images)


@dataclass(frozen=True)
class StatusCount:
    """How many targets have one status."""

    status: str  # one of progress.STATUSES
    label_zh: str  # the status as a Chinese word, e.g. 进展顺利
    count: int


@dataclass(frozen=True)
class ParentFigure:
    """A comparable target of the parent plan, shown beside a target that defers to it."""

    plan_title: str
    jurisdiction: str
    target_text: str  # short, e.g. "≥ 17.7%"
    year_text: str
    status: str
    status_zh: str
    indicator_path: str  # the parent indicator's page


@dataclass(frozen=True)
class TargetRow:
    """One target as listed in tables: the target, its indicator and its assessment, formatted."""

    target: Target
    indicator: Indicator
    assessment: Assessment
    indicator_path: str  # docs-relative page of the indicator
    target_text: str  # the target in a few characters, e.g. "≥ 8.6%", "比2020年下降 14.5%"
    target_words: str  # the target in a sentence, e.g. "到 2025 年不低于 8.6%"
    year_text: str  # target year, or "—" where the plan gives none
    latest_text: str  # latest published value with its year, or 暂无公开数值
    has_value: bool  # whether any value of the indicator has been published
    status: str  # assessment status key
    status_zh: str  # the status as a Chinese word
    reason_zh: str  # why a target is not judged, in a few words ("" when it is judged)
    explanation_zh: str  # how the status was worked out, with its numbers
    plan_anchor: str | None  # docs-relative link to the marked quote in the annotated plan, if found
    parent_figures: tuple[ParentFigure, ...]  # the parent plan's comparable targets (deferred targets)


@dataclass(frozen=True)
class ChartRow:
    """One row of a chart's accessible data table (published values and the plan's figures, never computed ones)."""

    year: str
    kind: str  # 公开数值 / 目标 / 基准
    value: str  # formatted number with unit, or "—"
    note: str


@dataclass(frozen=True)
class ChartView:
    """A chart with its one-sentence summary, its required path in words and its data as a table."""

    indicator_id: str
    name_zh: str  # indicator name, for the table heading
    spec_json: str | None  # the Vega-Lite spec as charts.spec_to_json text; None when there is nothing to draw
    summary_zh: str  # one plain-language sentence
    path_zh: str  # the dashed required path in words ("" when none)
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
class ChartShare:
    """What a reader can take away of a chart: the words printed on a downloaded image, a permalink, an embed page."""

    title: str  # printed on the image: the indicator's name and where
    source_zh: str  # printed under it: where the values and the target come from
    page_path: str  # docs-relative page holding the chart (the permalink's page)
    embed_path: str  # docs-relative standalone page of the chart alone, for an iframe
    image_path: str  # docs-relative share image (PNG) of the chart, when the site makes them


@dataclass(frozen=True)
class IndicatorSection:
    """An indicator on an area page: link, chart and its targets."""

    indicator: Indicator
    path: str  # docs-relative indicator page
    chart: ChartView
    targets: tuple[TargetRow, ...]
    share: ChartShare


@dataclass(frozen=True)
class AreaCard:
    """An action area as a card on a plan's home and areas pages."""

    area: ActionArea
    path: str  # docs-relative area page
    target_count: int
    no_value_count: int  # targets whose indicator has no published value
    status_counts: tuple[StatusCount, ...]  # only statuses that occur, in progress.STATUSES order


@dataclass(frozen=True)
class PlanLinks:
    """The pages of one plan, for links between them."""

    home: str
    areas: str
    departments: str
    text: str
    compare: str | None  # the comparison with the plans answering to it, when there are any
    targets_csv: str
    package_zip: str


@dataclass(frozen=True)
class PlanSummary:
    """A plan at a glance: the portal's cards and the links between plans of a hierarchy."""

    plan: PlanPackage
    links: PlanLinks
    level_zh: str  # 省级, 市级 ...
    target_count: int
    no_value_count: int
    status_counts: tuple[StatusCount, ...]  # every status, in progress.STATUSES order


@dataclass(frozen=True)
class HomePage:
    """A plan's home: the plan at a glance (the site's home when it is the home plan)."""

    page_path: str
    plan: PlanPackage
    links: PlanLinks
    lead_quote: TargetRow | None  # the plan's headline commitment (a main target without a number), if any
    headline: tuple[TargetRow, ...]  # targets of indicators with no area (the plan's main targets)
    cards: tuple[AreaCard, ...]
    target_count: int
    no_value_count: int  # targets whose indicator has no published value
    status_counts: tuple[StatusCount, ...]  # every status listed
    parent: PlanSummary | None  # the plan this one answers to, when it is in the data
    children: tuple[PlanSummary, ...]  # the plans answering to this one


@dataclass(frozen=True)
class PortalPage:
    """index.md of a portal: every plan with its counts by status."""

    page_path: str
    plans: tuple[PlanSummary, ...]  # in the data root's order (parents before their children)
    statuses: tuple[tuple[str, str], ...]  # (status, Chinese word) in progress.STATUSES order
    target_count: int
    no_value_count: int


@dataclass(frozen=True)
class AreasIndexPage:
    """A plan's areas: every action area with its counts by status."""

    page_path: str
    plan: PlanPackage
    links: PlanLinks
    cards: tuple[AreaCard, ...]
    statuses: tuple[tuple[str, str], ...]  # (status, Chinese word) in progress.STATUSES order


@dataclass(frozen=True)
class AreaPage:
    """One action area of a plan."""

    page_path: str
    plan: PlanPackage
    links: PlanLinks
    area: ActionArea
    tasks: tuple[TaskView, ...]
    targets: tuple[TargetRow, ...]  # every target of the area's indicators
    indicators: tuple[IndicatorSection, ...]
    projects: tuple[ProjectView, ...]
    area_csv: str  # docs-relative download of the area's targets


@dataclass(frozen=True)
class ValueRow:
    """A published value of an indicator with its source."""

    observation: Observation
    value_text: str  # number with unit
    status_zh: str  # 初步数 / 最终数 / 修订数
    source: Source | None  # None only if the reference is broken (validation reports that)


@dataclass(frozen=True)
class ComparableLink:
    """An indicator of another plan that measures the same thing, with its targets there."""

    indicator: Indicator
    path: str
    plan_title: str
    jurisdiction: str
    relation: str  # "parent" (the plan this one answers to) | "child"
    targets: tuple[TargetRow, ...]


@dataclass(frozen=True)
class IndicatorPage:
    """One indicator of one plan."""

    page_path: str
    plan: PlanPackage
    links: PlanLinks
    indicator: Indicator
    area: ActionArea | None  # the action area, None for a main target
    area_path: str | None
    task: Task | None
    chart: ChartView
    targets: tuple[TargetRow, ...]
    values: tuple[ValueRow, ...]  # published values, oldest first; () when none
    comparable: tuple[ComparableLink, ...]  # in the parent plan and in the plans answering to this one
    csv_path: str  # docs-relative download of this indicator
    share: ChartShare
    report_subject: str  # subject of an error report about this page
    report_body: str  # body of an error report: the page and its targets, to fill in


@dataclass(frozen=True)
class DepartmentRow:
    """A responsible unit on a plan's departments index."""

    department: Department
    path: str
    lead_count: int  # tasks it leads
    support_count: int  # tasks it supports
    target_count: int  # targets of those tasks


@dataclass(frozen=True)
class DepartmentsIndexPage:
    """Every responsible unit of one plan."""

    page_path: str
    plan: PlanPackage
    links: PlanLinks
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
    """One responsible unit of one plan and what it answers for."""

    page_path: str
    plan: PlanPackage
    links: PlanLinks
    department: Department
    tasks: tuple[DepartmentTask, ...]  # lead tasks first, then support, each by task number
    targets: tuple[TargetRow, ...]  # every target of those tasks
    status_counts: tuple[StatusCount, ...]


@dataclass(frozen=True)
class PlanPage:
    """A plan's text, each target's words marked."""

    page_path: str
    plan: PlanPackage
    links: PlanLinks
    blocks: tuple[PlanBlock, ...]  # () when the text was not given
    unfound: tuple[TargetRow, ...]  # targets whose quote was not found in the text
    marked_count: int


@dataclass(frozen=True)
class CompareCell:
    """One child plan's comparable targets for one parent target."""

    targets: tuple[TargetRow, ...]  # () when the child has no comparable indicator


@dataclass(frozen=True)
class CompareRow:
    """A parent target and, for each child plan, its comparable targets."""

    target: TargetRow
    cells: tuple[CompareCell, ...]  # in the order of ComparePage.children


@dataclass(frozen=True)
class ComparePage:
    """A parent plan's targets beside those of the plans answering to it (a matrix)."""

    page_path: str
    plan: PlanPackage
    links: PlanLinks
    children: tuple[PlanSummary, ...]
    rows: tuple[CompareRow, ...]  # the parent's targets with at least one comparable child target first


@dataclass(frozen=True)
class CodeEntry:
    """A validation code from problems.CATALOGUE."""

    code: str
    title: str
    description: str
    hint: str
    severity_zh: str  # 错误 | 警告


@dataclass(frozen=True)
class MethodRule:
    """A rule of the method, worded by the text module."""

    kind: str
    title_zh: str
    rule_zh: str


@dataclass(frozen=True)
class StatusEntry:
    """A status of the ladder with what it means."""

    status: str
    label_zh: str
    meaning_zh: str
    example_setup_zh: str  # an example with invented figures: the target and the values
    example_zh: str  # what the site says of that example, worked out by the same code


@dataclass(frozen=True)
class MethodologyPage:
    """methodology.md: the status ladder, the rules, their thresholds, the sources and the validation codes."""

    page_path: str
    statuses: tuple[StatusEntry, ...]  # in progress.STATUSES order
    rules: tuple[MethodRule, ...]
    thresholds: tuple[tuple[str, str], ...]  # (what it is, value)
    sources: tuple[Source, ...]  # sorted by publisher, date, id
    codes: tuple[CodeEntry, ...]  # sorted by code


@dataclass(frozen=True)
class DownloadFile:
    """A file the build writes under docs/downloads/, as listed on the downloads page."""

    path: str  # docs-relative, e.g. "downloads/city-plan/data/targets.csv"
    size_bytes: int
    sha256: str  # hex digest of the file's bytes
    description_zh: str  # what the file holds, in Chinese
    package: str  # data package it belongs to; "" for files the site derives (per plan, area or indicator)
    plan_id: str  # the plan a derived file is about; "" for package files and site-wide files


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
class PlanDownloads:
    """The files derived for one plan: all its targets, per area and per indicator."""

    plan: PlanPackage
    files: tuple[DownloadFile, ...]  # targets first, then areas and indicators in natural order


@dataclass(frozen=True)
class DownloadsPage:
    """downloads/index.md."""

    page_path: str
    packages: tuple[PackageDownloads, ...]  # by package name
    plans: tuple[PlanDownloads, ...]
    site_files: tuple[DownloadFile, ...]  # site-wide derived files (all targets)
    checksums_path: str  # docs-relative SHA256SUMS.txt
    dictionary_path: str  # docs-relative data dictionary page
    derived_columns: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (table, ((column, meaning), ...))


@dataclass(frozen=True)
class ReleaseView:
    """One data release as the changelog lists it."""

    version: str
    date: str
    short_hash: str
    anchor: str  # the id of its heading on the changelog page
    summary_zh: str
    values: tuple[str, ...]  # one line per published value added, changed or removed
    statuses: tuple[str, ...]  # one line per target whose status moved
    targets: tuple[str, ...]  # one line per target added, removed or edited


@dataclass(frozen=True)
class ChangelogPage:
    """changelog.md (更新记录): every data release, newest first."""

    page_path: str
    releases: tuple[ReleaseView, ...]
    feed_path: str  # docs-relative Atom feed of the releases


@dataclass(frozen=True)
class AboutPage:
    """about.md: what the site is, who keeps it and how to report an error."""

    page_path: str
    plans: tuple[PlanSummary, ...]
