"""Charts in a real browser: every action-area page draws a chart for each of its indicators,
from one copy of the Vega bundle served by the site itself and reused across pages."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

DATA_DIR = Path(__file__).resolve().parents[2] / "datapackages"
PLAN_AREAS = 10  # the plan's clause 四 has ten action areas


def _area_dirs(site: Path) -> list[str]:
    """Area page ids as built: site/areas/<id>/index.html."""
    return sorted((p.parent.name for p in (site / "areas").glob("*/index.html")),
                  key=lambda name: (len(name), name))


def _rows(package: str, resource: str) -> list[dict[str, str]]:
    with (DATA_DIR / package / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _chartable_indicators_by_area() -> dict[str, set[str]]:
    """Songyuan indicators per area that have something to draw: a published value or a numeric target.
    (An indicator whose targets are all qualitative or deferred has no number to chart.)"""
    numeric = {r["indicator_id"] for r in _rows("songyuan-plan", "targets") if r["target_value"].strip()}
    observed = {r["indicator_id"] for r in _rows("published-values", "observations")}
    by_area: dict[str, set[str]] = {}
    for row in _rows("songyuan-plan", "indicators"):
        if row["area_id"] and row["indicator_id"] in numeric | observed:
            by_area.setdefault(row["area_id"], set()).add(row["indicator_id"])
    return by_area


def _open_and_draw(session, path: str):
    """Open a page, scroll through its charts and fail unless every one of them is drawn."""
    page = session.open(path, wait_for_charts=False)
    empty = [s["id"] for s in session.draw_charts(page) if not s["drawn"]]
    assert not empty, f"{path}: charts not drawn: {', '.join(empty)}"
    return page


def test_site_has_one_page_per_action_area(built_site):
    """The plan has ten action areas, so the site has exactly ten area pages."""
    areas = _area_dirs(built_site)
    assert len(areas) == PLAN_AREAS, f"area pages found: {areas}"


def test_every_area_page_draws_all_its_charts(browse, built_site):
    """Each area page has a chart for every indicator of the area with a number to draw (a published
    value or a numeric target), and Vega draws every chart container it has."""
    areas = _area_dirs(built_site)
    assert areas, "no area pages in the built site"
    expected = _chartable_indicators_by_area()
    session = browse()
    failures = []
    total = 0
    for area in areas:
        page = session.open(f"areas/{area}/", wait_for_charts=False)
        states = session.draw_charts(page)
        drawn = [s["id"] for s in states if s["drawn"]]
        empty = [s["id"] for s in states if not s["drawn"]]
        charted = set(page.eval_on_selector_all(".chart", "els => els.map(e => e.dataset.chart || '')"))
        missing = sorted(expected.get(area, set()) - charted)
        total += len(states)
        if not states and expected.get(area):
            failures.append(f"areas/{area}/: no .chart container, but the area has indicators with a numeric target")
        if empty:
            failures.append(f"areas/{area}/: {len(drawn)} of {len(states)} charts drawn; empty: {', '.join(empty)}")
        if missing:
            failures.append(f"areas/{area}/: no chart (data-chart) for indicators with a numeric target or "
                            f"published value: {', '.join(missing)}")
        page.close()
    assert total > 0, "no area page has any .chart container"
    assert not failures, "\n".join(failures)


def test_vega_bundle_is_fetched_once_from_the_site_and_reused(browse, served, built_site):
    """Two area pages in one browser: the Vega bundle comes from 127.0.0.1 under assets/vega/,
    is downloaded once, and the second page draws its charts from the cached copy."""
    areas = _area_dirs(built_site)
    assert len(areas) >= 2, f"need two area pages, found {areas}"
    session = browse(route=False)  # routing would switch the browser's HTTP cache off
    start = served.server.hit_count()
    first = _open_and_draw(session, f"areas/{areas[0]}/")
    first_scripts = first.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    second = _open_and_draw(session, f"areas/{areas[1]}/")
    second_scripts = second.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    hits = served.server.hits_since(start)

    vega_scripts = [s for s in first_scripts if "/assets/vega/" in s]
    assert len(vega_scripts) == 1, f"scripts under assets/vega/ on areas/{areas[0]}/: {first_scripts}"
    assert vega_scripts[0].startswith(served.root), f"Vega bundle not from the site: {vega_scripts[0]}"
    assert [s for s in second_scripts if "/assets/vega/" in s] == vega_scripts, (
        f"the two pages refer to the Vega bundle by different URLs: {vega_scripts} vs {second_scripts}")
    vega_hits = [h for h in hits if "/assets/vega/" in h]
    assert len(vega_hits) == 1, f"the server sent the Vega bundle {len(vega_hits)} times: {vega_hits}"
    assert not session.external_requests(), f"requests to other hosts: {session.external_requests()}"
