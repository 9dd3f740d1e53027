"""What a reader meets, measured in Debian's chromium: charts that read right at phone and
desktop widths, tables whose every column is reachable at 375 px, share tools, light pages
without charts, reading from disk, and where to report an error.

The real site (fixture ``built_site``) is used where the point is Songyuan's own pages; a
SYNTHETIC project built here (with a contact for corrections) where the point is the feature.
"""
from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"
OBSERVED_COLOUR = "#1f5a96"

DRAW_ALL = """async () => {
  const charts = [...document.querySelectorAll(".chart[data-chart]")];
  for (const el of charts) {
    el.scrollIntoView();
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  }
  const settled = () => charts.every((el) => el.hasAttribute("data-drawn") || el.classList.contains("chart--error"));
  for (let waited = 0; !settled() && waited < 8000; waited += 50) await new Promise((done) => setTimeout(done, 50));
  return charts.filter((el) => !el.hasAttribute("data-drawn")).map((el) => el.id);
}"""

# Every chart: its x-axis labels, any text drawn outside its own box, and published values drawn over by something.
MEASURE = """() => charts().map((el) => {
  el.scrollIntoView({block: "center"});
  const svg = el.querySelector("svg");
  const box = svg.getBoundingClientRect();
  const xLabels = [...svg.querySelectorAll("g.role-axis")]
    .filter((axis) => (axis.getAttribute("aria-label") || "").includes("X-axis"))
    .flatMap((axis) => [...axis.querySelectorAll("g.role-axis-label text")].map((t) => t.textContent));
  const clipped = [...svg.querySelectorAll("text")].filter((t) => t.textContent.trim()).filter((t) => {
    const r = t.getBoundingClientRect();
    return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
  }).map((t) => t.textContent);
  const published = (p) => p.closest("g.mark-symbol.role-mark") && p.getAttribute("stroke") === "%(colour)s";
  const points = [...svg.querySelectorAll("g.mark-symbol path")].filter(published);
  const covered = points.filter((p) => {
    const r = p.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !hit || !published(hit);
  }).length;
  return {id: el.id, xLabels: xLabels, clipped: clipped, covered: covered, points: points.length};
})""".replace("%(colour)s", OBSERVED_COLOUR)
CHARTS_HELPER = "window.charts = () => [...document.querySelectorAll('.chart[data-drawn]')];"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def serve(site: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def real(built_site):
    server, base = serve(built_site)
    yield built_site, base
    server.shutdown()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """The SYNTHETIC plan-mode project (a contact email configured) built once, and served."""
    work = tmp_path_factory.mktemp("reader")
    shutil.copytree(SYNTHETIC, work / "project")
    cli = str(Path(sys.executable).parent / "carbon-site")
    done = subprocess.run([cli, "build", "--out", str(work / "site"), "--build-dir", str(work / "build")],
                          cwd=work / "project", capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    server, base = serve(work / "site")
    yield work / "site", base
    server.shutdown()


def pages_of(site: Path, *, charts: bool | None = None) -> list[str]:
    """Site-relative paths of the themed pages (not redirect stubs or embedded charts)."""
    found = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.startswith(("embed/", "assets/")) or rel == "404.html":
            continue
        text = path.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text:
            continue
        if charts is not None and ('class="chart"' in text) != charts:
            continue
        found.append(rel)
    return found


# --- charts at 375 and 1280 px -----------------------------------------------------------------------
@pytest.mark.parametrize("width", [375, 1280])
def test_every_chart_has_integer_year_ticks_no_clipped_label_and_visible_published_values(real, browser, width):
    site, base = real
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = []
    measured = 0
    for rel in pages_of(site, charts=True):
        if "/indicators/" not in rel:
            continue
        page.goto(f"{base}/{rel}")
        page.evaluate(CHARTS_HELPER)
        undrawn = page.evaluate(DRAW_ALL)
        if undrawn:
            problems.append((rel, "not drawn", undrawn))
        for chart in page.evaluate(MEASURE):
            measured += 1
            labels = chart["xLabels"]
            if labels and (len(set(labels)) != len(labels) or not all(re.fullmatch(r"\d{4}", t) for t in labels)):
                problems.append((rel, "x ticks", labels))
            if chart["clipped"]:
                problems.append((rel, "clipped", chart["clipped"]))
            if chart["covered"]:
                problems.append((rel, "published value covered", chart["covered"]))
    context.close()
    assert measured >= 40
    assert not problems, problems[:10]


def test_a_single_published_value_is_drawn_above_the_base_and_targets(real, browser):
    site, base = real
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/plans/jilin-beautiful-jilin/indicators/jl-pm25.html")  # one 2025 value, two targets
    page.evaluate(CHARTS_HELPER)
    assert page.evaluate(DRAW_ALL) == []
    chart = page.evaluate(MEASURE)[0]
    assert (chart["points"], chart["covered"]) == (1, 0)
    # the data table lists what was published and what the plan says, never a computed path row
    table = page.locator("table").first.inner_text()
    assert "所需路径" not in table and "28.5" in table
    page.close()


# --- tables on a phone -----------------------------------------------------------------------------------
def test_every_table_cell_is_on_screen_or_in_a_box_that_says_it_scrolls_at_375(real, synthetic, browser):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    offscreen = []
    checked = 0
    for site, base in (real, synthetic):
        kinds = {}
        for rel in pages_of(site):
            kind = re.sub(r"/[^/]+\.html$", "/*", rel) if "/" in rel else rel
            kinds.setdefault(kind, rel)  # one page of each type
        for rel in kinds.values():
            page.goto(f"{base}/{rel}")
            page.wait_for_timeout(50)
            # folded tables count too: a reader opens them
            page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
            result = page.evaluate("""() => [...document.querySelectorAll('.md-typeset td, .md-typeset th')]
              .filter((c) => c.innerText.trim() && c.getClientRects().length)
              // a stacked table's header row is kept for screen readers only, visually hidden
              .filter((c) => !(c.closest('thead') && c.closest('thead').getBoundingClientRect().width <= 1))
              .map((c) => {
                const r = c.getBoundingClientRect();
                const hint = c.closest('.is-scrollable');
                return {text: c.innerText.trim().slice(0, 20), out: r.right > window.innerWidth + 1 || r.left < -1,
                        hinted: !!hint};
              })""")
            checked += len(result)
            offscreen += [(rel, cell["text"]) for cell in result if cell["out"] and not cell["hinted"]]
    context.close()
    assert checked > 500
    assert not offscreen, offscreen[:10]


def test_the_home_pages_main_targets_show_every_column_on_a_phone(real, browser):
    site, base = real
    page = browser.new_page(viewport={"width": 375, "height": 812})
    page.goto(f"{base}/index.html")
    first_row = page.locator("table tbody tr").first
    labels = first_row.locator("td").evaluate_all("(cells) => cells.map((c) => c.getAttribute('data-label'))")
    assert labels == ["指标", "目标", "状态", "目标年份", "最新公开数值"]
    assert all(box["x"] + box["width"] <= 376 for box in
               first_row.locator("td").evaluate_all("(cells) => cells.map((c) => c.getBoundingClientRect().toJSON())"))
    page.close()


# --- sharing -------------------------------------------------------------------------------------------------
def test_a_chart_downloads_as_png_and_svg_with_its_title_source_and_the_site_name(synthetic, browser, tmp_path):
    site, base = synthetic
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base}/plans/synthetic-songyuan/indicators/non-fossil-share.html")
    page.evaluate(CHARTS_HELPER)
    assert page.evaluate(DRAW_ALL) == []
    with page.expect_download() as svg_download:
        page.get_by_role("button", name="下载 SVG").first.click()
    svg = Path(svg_download.value.path()).read_text(encoding="utf-8")
    assert svg_download.value.suggested_filename == "non-fossil-share.svg"
    assert "非化石能源消费比重" in svg and "合成统计局" in svg and "合成测试网站（SYNTHETIC）" in svg
    with page.expect_download() as png_download:
        page.get_by_role("button", name="下载 PNG").first.click()
    assert Path(png_download.value.path()).read_bytes().startswith(b"\x89PNG")
    # a permalink to the chart, and an embed code naming the standalone chart page by its full address
    assert page.locator('a[href="#chart-non-fossil-share"]').count() == 1
    page.locator("summary", has_text="嵌入代码").first.click()
    code = page.locator(".chart-embed textarea").first.input_value()
    assert code.startswith("<iframe") and f"{base}/embed/synthetic-songyuan/non-fossil-share.html" in code
    context.close()


def test_the_embedded_chart_page_draws_alone_and_links_back(synthetic, browser):
    site, base = synthetic
    page = browser.new_page(viewport={"width": 600, "height": 500})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{base}/embed/synthetic-songyuan/non-fossil-share.html")
    page.evaluate(CHARTS_HELPER)
    assert page.evaluate(DRAW_ALL) == []
    assert "非化石能源消费比重" in page.locator("h1").inner_text()
    back = page.locator("a", has_text="查看数据表和原文")
    target = page.evaluate("(a) => a.href", back.element_handle())
    assert target == f"{base}/plans/synthetic-songyuan/indicators/non-fossil-share.html"
    assert back.get_attribute("target") == "_blank"  # inside another site's iframe it opens a new tab
    assert all(url.startswith(base) for url in requests)
    page.close()


def test_every_page_has_its_own_description_and_share_tags(real):
    site, _ = real
    descriptions = {}
    for rel in pages_of(site):
        html = (site / rel).read_text(encoding="utf-8")
        description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
        assert re.search(r'<meta property="og:title" content="[^"]+"', html), rel
        assert f'<meta property="og:description" content="{description}"' in html, rel
        descriptions[rel] = description
        if 'class="chart"' in html:  # a page with a chart shares its picture, from this site
            image = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
            assert not image.startswith(("http:", "https:", "//"))
            assert (site / rel).parent.joinpath(image).resolve().is_file(), (rel, image)
    # Each page describes itself: only the plan's own pages of one kind share words.
    assert len(set(descriptions.values())) >= len(descriptions) * 0.8


# --- light pages -----------------------------------------------------------------------------------------------
def test_the_chart_library_loads_only_on_pages_that_draw_a_chart(real, browser):
    site, base = real
    for rel, expected in (("index.html", False), ("methodology.html", False), ("downloads/index.html", False),
                          ("plans/songyuan-carbon-peak-2023/areas/1.html", True)):
        page = browser.new_page()
        fetched = []
        page.on("request", lambda r: fetched.append(r.url))
        page.goto(f"{base}/{rel}", wait_until="load")
        assert any("vega-bundle" in url for url in fetched) == expected, rel
        page.close()


# --- reading from disk ---------------------------------------------------------------------------------------------
def test_the_site_opened_from_disk_clicks_through_home_area_indicator(real, browser):
    site, _ = real
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((site / "index.html").as_uri())
    page.locator(".grid.cards a", has_text="能源").first.click()
    assert page.url.startswith("file://") and page.url.endswith("/plans/songyuan-carbon-peak-2023/areas/1.html")
    assert "能源绿色低碳转型行动" in page.locator("h1").inner_text()
    page.locator("table a").first.click()
    assert "/indicators/" in page.url and page.url.endswith(".html")
    assert page.locator("h1").count() == 1 and "Index of" not in page.content()
    search = page.locator(".md-search__input").first
    assert search.is_disabled() and "无法搜索" in search.get_attribute("placeholder")
    page.close()


# --- corrections -------------------------------------------------------------------------------------------------------
def test_the_contact_is_in_every_footer_and_on_the_about_page(synthetic):
    site, _ = synthetic
    for rel in pages_of(site):
        html = (site / rel).read_text(encoding="utf-8")
        assert 'href="mailto:corrections@example.org"' in html, rel
        assert "数据截至 2024-06-01" in html, rel
    about = (site / "about.html").read_text(encoding="utf-8")
    assert "合成测试联系人（SYNTHETIC）" in about and "corrections@example.org" in about


def test_an_indicator_page_reports_an_error_with_the_page_and_its_targets_filled_in(synthetic, browser):
    site, base = synthetic
    page = browser.new_page()
    page.goto(f"{base}/plans/synthetic-songyuan/indicators/coal-share.html")
    href = page.locator("a[data-report]").get_attribute("href")
    assert href.startswith("mailto:corrections@example.org?subject=")
    text = unquote(href)
    assert "煤炭消费比重（合成）" in text and "到 2025 年不高于 60%" in text
    assert f"{base}/plans/synthetic-songyuan/indicators/coal-share.html" in text  # the page's full address
    page.close()


def test_a_site_without_a_contact_says_so(real):
    site, _ = real
    assert "本站尚未提供纠错联系方式" in (site / "about.html").read_text(encoding="utf-8")
