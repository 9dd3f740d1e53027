"""Every generated page of a site: the model, the assessments and the charts turned into
page contexts (``contexts``) and rendered (``render``).

Pure apart from reading templates: nothing here opens a data file (the model carries
the plans' texts). Everything iterates in a fixed order and numbers are worded by one
module (``builder.text``), so the same input gives the same text.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import jinja2

from builder import plantext, progress
from builder.model import DataRoot, Indicator, Observation, PlanPackage, Target, latest_observation
from builder.problems import CATALOGUE
from builder.progress import Assessment
from builder.site import contexts as c
from builder.site.render import render
from builder.site.urls import ABOUT, CODES, HOME, METHODOLOGY, Urls
from builder.text import zh

AssessmentMap = Mapping[tuple[str, str], Assessment]


def target_anchor(target_id: str) -> str:
    """The HTML id of a target's marked words in the annotated plan."""
    return f"t-{target_id}"


def _target_sort_key(target: Target) -> tuple:
    return (target.target_year or 9999, target.target_id)


def _indicator_sort_key(indicator: Indicator) -> tuple:
    return (indicator.area_id or 0, indicator.task_id or 0, indicator.indicator_id)


def _status_counts(rows, *, every: bool = False) -> tuple[c.StatusCount, ...]:
    counts = []
    for status in progress.STATUSES:
        n = sum(1 for r in rows if r.status == status)
        if n or every:
            counts.append(c.StatusCount(status, zh.status_label(status), n))
    return tuple(counts)


@dataclass(frozen=True)
class ChartInputs:
    """Everything an indicator's ChartView is computed from (the arguments of chart_view)."""

    indicator: Indicator
    targets: tuple[Target, ...]  # the indicator's targets, by target year then id
    observations: tuple[Observation, ...]  # its published values, oldest first
    assessments: dict[str, Assessment]  # the assessments of those targets, by target id

    @classmethod
    def of(cls, data: DataRoot, assessments: AssessmentMap, plan: PlanPackage, indicator: Indicator) -> ChartInputs:
        targets = tuple(sorted(plan.targets_for(indicator.indicator_id), key=_target_sort_key))
        return cls(indicator, targets, data.observations_for(indicator.key),
                   {t.target_id: assessments[t.key] for t in targets})

    def __iter__(self):
        return iter((self.indicator, self.targets, self.observations, self.assessments))


def chart_inputs(data: DataRoot, assessments: AssessmentMap) -> dict[tuple[str, str], ChartInputs]:
    """The inputs of every indicator's chart, by (plan_id, indicator_id), in plan then id order."""
    return {indicator.key: ChartInputs.of(data, assessments, plan, indicator)
            for plan in data.plans for indicator in sorted(plan.indicators, key=lambda i: i.indicator_id)}


def chart_view(indicator: Indicator, targets, observations, assessments: Mapping[str, Assessment]) -> c.ChartView:
    """An indicator's chart: spec, summary sentence, required path in words and data table rows."""
    from builder import charts  # imported on use: a build whose charts all come from the cache never loads Altair

    parts = charts.chart_parts(indicator, targets, observations, assessments)
    rows = tuple(c.ChartRow(year=str(row["year"]), kind=str(row["kind"]), value=str(row["value"]),
                            note=str(row["note"] or "")) for row in parts.table)
    spec_json = charts.spec_to_json(parts.spec) if parts.spec is not None else None
    return c.ChartView(indicator.indicator_id, indicator.name_zh, spec_json, parts.summary_zh, parts.path_zh, rows)


class SiteModel:
    """The model as the pages see it: rows, links and charts, each built once per build."""

    def __init__(self, data: DataRoot, assessments: AssessmentMap, urls: Urls,
                 charts: Mapping[tuple[str, str], c.ChartView] | None = None):
        self.data = data
        self.assessments = assessments
        self.urls = urls
        self._charts: dict[tuple[str, str], c.ChartView] = dict(charts or {})
        self._rows: dict[tuple[str, str], c.TargetRow] = {}
        self.marked: dict[str, _MarkedPlan] = {p.plan_id: _mark_plan(p, urls) for p in data.plans}
        self.page_order = {p.plan_id: tuple(sorted(p.indicators, key=_indicator_sort_key)) for p in data.plans}
        # children's indicators that name a parent indicator as comparable: (parent plan, indicator) → [(child, ind)]
        self.comparable_children: dict[tuple[str, str], list[tuple[PlanPackage, Indicator]]] = {}
        for plan in data.plans:
            parent = data.parent(plan)
            for indicator in plan.indicators:
                if parent is not None and indicator.comparable_indicator_id and parent.indicator(
                        indicator.comparable_indicator_id):
                    key = (parent.plan_id, indicator.comparable_indicator_id)
                    self.comparable_children.setdefault(key, []).append((plan, indicator))

    # --- words that depend on the hierarchy ----------------------------------------------------
    def authority(self, plan: PlanPackage) -> str:
        """Who a deferred target of this plan defers to: 省, 国家 ..."""
        parent = self.data.parent(plan)
        return zh.authority(plan.plan.jurisdiction_level, parent.plan.jurisdiction_level if parent else None)

    # --- rows ----------------------------------------------------------------------------------------
    def target_row(self, target: Target) -> c.TargetRow:
        """The target's row, built once (a target is listed on several pages)."""
        row = self._rows.get(target.key)
        if row is None:
            row = self._rows[target.key] = self._make_target_row(target)
        return row

    def _make_target_row(self, target: Target) -> c.TargetRow:
        plan = self.data.plan(target.plan_id)
        indicator = plan.indicator(target.indicator_id)
        assessment = self.assessments[target.key]
        observations = self.data.observations_for(indicator.key)
        latest = assessment.latest or latest_observation(observations)
        authority = self.authority(plan)
        return c.TargetRow(
            target=target, indicator=indicator, assessment=assessment,
            indicator_path=self.urls.indicator(plan.plan_id, indicator.indicator_id),
            target_text=zh.target_short(target, indicator, authority),
            target_words=zh.describe_target(target, indicator, authority),
            year_text=str(target.target_year) if target.target_year else "—",
            latest_text=zh.observation_text(latest, indicator) if latest else zh.NO_VALUE,
            has_value=bool(observations), status=assessment.status, status_zh=zh.status_label(assessment.status),
            reason_zh=zh.reason_short(assessment), explanation_zh=zh.explain(assessment, target, indicator, authority),
            plan_anchor=self.marked[plan.plan_id].anchors.get(target.target_id),
            parent_figures=self.parent_figures(plan, target, indicator) if target.kind == "deferred" else ())

    def parent_figures(self, plan: PlanPackage, target: Target, indicator: Indicator) -> tuple[c.ParentFigure, ...]:
        """The parent plan's comparable targets, those of the same year first (else every numeric one)."""
        parent = self.data.parent(plan)
        other = parent.indicator(indicator.comparable_indicator_id) if parent and indicator.comparable_indicator_id else None
        if other is None:
            return ()
        candidates = [t for t in parent.targets_for(other.indicator_id) if t.kind in progress.NUMERIC_KINDS]
        same_year = [t for t in candidates if t.target_year == target.target_year]
        figures = []
        for t in sorted(same_year or candidates, key=_target_sort_key):
            row = self.target_row(t)
            figures.append(c.ParentFigure(parent.plan.title_zh, parent.plan.jurisdiction_zh, row.target_text,
                                          row.year_text, row.status, row.status_zh, row.indicator_path))
        return tuple(figures)

    def rows_for_indicator(self, plan: PlanPackage, indicator_id: str) -> tuple[c.TargetRow, ...]:
        return tuple(self.target_row(t) for t in sorted(plan.targets_for(indicator_id), key=_target_sort_key))

    def plan_rows(self, plan: PlanPackage) -> list[c.TargetRow]:
        return [self.target_row(t) for t in sorted(plan.targets, key=lambda t: t.target_id)]

    def chart(self, plan: PlanPackage, indicator: Indicator) -> c.ChartView:
        """The indicator's chart view, built once (area and indicator pages show the same chart)."""
        view = self._charts.get(indicator.key)
        if view is None:
            view = self._charts[indicator.key] = chart_view(*ChartInputs.of(self.data, self.assessments, plan,
                                                                             indicator))
        return view

    # --- plans ------------------------------------------------------------------------------------
    def share(self, plan: PlanPackage, indicator: Indicator) -> c.ChartShare:
        """What a reader can take away of an indicator's chart."""
        publishers = sorted({source.publisher for o in self.data.observations_for(indicator.key)
                             if (source := self.data.source(o.source_id)) is not None})
        parts = [f"公开数值：{'、'.join(publishers)}"] if publishers else ["暂无公开数值"]
        parts.append(f"目标：《{plan.plan.title_zh}》")
        return c.ChartShare(f"{indicator.name_zh}（{plan.plan.jurisdiction_zh}）", "；".join(parts),
                            self.urls.indicator(plan.plan_id, indicator.indicator_id),
                            self.urls.embed(plan.plan_id, indicator.indicator_id),
                            self.urls.share_image(plan.plan_id, indicator.indicator_id))

    def links(self, plan: PlanPackage) -> c.PlanLinks:
        u, p = self.urls, plan.plan_id
        return c.PlanLinks(u.plan_home(p), u.areas_index(p), u.departments_index(p), u.plan_text(p),
                           u.compare(p) if self.data.children(plan) else None, u.plan_targets_csv(p),
                           u.package_zip(plan.package.name))

    def summary(self, plan: PlanPackage) -> c.PlanSummary:
        rows = self.plan_rows(plan)
        return c.PlanSummary(plan, self.links(plan), zh.LEVEL_NOUN.get(plan.plan.jurisdiction_level, ""), len(rows),
                             sum(1 for r in rows if not r.has_value), _status_counts(rows, every=True))

    def area_cards(self, plan: PlanPackage) -> tuple[c.AreaCard, ...]:
        cards = []
        for area in sorted(plan.areas, key=lambda a: a.area_id):
            rows = [r for i in self.page_order[plan.plan_id] if i.area_id == area.area_id
                    for r in self.rows_for_indicator(plan, i.indicator_id)]
            cards.append(c.AreaCard(area, self.urls.area(plan.plan_id, area.area_id), len(rows),
                                    sum(1 for r in rows if not r.has_value), _status_counts(rows)))
        return tuple(cards)


# ---------------------------------------------------------------------------------------------------
# The annotated plan text
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _MarkedPlan:
    blocks: tuple[plantext.PlanBlock, ...]
    anchors: dict[str, str]  # target id → docs-relative link to its marked words


def _mark_plan(plan: PlanPackage, urls: Urls) -> _MarkedPlan:
    """The plan's text as marked blocks, with links to every target quote found."""
    if not plan.text:
        return _MarkedPlan((), {})
    page_path = urls.plan_text(plan.plan_id)
    quotes = {target_anchor(t.target_id): (t.quote_zh, t.clause) for t in plan.targets}
    blocks, spans = plantext.locate_in_text(plan.text, plan.furniture, quotes)
    refs = {target_anchor(t.target_id): (plan.indicator(t.indicator_id).name_zh,
                                         urls.indicator(plan.plan_id, t.indicator_id))
            for t in plan.targets if plan.indicator(t.indicator_id)}
    anchors = {t.target_id: f"{page_path}#{target_anchor(t.target_id)}"
               for t in plan.targets if target_anchor(t.target_id) in spans}
    return _MarkedPlan(plantext.mark_blocks(blocks, spans, refs, 2), anchors)


# ---------------------------------------------------------------------------------------------------
# Page contexts
# ---------------------------------------------------------------------------------------------------

def home_page(site: SiteModel, plan: PlanPackage) -> c.HomePage:
    rows = site.plan_rows(plan)
    headline = tuple(r for i in site.page_order[plan.plan_id] if i.area_id is None
                     for r in site.rows_for_indicator(plan, i.indicator_id))
    lead = next((r for r in headline if r.target.kind == "qualitative" and r.plan_anchor), None)
    parent = site.data.parent(plan)
    return c.HomePage(
        site.urls.plan_home(plan.plan_id), plan, site.links(plan), lead, headline, site.area_cards(plan), len(rows),
        sum(1 for r in rows if not r.has_value), _status_counts(rows, every=True),
        site.summary(parent) if parent else None, tuple(site.summary(child) for child in site.data.children(plan)))


def portal_page(site: SiteModel) -> c.PortalPage:
    summaries = tuple(site.summary(plan) for plan in site.data.plans)
    return c.PortalPage(HOME, summaries, tuple((s, zh.status_label(s)) for s in progress.STATUSES),
                        sum(s.target_count for s in summaries), sum(s.no_value_count for s in summaries))


def _department_links(site: SiteModel, plan: PlanPackage, task_id: int) -> tuple[c.DepartmentLink, ...]:
    links = sorted((td for td in plan.task_departments if td.task_id == task_id and plan.department(td.department_id)),
                   key=lambda td: (td.role != "lead", td.order, td.department_id))
    return tuple(c.DepartmentLink(plan.department(td.department_id), td.role, zh.ROLE.get(td.role, td.role),
                                  site.urls.department(plan.plan_id, td.department_id)) for td in links)


def area_page(site: SiteModel, plan: PlanPackage, area) -> c.AreaPage:
    indicators = [i for i in site.page_order[plan.plan_id] if i.area_id == area.area_id]
    tasks = sorted((t for t in plan.tasks if t.area_id == area.area_id), key=lambda t: t.task_id)
    task_views = tuple(
        c.TaskView(task, _department_links(site, plan, task.task_id),
                   tuple(r for i in indicators if i.task_id == task.task_id
                         for r in site.rows_for_indicator(plan, i.indicator_id)))
        for task in tasks)
    rows = tuple(r for i in indicators for r in site.rows_for_indicator(plan, i.indicator_id))
    sections = tuple(c.IndicatorSection(i, site.urls.indicator(plan.plan_id, i.indicator_id), site.chart(plan, i),
                                        site.rows_for_indicator(plan, i.indicator_id), site.share(plan, i))
                     for i in indicators)
    task_ids = {t.task_id for t in tasks}
    projects = tuple(
        c.ProjectView(p, zh.PROJECT_STATUS.get(p.status, p.status), site.data.source(p.status_source_id))
        for p in sorted(plan.key_projects, key=lambda p: (p.task_id, p.project_id)) if p.task_id in task_ids)
    return c.AreaPage(site.urls.area(plan.plan_id, area.area_id), plan, site.links(plan), area, task_views, rows,
                      sections, projects, site.urls.area_csv(plan.plan_id, area.area_id))


def indicator_page(site: SiteModel, plan: PlanPackage, indicator: Indicator) -> c.IndicatorPage:
    area = plan.area(indicator.area_id)
    values = tuple(c.ValueRow(o, zh.value_of(o.value, indicator), zh.VALUE_STATUS.get(o.status, o.status),
                              site.data.source(o.source_id))
                   for o in site.data.observations_for(indicator.key))
    comparable = []
    parent = site.data.parent(plan)
    if parent is not None and indicator.comparable_indicator_id:
        other = parent.indicator(indicator.comparable_indicator_id)
        if other is not None:
            comparable.append(c.ComparableLink(other, site.urls.indicator(parent.plan_id, other.indicator_id),
                                               parent.plan.title_zh, parent.plan.jurisdiction_zh, "parent",
                                               site.rows_for_indicator(parent, other.indicator_id)))
    for child, other in site.comparable_children.get(indicator.key, []):
        comparable.append(c.ComparableLink(other, site.urls.indicator(child.plan_id, other.indicator_id),
                                           child.plan.title_zh, child.plan.jurisdiction_zh, "child",
                                           site.rows_for_indicator(child, other.indicator_id)))
    rows = site.rows_for_indicator(plan, indicator.indicator_id)
    page_path = site.urls.indicator(plan.plan_id, indicator.indicator_id)
    subject, body = zh.error_report(plan.plan.title_zh, indicator.name_zh, page_path, [r.target_words for r in rows])
    return c.IndicatorPage(
        page_path, plan, site.links(plan), indicator, area,
        site.urls.area(plan.plan_id, area.area_id) if area else None, plan.task(indicator.task_id),
        site.chart(plan, indicator), rows, values, tuple(comparable),
        site.urls.indicator_csv(plan.plan_id, indicator.indicator_id), site.share(plan, indicator), subject, body)


def department_pages(site: SiteModel, plan: PlanPackage) -> tuple[c.DepartmentsIndexPage, list[c.DepartmentPage]]:
    rows, pages = [], []
    tasks_by_id = {t.task_id: t for t in plan.tasks}
    for department in sorted(plan.departments, key=lambda d: d.department_id):
        roles = sorted(((td.role, td.task_id) for td in plan.task_departments
                        if td.department_id == department.department_id and td.task_id in tasks_by_id),
                       key=lambda rt: (rt[0] != "lead", rt[1]))
        tasks = []
        for role, task_id in roles:
            task = tasks_by_id[task_id]
            area = plan.area(task.area_id)
            targets = tuple(r for i in site.page_order[plan.plan_id] if i.task_id == task.task_id
                            for r in site.rows_for_indicator(plan, i.indicator_id))
            tasks.append(c.DepartmentTask(task, role, zh.ROLE.get(role, role), area,
                                          site.urls.area(plan.plan_id, area.area_id) if area else None, targets))
        targets = tuple(r for t in tasks for r in t.targets)
        path = site.urls.department(plan.plan_id, department.department_id)
        pages.append(c.DepartmentPage(path, plan, site.links(plan), department, tuple(tasks), targets,
                                      _status_counts(targets)))
        rows.append(c.DepartmentRow(department, path, sum(1 for t in tasks if t.role == "lead"),
                                    sum(1 for t in tasks if t.role != "lead"), len(targets)))
    index = c.DepartmentsIndexPage(site.urls.departments_index(plan.plan_id), plan, site.links(plan), tuple(rows))
    return index, pages


def plan_text_page(site: SiteModel, plan: PlanPackage) -> c.PlanPage:
    marked = site.marked[plan.plan_id]
    rows = {t.target_id: site.target_row(t) for t in plan.targets}
    unfound = tuple(rows[k] for k in sorted(rows) if k not in marked.anchors)
    return c.PlanPage(site.urls.plan_text(plan.plan_id), plan, site.links(plan), marked.blocks, unfound,
                      len(marked.anchors))


def compare_page(site: SiteModel, plan: PlanPackage) -> c.ComparePage:
    children = site.data.children(plan)
    rows = []
    for indicator in site.page_order[plan.plan_id]:
        mapped = site.comparable_children.get(indicator.key, [])
        for target_row in site.rows_for_indicator(plan, indicator.indicator_id):
            cells = []
            for child in children:
                own = tuple(r for other_plan, other in mapped if other_plan.plan_id == child.plan_id
                            for r in site.rows_for_indicator(child, other.indicator_id))
                cells.append(c.CompareCell(own))
            rows.append(c.CompareRow(target_row, tuple(cells)))
    rows.sort(key=lambda r: not any(cell.targets for cell in r.cells))  # stable: comparable rows first
    return c.ComparePage(site.urls.compare(plan.plan_id), plan, site.links(plan),
                         tuple(site.summary(child) for child in children), tuple(rows))


def methodology_page(data: DataRoot) -> c.MethodologyPage:
    examples = zh.status_examples()
    statuses = tuple(c.StatusEntry(s, zh.status_label(s), zh.STATUS_MEANING[s], *examples[s]) for s in progress.STATUSES)
    rules = tuple(c.MethodRule(kind, title, rule) for kind, title, rule in zh.METHOD_RULES)
    sources = tuple(sorted(data.sources, key=lambda s: (s.publisher, s.date, s.source_id)))
    codes = tuple(c.CodeEntry(code, info.title, info.description, info.hint,
                              "错误" if info.severity == "error" else "警告")
                  for code, info in sorted(CATALOGUE.items()))
    return c.MethodologyPage(METHODOLOGY, statuses, rules, zh.thresholds(), sources, codes)


# ---------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------

def render_pages(site: SiteModel, env: jinja2.Environment, *, portal: bool) -> dict[str, str]:
    """Every generated page but the downloads page: docs-relative path → Markdown text."""
    data = site.data
    rendered: dict[str, str] = {}

    def put(template: str, page) -> None:
        rendered[page.page_path] = render(env, template, page)

    if portal:
        put("portal.md.j2", portal_page(site))
    for plan in data.plans:
        put("home.md.j2", home_page(site, plan))
        put("areas_index.md.j2", c.AreasIndexPage(site.urls.areas_index(plan.plan_id), plan, site.links(plan),
                                                  site.area_cards(plan),
                                                  tuple((s, zh.status_label(s)) for s in progress.STATUSES)))
        for area in sorted(plan.areas, key=lambda a: a.area_id):
            put("area.md.j2", area_page(site, plan, area))
        for indicator in sorted(plan.indicators, key=lambda i: i.indicator_id):
            put("indicator.md.j2", indicator_page(site, plan, indicator))
        index, departments = department_pages(site, plan)
        put("departments_index.md.j2", index)
        for page in departments:
            put("department.md.j2", page)
        put("plan.md.j2", plan_text_page(site, plan))
        if data.children(plan):
            put("compare.md.j2", compare_page(site, plan))
    method = methodology_page(data)
    put("methodology.md.j2", method)
    put("codes.md.j2", replace(method, page_path=CODES))
    put("about.md.j2", c.AboutPage(ABOUT, tuple(site.summary(p) for p in data.plans)))
    return rendered
