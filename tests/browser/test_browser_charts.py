"""Charts in a real browser: every plan's action-area pages draw a chart for each of their
indicators with a number to draw, from one copy of the Vega bundle served by the site itself,
fetched once and reused across pages. (That pages without a chart do not load the bundle is
checked in test_reader.py.)"""
from __future__ import annotations

import pytest
from site_data import PORTAL, REAL, Project, page_url

from builder.text import zh

pytestmark = pytest.mark.browser

SONGYUAN_AREAS = 10  # the Songyuan plan's clause 三 has ten action areas


def _built_area_pages(site, project: Project, plan_id: str) -> set[str]:
    """The HTML files under a plan's areas/ folder, but its index of areas."""
    index = page_url(project.urls.areas_index(plan_id))
    folder = site / project.urls.plan_dir(plan_id) / "areas"
    return {p.relative_to(site).as_posix() for p in folder.rglob("*.html")} - {index}


def _check_area_charts(session, project: Project) -> tuple[int, list[str]]:
    """Open every area page of every plan; (charts seen, failures)."""
    failures, total = [], 0
    for plan in project.plans():
        expected = project.chartable_by_area(plan)
        for area in plan.area_ids():
            path = page_url(project.urls.area(plan.plan_id, int(area)))
            page = session.open(path, wait_for_charts=False)
            states = session.draw_charts(page)
            drawn = [s["id"] for s in states if s["drawn"]]
            empty = [s["id"] for s in states if not s["drawn"]]
            charted = set(page.eval_on_selector_all(".chart", "els => els.map(e => e.dataset.chart || '')"))
            missing = sorted(expected.get(area, set()) - charted)
            extra = sorted(charted - expected.get(area, set()))
            total += len(states)
            if empty:
                failures.append(f"{path}: {len(drawn)} of {len(states)} charts drawn; empty: {', '.join(empty)}")
            if missing:
                failures.append(f"{path}: no chart (data-chart) for indicators with a numeric target or "
                                f"published value: {', '.join(missing)}")
            if extra:
                failures.append(f"{path}: charts for indicators of another area or with nothing to draw: "
                                f"{', '.join(extra)}")
            page.close()
    return total, failures


def test_every_plan_has_one_page_per_action_area(built_site):
    """Each plan on the real site has exactly one area page per row of its action_areas table,
    under plans/<plan_id>/areas/, and no other; Songyuan's plan has ten."""
    found = {plan.plan_id: _built_area_pages(built_site, REAL, plan.plan_id) for plan in REAL.plans()}
    expected = {plan.plan_id: {page_url(REAL.urls.area(plan.plan_id, int(a))) for a in plan.area_ids()}
                for plan in REAL.plans()}
    assert found == expected
    assert len(found[REAL.home]) == SONGYUAN_AREAS, sorted(found[REAL.home])


def test_every_area_page_of_the_real_site_draws_all_its_charts(browse):
    """Each area page of both plans has a chart for every indicator of the area with a number to
    draw (a published value or a numeric target), and Vega draws every chart container it has."""
    total, failures = _check_area_charts(browse(), REAL)
    assert total > 0, "no area page has any .chart container"
    assert not failures, "\n".join(failures)


def test_every_area_page_of_the_portal_draws_all_its_charts(browse):
    """The same on the SYNTHETIC portal, whose plans have published values (observed series)."""
    total, failures = _check_area_charts(browse(portal=True), PORTAL)
    assert total > 0, "no area page of the portal has any .chart container"
    assert not failures, "\n".join(failures)


# The 类别 (series) cell of every row of the page's chart data tables: the tables with a 类别 column.
_DATA_TABLE_KINDS_JS = """
() => [...document.querySelectorAll('.md-content table')].flatMap(table => {
  const col = [...table.querySelectorAll('thead th')].findIndex(th => th.innerText.trim() === '类别');
  return col < 0 ? [] : [...table.querySelectorAll('tbody tr')].map(tr => tr.children[col].innerText);
})
"""


def test_indicator_pages_with_published_values_draw_their_chart(browse):
    """On the portal, every indicator page whose indicator has published values draws its chart,
    and the chart's data table lists each published value on a row of its own (公开数值)."""
    session = browse(portal=True)
    failures = []
    observed = PORTAL.observed()
    assert observed, "the SYNTHETIC portal data has no published values"
    for (plan_id, indicator_id), count in sorted(observed.items()):
        path = page_url(PORTAL.urls.indicator(plan_id, indicator_id))
        page = session.open(path, wait_for_charts=False)
        states = session.draw_charts(page)
        if [s["id"] for s in states] != [f"chart-{indicator_id}"] or not all(s["drawn"] for s in states):
            failures.append(f"{path}: charts {states}, expected one drawn chart-{indicator_id}")
        kinds = page.evaluate(_DATA_TABLE_KINDS_JS)
        if sum(k.strip() == zh.SERIES["observed"] for k in kinds) != count:
            failures.append(f"{path}: {count} published values, but the data table's 类别 column is {kinds}")
        page.close()
    assert not failures, "\n".join(failures)


def test_vega_bundle_is_fetched_once_from_the_site_and_reused(browse, served):
    """Two area pages in one browser: the Vega bundle comes from 127.0.0.1 under assets/vega/,
    is downloaded once, and the second page draws its charts from the cached copy."""
    with_charts = [page_url(REAL.urls.area(REAL.home, int(a))) for a, ids in
                   sorted(REAL.chartable_by_area(REAL.plan(REAL.home)).items()) if ids]
    assert len(with_charts) >= 2, f"need two area pages with charts, found {with_charts}"
    session = browse(route=False)  # routing would switch the browser's HTTP cache off
    start = served.server.hit_count()
    first = session.open(with_charts[0])
    first_scripts = first.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    second = session.open(with_charts[1])
    second_scripts = second.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    hits = served.server.hits_since(start)

    vega_scripts = [s for s in first_scripts if "/assets/vega/" in s]
    assert len(vega_scripts) == 1, f"scripts under assets/vega/ on {with_charts[0]}: {first_scripts}"
    assert vega_scripts[0].startswith(served.root), f"Vega bundle not from the site: {vega_scripts[0]}"
    assert [s for s in second_scripts if "/assets/vega/" in s] == vega_scripts, (
        f"the two pages refer to the Vega bundle by different URLs: {vega_scripts} vs {second_scripts}")
    vega_hits = [h for h in hits if "/assets/vega/" in h]
    assert len(vega_hits) == 1, f"the server sent the Vega bundle {len(vega_hits)} times: {vega_hits}"
    assert not session.external_requests(), f"requests to other hosts: {session.external_requests()}"
