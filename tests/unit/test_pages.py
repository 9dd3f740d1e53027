"""Pages as a reader sees them (``builder.site``): which pages exist for every plan, what each
shows, that every link between pages resolves, and that text from the data can never become
markup. Rendered from the SYNTHETIC project (a province, a city and a second city whose ids
collide with the first's), converted to HTML where it matters; the annotated plan also from
the real packages."""
from __future__ import annotations

import dataclasses
import html
import json
import posixpath
import re
import shutil
from pathlib import Path

import markdown
import pytest
import yaml
from fixtures.bad_cases import SYNTHETIC_DIR, SYNTHETIC_PROJECT
from markupsafe import Markup, escape

from builder import charts, clock, progress
from builder.build import generate_project
from builder.config import PORTAL, load_config, resolve
from builder.load import load_data_root
from builder.model import DataRoot
from builder.problems import CATALOGUE
from builder.site import pages
from builder.site.contexts import Contact, NavLink, SiteInfo
from builder.site.render import make_environment, md_escape, render
from builder.site.urls import ABOUT, CHANGELOG, CODES, HOME, METHODOLOGY, Urls, relative_link
from builder.text import zh

CITY, SECOND, PROVINCE = "synthetic-songyuan", "synthetic-second-city", "synthetic-jilin"
EVIL = "<script>alert(1)</script>"
# The Markdown extensions the site's MkDocs settings enable.
EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "def_list", "toc"]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def load(root: Path) -> DataRoot:
    data, problems = load_data_root(root)
    assert data is not None and not any(p.is_error for p in problems), problems
    return data


class Site:
    """The pages of a data root as the build renders them, with the model behind them."""

    def __init__(self, data: DataRoot, home: str = CITY, overrides: tuple[Path, ...] = ()):
        self.data = data
        self.portal = home == PORTAL
        self.assessments = progress.assess_all(data, clock.as_of(data).year)
        self.urls = Urls(None if self.portal else home)
        self.model = pages.SiteModel(data, self.assessments, self.urls)
        info = SiteInfo("合成测试网站（SYNTHETIC）", "合成测试数据", "合成维护者", Contact("", "a@example.org", "", ""),
                        self.portal, tuple(NavLink(p.plan.title_zh, self.urls.plan_home(p.plan_id)) for p in data.plans),
                        clock.as_of(data).isoformat(), "2024.06.01", CHANGELOG, False)
        self.env = make_environment(list(overrides), site=info)
        self.pages = pages.render_pages(self.model, self.env, portal=self.portal)

    def __getitem__(self, path: str) -> str:
        return self.pages[path]

    def page(self, plan_id: str, rest: str) -> str:
        """A plan's page by its path below plans/<plan_id>/ ("index.md" is the plan's home)."""
        path = self.urls.plan_home(plan_id) if rest == "index.md" else f"plans/{plan_id}/{rest}"
        return self.pages[path]


def heading(text: str) -> str:
    """A page's h1 (after its front matter)."""
    return next(line for line in text.splitlines() if line.startswith("# "))


def split_front_matter(text: str) -> tuple[dict, str]:
    """(the page's front matter, as MkDocs reads it, and the Markdown after it)."""
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    if match is None:
        return {}, text
    return yaml.safe_load(match.group(1)), text[match.end():]


def to_html(text: str) -> str:
    """The page as MkDocs turns it into HTML: front matter taken off, Markdown converted."""
    return markdown.markdown(split_front_matter(text)[1], extensions=EXTENSIONS)


def text_of(markdown_text: str) -> str:
    """What a reader sees: the page converted to HTML, tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", to_html(markdown_text)))


def replace_in(data: DataRoot, plan_id: str, attr: str, key, **changes) -> DataRoot:
    """A copy of data with one record of a plan changed (key: (field, value) to find it)."""
    plans = []
    for plan in data.plans:
        if plan.plan_id == plan_id:
            if attr == "plan":
                plan = dataclasses.replace(plan, plan=dataclasses.replace(plan.plan, **changes))
            else:
                field, value = key
                items = tuple(dataclasses.replace(item, **changes) if getattr(item, field) == value else item
                              for item in getattr(plan, attr))
                plan = dataclasses.replace(plan, **{attr: items})
        plans.append(plan)
    return dataclasses.replace(data, plans=tuple(plans))


def without_observations(data: DataRoot, keys: set[tuple[str, str]]) -> DataRoot:
    kept = tuple(o for o in data.observations if o.indicator_key not in keys)
    return dataclasses.replace(data, values=dataclasses.replace(data.values, observations=kept))


def section(text: str, heading: str) -> str:
    """The Markdown from a "## heading" line (attributes such as { data-search-exclude } allowed) to the next h2."""
    match = re.search(rf"^## {re.escape(heading)}( \{{[^}}\n]*\}})?$", text, re.M)
    if match is None:
        raise ValueError(f"no h2 {heading!r}")
    start = match.start()
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def link_to(from_page: str, to_path: str) -> str:
    return f"]({relative_link(from_page, to_path)})"


@pytest.fixture(scope="module")
def synthetic() -> DataRoot:
    """The SYNTHETIC data root, read in place (loading never writes)."""
    return load(SYNTHETIC_DIR)


@pytest.fixture(scope="module")
def site(synthetic) -> Site:
    """The pages of the unmodified SYNTHETIC project (home = the first city), rendered once."""
    return Site(synthetic)


@pytest.fixture(scope="module")
def portal(synthetic) -> Site:
    """The same data rendered as a portal (home = every plan)."""
    return Site(synthetic, PORTAL)


# ---------------------------------------------------------------------------
# the page set
# ---------------------------------------------------------------------------

def expected_pages(data: DataRoot, urls: Urls) -> set[str]:
    expected = {METHODOLOGY, CODES, ABOUT, HOME}
    for plan in data.plans:
        p = plan.plan_id
        expected |= {urls.plan_home(p), urls.areas_index(p), urls.departments_index(p), urls.plan_text(p)}
        expected |= {urls.area(p, a.area_id) for a in plan.areas}
        expected |= {urls.indicator(p, i.indicator_id) for i in plan.indicators}
        expected |= {urls.department(p, d.department_id) for d in plan.departments}
        if data.children(plan):
            expected.add(urls.compare(p))
    return expected


def test_every_plan_has_its_pages_under_its_own_folder(synthetic, site):
    assert set(site.pages) == expected_pages(synthetic, site.urls)
    assert "plans/synthetic-second-city/areas/11.md" in site.pages
    assert "plans/synthetic-songyuan/indicators/non-fossil-share.md" in site.pages
    assert "plans/synthetic-second-city/indicators/non-fossil-share.md" in site.pages
    assert "plans/synthetic-jilin/compare.md" in site.pages
    assert not any(p.endswith("compare.md") and PROVINCE not in p for p in site.pages)


def test_the_home_plans_home_is_the_sites_home(site):
    assert site.urls.plan_home(CITY) == HOME
    assert "plans/synthetic-songyuan/index.md" not in site.pages
    assert heading(site[HOME]).startswith("# 合成测试规划：松原市碳达峰实施方案（SYNTHETIC）")


def test_a_portal_lists_every_plan_on_its_home_and_gives_each_plan_a_home_of_its_own(synthetic, portal):
    assert set(portal.pages) == expected_pages(synthetic, portal.urls)
    home = portal[HOME]
    for plan in synthetic.plans:
        assert f"plans/{plan.plan_id}/index.md" in portal.pages
        assert link_to(HOME, f"plans/{plan.plan_id}/index.md") in home
        assert plan.plan.title_zh in text_of(home)
    total = len(synthetic.targets())
    observed = {o.indicator_key for o in synthetic.observations}
    missing = sum(1 for t in synthetic.targets() if t.indicator_key not in observed)
    assert f"共 {total} 项目标，其中 {missing} 项尚无公开数值" in text_of(home)
    assert link_to(HOME, "plans/synthetic-jilin/compare.md") in home


def test_the_portals_status_table_counts_each_plans_targets(synthetic, portal):
    table = section(portal[HOME], "各规划目标状态一览")
    for plan in synthetic.plans:
        row = next(line for line in table.splitlines() if link_to(HOME, f"plans/{plan.plan_id}/index.md") in line)
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        counts = [sum(1 for t in plan.targets if portal.assessments[t.key].status == s) for s in progress.STATUSES]
        assert cells[1:] == [str(len(plan.targets)), *map(str, counts)]


def test_every_page_has_a_title_in_front_matter_the_theme_can_print(site, portal):
    for rendered in (site.pages, portal.pages):
        for path, text in rendered.items():
            meta, body = split_front_matter(text)
            assert isinstance(meta.get("title"), str) and meta["title"].strip(), path
            assert "<" not in meta["title"] and "\n" not in meta["title"], path
            assert heading(body), path


def test_rendering_twice_gives_identical_text(synthetic, site):
    assert Site(synthetic).pages == site.pages


def test_ids_shared_by_two_plans_give_two_pages_each_with_its_own_plans_record(site):
    city = site.page(CITY, "indicators/non-fossil-share.md")
    second = site.page(SECOND, "indicators/non-fossil-share.md")
    assert heading(city) == "# 非化石能源消费比重（合成）" and "乙市" not in text_of(section(city, "规划原文"))
    assert heading(second) == "# 非化石能源消费比重（合成乙市）"
    assert "到2025年，乙市非化石能源消费比重达到22%" in text_of(second)
    assert "22%" not in text_of(section(city, "目标与进展"))
    assert "合成乙市发改委" in site.page(SECOND, "departments/syn-fgw.md")
    assert "合成乙市" not in site.page(CITY, "departments/syn-fgw.md")


# ---------------------------------------------------------------------------
# links
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["carbon-site.toml", "portal.toml"])
def generated(request, tmp_path_factory) -> Path:
    """The docs of the generated project of the SYNTHETIC project (each config), in a temporary copy."""
    work = tmp_path_factory.mktemp("generated")
    project = work / "project"
    shutil.copytree(SYNTHETIC_PROJECT, project)
    config, problems = load_config(project / request.param)
    assert config is not None, problems
    generate_project(config, resolve(config, config.data), work / "build")
    return work / "build" / "docs"


LINK = re.compile(r"\]\(([^)\s]+)\)|(?:href|src)=\"([^\"]+)\"")


def test_every_link_between_pages_and_files_resolves(generated):
    docs = {p.relative_to(generated).as_posix() for p in generated.rglob("*") if p.is_file()}
    ids = {}
    checked = 0
    for page in sorted(p for p in docs if p.endswith(".md")):
        text = (generated / page).read_text(encoding="utf-8")
        ids[page] = set(re.findall(r'id="([^"]+)"', text))
        for match in LINK.finditer(text):
            target = html.unescape(match.group(1) or match.group(2))
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # another host, mailto:, or a place on the same page
            file, _, anchor = target.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), file.split("?")[0]))
            assert resolved in docs, f"{page} links to missing {target}"
            checked += 1
            if anchor.startswith("t-"):
                marked = set(re.findall(r'id="([^"]+)"', (generated / resolved).read_text(encoding="utf-8")))
                assert anchor in marked, f"{page} links to missing anchor {target}"
    assert checked > 500


def test_links_to_a_plans_pages_from_the_sites_home_and_from_deep_pages(site):
    area = "plans/synthetic-second-city/areas/11.md"
    assert link_to(area, "plans/synthetic-second-city/indicators/wetland-protection-rate.md") in site[area]
    assert "](../../../methodology.md)" in site[area] or "](../../../downloads/index.md)" in site[area]
    assert link_to(HOME, "plans/synthetic-songyuan/areas/1.md") in site[HOME]


# ---------------------------------------------------------------------------
# a plan's home
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dropped", [set(), {(CITY, "co2-intensity"), (CITY, "charging-stations")}])
def test_home_states_how_many_targets_have_no_published_value(synthetic, dropped):
    data = without_observations(synthetic, dropped)
    city = data.plan(CITY)
    observed = {o.indicator_key for o in data.observations}
    missing = sum(1 for t in city.targets if t.indicator_key not in observed)
    home = text_of(Site(data)[HOME])
    assert f"{len(city.targets)} 项目标中有 {missing} 项尚无公开数值" in home


def test_home_lists_headline_targets_with_status_words_and_every_area(synthetic, site):
    for plan in synthetic.plans:
        path = site.urls.plan_home(plan.plan_id)
        home = site[path]
        headline = section(home, "主要目标")
        for indicator in (i for i in plan.indicators if i.area_id is None):
            rows = [line for line in headline.splitlines()
                    if link_to(path, site.urls.indicator(plan.plan_id, indicator.indicator_id)) in line]
            for target in plan.targets_for(indicator.indicator_id):
                word = zh.status_label(site.assessments[target.key].status)
                assert any(word in row for row in rows), (plan.plan_id, target.target_id)
        for area in plan.areas:
            assert link_to(path, site.urls.area(plan.plan_id, area.area_id)) in home


def test_a_plans_home_links_its_parent_and_its_children(site):
    city = site[HOME]
    assert link_to(HOME, "plans/synthetic-jilin/index.md") in city and "上级规划" in text_of(city)
    province = site.page(PROVINCE, "index.md")
    path = "plans/synthetic-jilin/index.md"
    assert link_to(path, HOME) in province and link_to(path, "plans/synthetic-second-city/index.md") in province
    assert link_to(path, "plans/synthetic-jilin/compare.md") in province
    assert "下级规划：" not in text_of(site.page(SECOND, "index.md"))


# ---------------------------------------------------------------------------
# area pages
# ---------------------------------------------------------------------------

def test_area_page_shows_each_target_with_its_indicator_and_status_and_links_its_words(synthetic, site):
    for plan in synthetic.plans:
        for area in plan.areas:
            path = site.urls.area(plan.plan_id, area.area_id)
            shown = text_of(site[path])
            table = section(site[path], "目标一览")
            for indicator in (i for i in plan.indicators if i.area_id == area.area_id):
                assert indicator.name_zh in shown
                rows = [line for line in table.splitlines()
                        if link_to(path, site.urls.indicator(plan.plan_id, indicator.indicator_id)) in line]
                indicator_page = text_of(site[site.urls.indicator(plan.plan_id, indicator.indicator_id)])
                for target in plan.targets_for(indicator.indicator_id):
                    # the area page is an overview; the plan's exact words are one link away
                    assert target.quote_zh in indicator_page
                    word = zh.status_label(site.assessments[target.key].status)
                    assert any(word in row for row in rows), (path, target.target_id)


def test_area_page_links_responsible_units_and_marks_the_lead(synthetic, site):
    for plan in synthetic.plans:
        for td in plan.task_departments:
            task, department = plan.task(td.task_id), plan.department(td.department_id)
            path = site.urls.area(plan.plan_id, task.area_id)
            link = f"[{department.name_zh}]" + link_to(path, site.urls.department(plan.plan_id, td.department_id))[1:]
            assert link in site[path], (path, td)
            if td.role == "lead":
                assert link + "（牵头）" in site[path]


def test_area_page_has_a_chart_summary_and_data_table_per_indicator(synthetic, site):
    for plan in synthetic.plans:
        for indicator in (i for i in plan.indicators if i.area_id is not None):
            text = site[site.urls.area(plan.plan_id, indicator.area_id)]
            targets = plan.targets_for(indicator.indicator_id)
            values = synthetic.observations_for(indicator.key)
            result = charts.chart_parts(indicator, targets, values, {t.target_id: site.assessments[t.key] for t in targets})
            assert (f'id="chart-{indicator.indicator_id}"' in text) == (result.spec is not None)
            assert result.summary_zh in text_of(text)
            for o in values:
                assert re.search(rf"^\| {o.year} \| 公开数值 \|", text, re.M), (indicator.key, o.year)


def test_the_second_citys_eleventh_area_shows_its_own_tasks_and_projects(site):
    text = text_of(site.page(SECOND, "areas/11.md"))
    assert "合成领域十一：碳汇能力巩固提升（合成）" in text and "二（十一）" in text
    assert "二（十一）3 合成任务：建设碳汇监测体系" in text
    assert "合成乙市碳汇监测站" in text


def test_projects_without_any_public_status_are_listed_without_empty_status_columns(synthetic, site):
    # Area 3 of the city has one project whose status has no source: no column of "未知" and "—",
    # one sentence instead. Area 2 has a project with a sourced status: the full table.
    plan = synthetic.plan(CITY)
    by_area = {}
    for project in plan.key_projects:
        area = next(t.area_id for t in plan.tasks if t.task_id == project.task_id)
        by_area.setdefault(area, []).append(project)
    unknown = next(a for a, ps in by_area.items() if all(not p.status_source_id for p in ps))
    known = next(a for a, ps in by_area.items() if any(p.status_source_id for p in ps))
    quiet = section(site[site.urls.area(CITY, unknown)], "重点项目")
    full = section(site[site.urls.area(CITY, known)], "重点项目")
    assert "| 项目 | 条款 |\n" in quiet and "状态来源" not in quiet and zh.PROJECTS_NO_STATUS in quiet
    assert "| 项目 | 条款 | 状态 | 状态来源 |" in full and zh.PROJECTS_NO_STATUS not in full
    for project in by_area[unknown]:
        assert project.name_zh in quiet


# ---------------------------------------------------------------------------
# escaping
# ---------------------------------------------------------------------------

def test_text_from_the_data_never_becomes_markup(synthetic):
    data = replace_in(synthetic, CITY, "indicators", ("indicator_id", "coal-share"),
                      name_zh=EVIL + "煤炭", name_en=EVIL, definition_zh=EVIL)
    data = replace_in(data, CITY, "areas", ("area_id", 1), name_zh="**粗体** [链接](http://evil.example) | 表格")
    data = replace_in(data, CITY, "departments", ("department_id", "syn-fgw"), name_zh=EVIL)
    data = replace_in(data, SECOND, "plan", None, title_zh=EVIL + "乙市规划")
    data = dataclasses.replace(data, values=dataclasses.replace(
        data.values, sources=tuple(dataclasses.replace(s, title=EVIL) for s in data.sources)))

    rendered = Site(data).pages
    for path, text in rendered.items():
        page = to_html(text)
        assert EVIL not in page, path
        assert "<strong>粗体</strong>" not in page and 'href="http://evil.example"' not in page, path
    for path, text in rendered.items():
        meta, _ = split_front_matter(text)
        assert "<" not in meta.get("title", "") and "<" not in meta.get("description", ""), path
    area = text_of(rendered["plans/synthetic-songyuan/areas/1.md"])
    assert EVIL + "煤炭" in area
    assert "**粗体** [链接](http://evil.example) | 表格" in area
    assert EVIL + "乙市规划" in text_of(rendered["plans/synthetic-second-city/index.md"])


@pytest.mark.parametrize("raw", ["*x*", "[a](b)", "a | b", "# h", "`code`", "<b>x</b>", "1. item", "a\\b", "_u_"])
def test_md_escape_shows_the_text_and_never_markup(raw):
    escaped = md_escape(raw)
    assert html.unescape(re.sub(r"<[^>]+>", "", markdown.markdown(str(escaped), extensions=EXTENSIONS))) == raw


def test_md_escape_does_not_escape_html_twice():
    assert md_escape(escape("<b>甲</b>")) == md_escape("<b>甲</b>") == Markup("&lt;b&gt;甲&lt;/b&gt;")
    assert md_escape("  两个\n空白  ") == Markup("两个 空白")


def test_chart_spec_is_embedded_as_parseable_json_that_cannot_close_its_script(synthetic):
    note = "</script><script>alert(1)</script>"
    data = dataclasses.replace(synthetic, values=dataclasses.replace(synthetic.values, observations=tuple(
        dataclasses.replace(o, note=note) if o.indicator_key == (CITY, "coal-share") else o
        for o in synthetic.observations)))
    site = Site(data)
    plan = data.plan(CITY)
    indicator = plan.indicator("coal-share")
    targets = plan.targets_for("coal-share")
    expected = charts.chart_parts(indicator, targets, data.observations_for(indicator.key),
                                  {t.target_id: site.assessments[t.key] for t in targets}).spec

    text = site.page(CITY, "indicators/coal-share.md")
    match = re.search(r'<script type="application/json" id="spec-coal-share">(.*?)</script>', text, re.S)

    assert match is not None
    assert "</" not in match.group(1)
    assert json.loads(match.group(1)) == expected
    assert note in json.dumps(expected, ensure_ascii=False)  # the note really is in the spec
    assert text.count("<script") == 1


# ---------------------------------------------------------------------------
# indicator pages
# ---------------------------------------------------------------------------

def test_indicator_without_published_values_says_so(synthetic):
    data = without_observations(synthetic, {(CITY, "coal-share")})
    site = Site(data)
    for plan in data.plans:
        for indicator in plan.indicators:
            values = text_of(section(site[site.urls.indicator(plan.plan_id, indicator.indicator_id)], "公开数值与来源"))
            assert ("暂无公开数值" in values) == (not data.observations_for(indicator.key)), indicator.key


def test_indicator_page_quotes_the_plan_explains_each_status_and_cites_every_value(synthetic, site):
    for plan in synthetic.plans:
        authority = site.model.authority(plan)
        for indicator in plan.indicators:
            path = site.urls.indicator(plan.plan_id, indicator.indicator_id)
            page, shown = to_html(site[path]), text_of(site[path])
            quoted = [html.unescape(re.sub(r"<[^>]+>", "", q)).strip()
                      for q in re.findall(r"<blockquote>\s*<p>(.*?)</p>", page, re.S)]
            for target in plan.targets_for(indicator.indicator_id):
                assert target.quote_zh in quoted
                assert zh.explain(site.assessments[target.key], target, indicator, authority) in shown
            for o in synthetic.observations_for(indicator.key):
                source = synthetic.source(o.source_id)
                assert f'href="{source.url}"' in page and source.publisher in shown and source.title in shown
            assert link_to(path, site.urls.indicator_csv(plan.plan_id, indicator.indicator_id)) in site[path]


def test_comparable_indicators_link_to_each_other_across_plans(synthetic, site):
    pairs = [(plan, i) for plan in synthetic.plans for i in plan.indicators if i.comparable_indicator_id]
    assert len(pairs) == 3
    for plan, indicator in pairs:
        child = site.urls.indicator(plan.plan_id, indicator.indicator_id)
        parent = site.urls.indicator(PROVINCE, indicator.comparable_indicator_id)
        assert link_to(child, parent) in site[child]
        assert link_to(parent, child) in site[parent]


def test_a_deferred_target_shows_the_parents_figure(site):
    row = site.model.target_row(site.data.plan(SECOND).targets[4])
    assert row.target.target_id == "forest-cover-2030"
    assert [(f.jurisdiction, f.target_text, f.year_text, f.indicator_path) for f in row.parent_figures] == [
        ("吉林省", "≈ 46%", "2030", "plans/synthetic-jilin/indicators/jl-forest-cover.md")]
    assert row.target_text == "完成省定目标"
    page = site.page(SECOND, "indicators/forest-cover.md")
    assert "吉林省的可比目标：" in text_of(page) and "≈ 46%（2030）" in text_of(page)
    assert link_to("plans/synthetic-second-city/indicators/forest-cover.md",
                   "plans/synthetic-jilin/indicators/jl-forest-cover.md") in page
    area = text_of(site.page(SECOND, "areas/11.md"))
    assert "吉林省：≈ 46%（2030）" in area


def test_a_deferred_target_without_a_comparable_indicator_shows_no_parent_figure(site):
    row = site.model.target_row(next(t for t in site.data.plan(CITY).targets if t.target_id == "co2-intensity-2030"))
    assert row.parent_figures == () and row.target_text == "完成省定目标"
    assert "完成省下达的目标" in row.target_words


def test_a_provinces_deferred_target_answers_to_the_state(synthetic):
    data = replace_in(synthetic, PROVINCE, "targets", ("target_id", "jl-forest-cover-2030"),
                      kind="deferred", target_value=None, comparator=None)
    site = Site(data)
    target = data.plan(PROVINCE).targets[1]
    assert site.model.authority(data.plan(PROVINCE)) == "国家"
    assert site.model.target_row(target).target_text == "完成国家定目标"
    assert "完成国家下达的目标" in text_of(site.page(PROVINCE, "indicators/jl-forest-cover.md"))


# ---------------------------------------------------------------------------
# the comparison of a parent plan with its children
# ---------------------------------------------------------------------------

def test_the_comparison_page_is_a_matrix_of_the_parents_targets_and_each_childs(site):
    page = pages.compare_page(site.model, site.data.plan(PROVINCE))
    assert [c.plan.plan_id for c in page.children] == [CITY, SECOND]
    matrix = {row.target.target.target_id: [tuple(r.target.target_id for r in cell.targets) for cell in row.cells]
              for row in page.rows}
    assert matrix == {
        "jl-non-fossil-2025": [("non-fossil-2025", "non-fossil-2030"), ("non-fossil-2025", "non-fossil-2030")],
        "jl-forest-cover-2030": [(), ("forest-cover-2030", "forest-quality-2030")],
    }
    # the cells hold each child's own targets
    assert page.rows[0].cells[0].targets[0].target.plan_id == CITY
    assert page.rows[0].cells[1].targets[0].target.plan_id == SECOND
    assert page.rows[0].cells[1].targets[0].target_text == "≥ 22%"


def test_the_comparison_page_lists_parent_targets_with_comparable_child_targets_first(synthetic):
    data = replace_in(synthetic, SECOND, "indicators", ("indicator_id", "forest-cover"), comparable_indicator_id=None)
    page = pages.compare_page(Site(data).model, data.plan(PROVINCE))
    assert [row.target.target.target_id for row in page.rows] == ["jl-non-fossil-2025", "jl-forest-cover-2030"]
    assert all(cell.targets == () for cell in page.rows[1].cells)


def test_the_comparison_page_shows_a_dash_where_a_child_has_no_comparable_target(site):
    text = site.page(PROVINCE, "compare.md")
    header = next(line for line in text.splitlines() if line.startswith("| 吉林省目标"))
    assert "松原市" in header and "合成乙市" in header
    forest = next(line for line in text.splitlines() if "jl-forest-cover" in line and line.startswith("|"))
    cells = [c.strip() for c in forest.strip().strip("|").split("|")]
    assert cells[1] == "—" and "≈ 46%" in cells[0] and "完成省定目标" in cells[2]


# ---------------------------------------------------------------------------
# departments, methodology, about
# ---------------------------------------------------------------------------

def test_department_page_lists_its_tasks_and_their_targets(synthetic, site):
    for plan in synthetic.plans:
        index = site.urls.departments_index(plan.plan_id)
        for department in plan.departments:
            path = site.urls.department(plan.plan_id, department.department_id)
            text = site[path]
            task_ids = {td.task_id for td in plan.task_departments if td.department_id == department.department_id}
            for task in (t for t in plan.tasks if t.task_id in task_ids):
                assert task.title_zh in text
            for indicator in (i for i in plan.indicators if i.task_id in task_ids):
                assert indicator.name_zh in text
            assert link_to(index, path) in site[index]


def test_the_codes_page_lists_every_validation_code_with_its_title_and_hint(site):
    # Maintainers look up a code they were shown: every code of the catalogue is on one page.
    text = site[CODES]
    page, shown = to_html(text), text_of(text)
    for code, info in CATALOGUE.items():
        assert f"<code>{code}</code>" in page and info.title in shown


def test_methodology_shows_the_ladder_rules_thresholds_and_links_the_codes(site):
    text = site[METHODOLOGY]
    page, shown = to_html(text), text_of(text)
    for _, _, rule in zh.METHOD_RULES:
        assert rule in shown
    for label, value in zh.thresholds():
        assert label in shown and value in shown
    assert link_to(METHODOLOGY, CODES) in text
    for status in progress.STATUSES:
        assert zh.status_label(status) in shown and zh.STATUS_MEANING[status] in shown


def test_about_page_names_every_plan(synthetic, site):
    shown = text_of(site[ABOUT])
    for plan in synthetic.plans:
        assert plan.plan.title_zh in shown


# ---------------------------------------------------------------------------
# the plan's text
# ---------------------------------------------------------------------------

def test_every_synthetic_target_is_marked_in_its_plans_text_and_linked_to_its_indicator(synthetic, site):
    for plan in synthetic.plans:
        path = site.urls.plan_text(plan.plan_id)
        text = site[path]
        for target in plan.targets:
            assert re.search(rf'<(mark|span) id="t-{re.escape(target.target_id)}">', text), target.key
            assert link_to(path, site.urls.indicator(plan.plan_id, target.indicator_id)) in text
        assert "未能在原文中定位的目标" not in text


def test_indicator_pages_link_to_the_marked_words(site):
    row = site.model.target_row(next(t for t in site.data.plan(SECOND).targets if t.target_id == "wetland-2025"))
    assert row.plan_anchor == "plans/synthetic-second-city/text.md#t-wetland-2025"
    page = site.page(SECOND, "indicators/wetland-protection-rate.md")
    assert link_to("plans/synthetic-second-city/indicators/wetland-protection-rate.md", row.plan_anchor) in page


def test_plan_page_without_its_text_still_lists_every_target_quote(synthetic):
    data = replace_in(synthetic, CITY, "plan", None, source_text=None)
    data = dataclasses.replace(data, plans=tuple(dataclasses.replace(p, text=None) if p.plan_id == CITY else p
                                                 for p in data.plans))
    shown = text_of(Site(data).page(CITY, "text.md"))
    assert "原文没有随数据提供" in shown
    for target in data.plan(CITY).targets:
        assert target.quote_zh in shown


def test_the_real_annotated_plans_mark_every_target(real_root):
    data = load(real_root)
    assessments = progress.assess_all(data, clock.as_of(data).year)
    urls = Urls(data.plans[-1].plan_id)
    model = pages.SiteModel(data, assessments, urls)
    info = SiteInfo("合成", "合成", "", Contact("", "", "", ""), False, (), "2024-01-01", "1", CHANGELOG, False)
    env = make_environment([], site=info)
    for plan in data.plans:
        context = pages.plan_text_page(model, plan)
        assert context.unfound == () and context.marked_count == len(plan.targets), plan.plan_id
        text = render(env, "plan.md.j2", context)
        for target in plan.targets:
            assert re.search(rf'<(mark|span) id="t-{re.escape(target.target_id)}">', text), target.key
        words = "".join(s.text for block in context.blocks for s in block.segments)
        assert "本文内容来自网络" not in words and "要闻链接" not in words  # the transcriptions' page furniture


# ---------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------

def test_a_projects_template_overrides_the_packages(synthetic, tmp_path):
    (tmp_path / "about.md.j2").write_text("# 合成的关于页\n\n{{ page.plans | length }} 个规划\n", encoding="utf-8")
    overridden = Site(synthetic, overrides=(tmp_path,))
    assert overridden[ABOUT] == "# 合成的关于页\n\n3 个规划\n"
    assert overridden[METHODOLOGY] == Site(synthetic)[METHODOLOGY]


def test_templates_escape_everything_they_are_given(synthetic, tmp_path):
    (tmp_path / "about.md.j2").write_text("{{ page.plans[0].plan.plan.title_zh }}", encoding="utf-8")
    data = replace_in(synthetic, PROVINCE, "plan", None, title_zh=EVIL)
    assert Site(data, overrides=(tmp_path,))[ABOUT] == html.escape(EVIL, quote=True).replace("&#x27;", "&#39;") + "\n"
