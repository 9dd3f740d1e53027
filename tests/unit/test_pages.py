"""Pages as a reader sees them: which pages exist, what each shows, and that text from the
data can never become markup. Rendered from the SYNTHETIC fixture (and, for the annotated
plan, from the real packages and their source texts), converted to HTML where it matters."""
from __future__ import annotations

import dataclasses
import html
import json
import posixpath
import re
from pathlib import Path

import markdown
import pytest

from builder import charts, pages, progress
from builder.load import load_data_root
from builder.model import DataRoot
from builder.problems import CATALOGUE

REPO = Path(__file__).resolve().parents[2]
SITE_SRC = REPO / "site_src"
EVIL = "<script>alert(1)</script>"
# The Markdown extensions the site's mkdocs.yml enables.
EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "def_list", "toc"]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def load(root: Path) -> DataRoot:
    data, problems = load_data_root(root)
    assert data is not None, problems
    return data


def source_texts(root: Path, data: DataRoot) -> dict[str, str]:
    """The plans' transcribed texts, as publish passes them (the file plans.source_text names)."""
    return {p.name: (root / p.name / p.plan.source_text).read_text(encoding="utf-8-sig") for p in data.plans}


def render(data: DataRoot, texts: dict[str, str] | None = None) -> dict[str, str]:
    assessments = progress.assess_all(data, progress.as_of_year(data, None))
    return pages.render_pages(data, assessments, SITE_SRC, plan_texts=texts)


def to_html(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS)


def text_of(markdown_text: str) -> str:
    """What a reader sees: the page converted to HTML, tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", to_html(markdown_text)))


def replace_in(data: DataRoot, package: str, attr: str, key, **changes) -> DataRoot:
    """A copy of data with one record of a plan package changed (key: (field, value) to find it)."""
    plans = []
    for plan in data.plans:
        if plan.name == package:
            field, value = key
            items = tuple(dataclasses.replace(item, **changes) if getattr(item, field) == value else item
                          for item in getattr(plan, attr))
            plan = dataclasses.replace(plan, **{attr: items})
        plans.append(plan)
    return dataclasses.replace(data, plans=tuple(plans))


def section(text: str, heading: str) -> str:
    """The Markdown from a "## heading" line (attributes such as { data-search-exclude } allowed) to the next h2."""
    match = re.search(rf"^## {re.escape(heading)}( \{{[^}}\n]*\}})?$", text, re.M)
    if match is None:
        raise ValueError(f"no h2 {heading!r}")
    start = match.start()
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def link_to(from_page: str, to_path: str) -> str:
    return f"]({posixpath.relpath(to_path, posixpath.dirname(from_page) or '.')})"


SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"


@pytest.fixture(scope="module")
def synthetic() -> tuple[DataRoot, dict[str, str]]:
    """The SYNTHETIC data root and its texts, read in place (loading never writes)."""
    data = load(SYNTHETIC)
    return data, source_texts(SYNTHETIC, data)


@pytest.fixture(scope="module")
def synthetic_pages(synthetic) -> dict[str, str]:
    """The pages of the unmodified SYNTHETIC data, rendered once: charts take a while to build."""
    data, texts = synthetic
    return render(data, texts)


@pytest.fixture
def real(real_root: Path) -> tuple[DataRoot, dict[str, str]]:
    data = load(real_root)
    return data, source_texts(real_root, data)


# ---------------------------------------------------------------------------
# the page set
# ---------------------------------------------------------------------------

def test_one_page_per_area_indicator_and_department_of_both_plans(synthetic, synthetic_pages):
    data, _ = synthetic
    city = data.plan_package("songyuan-plan")
    expected = {"index.md", "areas/index.md", "departments/index.md", "plan/index.md", "plan/jilin.md",
                "methodology.md"}
    expected |= {f"areas/{a.area_id}.md" for a in city.areas}
    expected |= {f"indicators/{i.indicator_id}.md" for i in data.indicators()}
    expected |= {f"departments/{d.department_id}.md" for p in data.plans for d in p.departments}

    rendered = synthetic_pages

    assert set(rendered) == expected
    assert any(i.package == "jilin-plan" for i in data.indicators())  # the fixture covers both plans


def test_rendering_twice_gives_identical_text(synthetic, synthetic_pages):
    data, texts = synthetic
    assert render(data, texts) == synthetic_pages


def test_every_link_between_pages_points_at_a_page_that_exists(synthetic, synthetic_pages):
    data, _ = synthetic
    rendered = synthetic_pages
    hand_written = {p.relative_to(SITE_SRC / "docs").as_posix() for p in (SITE_SRC / "docs").rglob("*.md")}
    hand_written.add("downloads/index.md")  # rendered by render_downloads_page
    ids = {path: set(re.findall(r'id="([^"]+)"', text)) for path, text in rendered.items()}
    for path, text in rendered.items():
        for target in re.findall(r"\]\(([^)\s]+\.md(?:#[^)\s]*)?)\)", text):
            file, _, anchor = target.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), file))
            assert resolved in rendered or resolved in hand_written, f"{path} links to missing {target}"
            if anchor and resolved in rendered:
                assert anchor in ids[resolved], f"{path} links to missing anchor {target}"


# ---------------------------------------------------------------------------
# home
# ---------------------------------------------------------------------------

def without_observations(data: DataRoot, indicator_ids: set[str]) -> DataRoot:
    return dataclasses.replace(data, observations=tuple(o for o in data.observations
                                                        if o.indicator_id not in indicator_ids))


@pytest.mark.parametrize("dropped", [set(), {"co2-intensity", "charging-stations"}])
def test_home_states_how_many_targets_have_no_published_value(synthetic, dropped):
    data, texts = synthetic
    data = without_observations(data, dropped)
    city = data.plan_package("songyuan-plan")
    observed = {o.indicator_id for o in data.observations}
    total = len(city.targets)
    missing = sum(1 for t in city.targets if t.indicator_id not in observed)

    home = text_of(render(data, texts)["index.md"])

    assert f"{total} 项目标中有 {missing} 项尚无公开数值" in home


def test_home_lists_headline_targets_with_status_words_and_every_area(synthetic, synthetic_pages):
    data, _ = synthetic
    city = data.plan_package("songyuan-plan")
    assessments = progress.assess_all(data, progress.as_of_year(data, None))
    home = synthetic_pages["index.md"]

    headline = section(home, "主要目标")
    for indicator in (i for i in city.indicators if i.area_id is None):
        rows = [line for line in headline.splitlines() if link_to("index.md", f"indicators/{indicator.indicator_id}.md") in line]
        for target in (t for t in city.targets if t.indicator_id == indicator.indicator_id):
            word = progress.STATUS_LABEL_ZH[assessments[target.target_id].status]
            assert any(word in row for row in rows)
    for area in city.areas:
        assert link_to("index.md", f"areas/{area.area_id}.md") in home


# ---------------------------------------------------------------------------
# area pages
# ---------------------------------------------------------------------------

def test_area_page_shows_each_target_with_its_words_indicator_and_status(synthetic, synthetic_pages):
    data, _ = synthetic
    city = data.plan_package("songyuan-plan")
    assessments = progress.assess_all(data, progress.as_of_year(data, None))
    rendered = synthetic_pages
    for area in city.areas:
        path = f"areas/{area.area_id}.md"
        shown = text_of(rendered[path])
        table = section(rendered[path], "目标一览")
        for indicator in (i for i in city.indicators if i.area_id == area.area_id):
            assert indicator.name_zh in shown
            rows = [line for line in table.splitlines() if link_to(path, f"indicators/{indicator.indicator_id}.md") in line]
            for target in (t for t in city.targets if t.indicator_id == indicator.indicator_id):
                assert target.quote_zh in shown
                word = progress.STATUS_LABEL_ZH[assessments[target.target_id].status]
                assert any(word in row for row in rows), (path, target.target_id)


def test_area_page_links_responsible_units_and_marks_the_lead(synthetic, synthetic_pages):
    data, _ = synthetic
    city = data.plan_package("songyuan-plan")
    rendered = synthetic_pages
    for td in city.task_departments:
        task = next(t for t in city.tasks if t.task_id == td.task_id)
        department = next(d for d in city.departments if d.department_id == td.department_id)
        path = f"areas/{task.area_id}.md"
        link = f"[{department.name_zh}]" + link_to(path, f"departments/{department.department_id}.md")[1:]
        assert link in rendered[path]
        if td.role == "lead":
            assert link + "（牵头）" in rendered[path]


def test_area_page_has_a_chart_summary_and_data_table_per_indicator(synthetic, synthetic_pages):
    data, _ = synthetic
    city = data.plan_package("songyuan-plan")
    rendered = synthetic_pages
    for indicator in (i for i in city.indicators if i.area_id is not None):
        text = rendered[f"areas/{indicator.area_id}.md"]
        observations = data.observations_for(indicator.indicator_id)
        targets = [t for t in city.targets if t.indicator_id == indicator.indicator_id]
        assessments = progress.assess_all(data, progress.as_of_year(data, None))
        spec = charts.indicator_chart(indicator, targets, observations, assessments)
        assert (f'<div class="chart" id="chart-{indicator.indicator_id}"' in text) == (spec is not None)
        assert charts.chart_summary_zh(indicator, targets, observations, assessments) in text_of(text)
        for o in observations:
            assert re.search(rf"^\| {o.year} \| 公开数值 \|", text, re.M)


# ---------------------------------------------------------------------------
# escaping
# ---------------------------------------------------------------------------

def test_text_from_the_data_never_becomes_markup(synthetic):
    data, texts = synthetic
    data = replace_in(data, "songyuan-plan", "indicators", ("indicator_id", "coal-share"),
                      name_zh=EVIL + "煤炭", name_en=EVIL, definition_zh=EVIL)
    data = replace_in(data, "songyuan-plan", "areas", ("area_id", 1), name_zh="**粗体** [链接](http://evil.example) | 表格")
    data = replace_in(data, "songyuan-plan", "departments", ("department_id", "syn-fgw"), name_zh=EVIL)
    data = dataclasses.replace(data, sources=tuple(dataclasses.replace(s, title=EVIL) for s in data.sources))

    rendered = render(data, texts)
    for path, text in rendered.items():
        page = to_html(text)
        assert EVIL not in page, path
        assert "<strong>粗体</strong>" not in page and 'href="http://evil.example"' not in page, path
    area = text_of(rendered["areas/1.md"])
    assert EVIL + "煤炭" in area
    assert "**粗体** [链接](http://evil.example) | 表格" in area


def test_chart_spec_is_embedded_as_parseable_json_that_cannot_close_its_script(synthetic):
    data, texts = synthetic
    note = "</script><script>alert(1)</script>"
    data = dataclasses.replace(data, observations=tuple(
        dataclasses.replace(o, note=note) if o.indicator_id == "coal-share" else o for o in data.observations))
    indicator = next(i for i in data.indicators() if i.indicator_id == "coal-share")
    targets = [t for t in data.targets() if t.indicator_id == "coal-share"]
    assessments = progress.assess_all(data, progress.as_of_year(data, None))
    expected = charts.indicator_chart(indicator, targets, data.observations_for("coal-share"), assessments)

    text = render(data, texts)["indicators/coal-share.md"]
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
    data, texts = synthetic
    data = without_observations(data, {"coal-share"})
    rendered = render(data, texts)
    for indicator in data.indicators():
        values = text_of(section(rendered[f"indicators/{indicator.indicator_id}.md"], "公开数值与来源"))
        if data.observations_for(indicator.indicator_id):
            assert "暂无公开数值" not in values
        else:
            assert "暂无公开数值" in values


def test_indicator_page_quotes_the_plan_and_cites_every_published_value(synthetic, synthetic_pages):
    data, _ = synthetic
    sources = {s.source_id: s for s in data.sources}
    rendered = synthetic_pages
    assessments = progress.assess_all(data, progress.as_of_year(data, None))
    for indicator in data.indicators():
        path = f"indicators/{indicator.indicator_id}.md"
        page = to_html(rendered[path])
        shown = text_of(rendered[path])
        quoted = [html.unescape(re.sub(r"<[^>]+>", "", q)).strip()
                  for q in re.findall(r"<blockquote>\s*<p>(.*?)</p>", page, re.S)]
        for target in (t for t in data.targets() if t.indicator_id == indicator.indicator_id):
            assert target.quote_zh in quoted
            assert assessments[target.target_id].explanation_zh in shown
        for o in data.observations_for(indicator.indicator_id):
            source = sources[o.source_id]
            assert f'href="{source.url}"' in page and source.publisher in shown and source.title in shown
        assert link_to(path, f"downloads/indicators/{indicator.indicator_id}.csv") in rendered[path]


def test_comparable_indicators_link_to_each_other(synthetic, synthetic_pages):
    data, _ = synthetic
    rendered = synthetic_pages
    pairs = [(i.indicator_id, i.comparable_indicator_id) for i in data.indicators() if i.comparable_indicator_id]
    assert pairs
    for a, b in pairs:
        assert link_to(f"indicators/{a}.md", f"indicators/{b}.md") in rendered[f"indicators/{a}.md"]
        assert link_to(f"indicators/{b}.md", f"indicators/{a}.md") in rendered[f"indicators/{b}.md"]


# ---------------------------------------------------------------------------
# departments, methodology
# ---------------------------------------------------------------------------

def test_department_page_lists_its_tasks_and_their_targets(synthetic, synthetic_pages):
    data, _ = synthetic
    rendered = synthetic_pages
    for plan in data.plans:
        for department in plan.departments:
            text = rendered[f"departments/{department.department_id}.md"]
            task_ids = {td.task_id for td in plan.task_departments if td.department_id == department.department_id}
            for task in (t for t in plan.tasks if t.task_id in task_ids):
                assert task.title_zh in text
            for indicator in (i for i in plan.indicators if i.task_id in task_ids):
                assert indicator.name_zh in text
            assert link_to("departments/index.md", f"departments/{department.department_id}.md") in rendered["departments/index.md"]


def test_methodology_shows_the_rules_thresholds_and_every_validation_code(synthetic, synthetic_pages):
    data, _ = synthetic
    text = synthetic_pages["methodology.md"]
    page, shown = to_html(text), text_of(text)
    for rule in progress.METHOD_RULES:
        assert rule.rule_zh in shown
    thresholds = text_of(section(text, "阈值"))
    for value in (progress.ON_TRACK_RATIO, progress.ACCELERATE_RATIO):
        assert pages.format_number(value) in thresholds
    assert CATALOGUE
    for code, info in CATALOGUE.items():
        assert f"<code>{code}</code>" in page and info.title in shown
    for word in progress.STATUS_LABEL_ZH.values():
        assert word in shown


# ---------------------------------------------------------------------------
# the plan's text
# ---------------------------------------------------------------------------

def test_tidying_rejoins_wrapped_lines_and_drops_page_furniture():
    line = "一二三四五六七八九十" * 3 + "甲乙丙丁戊"  # 35 characters, a full line
    raw = "\n\n".join([
        "二、主要目标",
        line, line, "到 2025 年，非化石能源消费比重达到 21%。",
        "本文内容来自网络，由EESIA搜集整理，如有任何异议请联系我们，我们将酌情处理！",
        "- 3 -",
        "1．大力发展可再生能源。" + line[:20] + "。",
        line, "短句结束。（下转06版）",
    ] + [line] * 8 + ["末段。"])
    blocks = pages.tidy_plan_text(raw)

    assert blocks[0] == pages.TextBlock("heading", "二、主要目标", 1)
    assert blocks[1].text == line * 2 + "到2025年，非化石能源消费比重达到21%。"
    assert blocks[2].text == "1．大力发展可再生能源。" + line[:20] + "。" + line + "短句结束。"
    assert all("EESIA" not in b.text and "下转" not in b.text and "- 3 -" not in b.text for b in blocks)


def test_quotes_are_found_across_line_breaks_spaces_and_full_width_forms():
    text = "到 2025 年，城镇新建民用建筑中绿色建筑面积占比达到 100％，绿\n色生活创建行动"
    quote = "城镇新建民用建筑中绿色建筑面积占比达到100%"
    start, end = pages.find_quote(text, quote)
    assert text[start:end] == "城镇新建民用建筑中绿色建筑面积占比达到 100％"
    assert pages.find_quote(text, "绿色生活创建行动") == (text.index("绿\n色"), len(text))
    assert pages.find_quote(text, "不存在的话") is None


def test_real_plan_tidies_cleanly_and_every_target_quote_stays_findable(real):
    data, texts = real
    assert "本文内容来自网络" in texts["songyuan-plan"]  # the transcription has page furniture to remove
    for plan in data.plans:
        blocks = pages.tidy_plan_text(texts[plan.name])
        joined = "\n".join(b.text for b in blocks)
        assert "本文内容来自网络" not in joined and "要闻链接" not in joined
        assert not re.search(r"[上下][接转]\s*\d+\s*版", joined)
        found = pages.locate_quotes(blocks, {t.target_id: (t.quote_zh, t.clause) for t in plan.targets})
        assert set(found) == {t.target_id for t in plan.targets}, plan.name


def test_annotated_plans_mark_every_target_and_link_it_to_its_indicator(real):
    data, texts = real
    rendered = render(data, texts)
    for plan, page in (("songyuan-plan", "plan/index.md"), ("jilin-plan", "plan/jilin.md")):
        text = rendered[page]
        package = data.plan_package(plan)
        assert package.targets
        for target in package.targets:
            assert re.search(rf'<(mark|span) id="t-{re.escape(target.target_id)}">', text), target.target_id
            assert link_to(page, f"indicators/{target.indicator_id}.md") in text
    assert "确保2030年前实现碳达峰" in text_of(rendered["index.md"])  # the plan's aim, quoted from its text


def test_plan_page_without_its_text_still_lists_every_target_quote(synthetic):
    data, _ = synthetic
    shown = text_of(render(data, {})["plan/index.md"])
    for target in data.plan_package("songyuan-plan").targets:
        assert target.quote_zh in shown


# ---------------------------------------------------------------------------
# downloads
# ---------------------------------------------------------------------------

def test_downloads_page_lists_every_file_with_its_checksum_and_the_data_dictionary(synthetic):
    data, _ = synthetic
    files = [pages.DownloadFile(path=f"downloads/{name}/datapackage.json", size_bytes=100 + n,
                                sha256=f"{n:064x}", description_zh=f"{name} 描述文件", package=name)
             for n, name in enumerate(sorted(data.descriptors))]
    files.append(pages.DownloadFile(path="downloads/indicators/coal-share.csv", size_bytes=2048,
                                    sha256="ab" * 32, description_zh="指标 CSV", package=""))

    text = pages.render_downloads_page(data, files, SITE_SRC)
    page, shown = to_html(text), text_of(text)

    for f in files:
        assert link_to("downloads/index.md", f.path) in text
        assert f.sha256 in page
    assert link_to("downloads/index.md", "downloads/SHA256SUMS.txt") in text
    assert "CC-BY-4.0" in shown
    for descriptor in data.descriptors.values():
        for resource in descriptor["resources"]:
            assert resource["title"] in shown
            for field in resource["schema"]["fields"]:
                assert f"<code>{field['name']}</code>" in page and field["description"] in shown
