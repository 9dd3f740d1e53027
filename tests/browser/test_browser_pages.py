"""Every page type, in a real browser: no console error, nothing fetched from another host,
no serious axe-core violation, and no sideways scrolling on a 375 px phone."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

DATA_DIR = Path(__file__).resolve().parents[2] / "datapackages"
PHONE_WIDTH = 375


def _rows(package: str, resource: str) -> list[dict[str, str]]:
    path = DATA_DIR / package / "data" / f"{resource}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _page_types() -> dict[str, str | None]:
    """Page type -> site path, chosen from the real data (None: the data has no such page)."""
    areas = [r["area_id"] for r in _rows("songyuan-plan", "action_areas")]
    indicators = [r["indicator_id"] for r in _rows("songyuan-plan", "indicators")]
    observed = Counter(r["indicator_id"] for r in _rows("published-values", "observations"))
    with_values = sorted((i for i in indicators if observed[i]), key=lambda i: -observed[i])
    without_values = [i for i in indicators if not observed[i]]
    responsible = {r["department_id"] for r in _rows("songyuan-plan", "task_departments")}
    departments = [r["department_id"] for r in _rows("songyuan-plan", "departments")
                   if r["department_id"] in responsible]
    indicator = (with_values or indicators or [None])[0]
    types: dict[str, str | None] = {
        "home": "",
        "areas-index": "areas/",
        "area": f"areas/{(areas or ['1'])[0]}/",
        # the indicator with the most published values (or any, if none has values yet)
        "indicator": f"indicators/{indicator}/" if indicator else None,
        "departments-index": "departments/",
        "department": f"departments/{departments[0]}/" if departments else None,
        "plan": "plan/",
        "plan-jilin": "plan/jilin/",
        "downloads": "downloads/",
        "methodology": "methodology/",
        "about": "about/",
    }
    if with_values and without_values:
        types["indicator-without-values"] = f"indicators/{without_values[0]}/"
    return types


PAGE_TYPES = _page_types()


def _path(page_type: str) -> str:
    path = PAGE_TYPES[page_type]
    if path is None:
        pytest.fail(f"datapackages/ has no {page_type} to open (songyuan-plan data empty?)", pytrace=False)
    return path


@pytest.mark.parametrize("page_type", list(PAGE_TYPES))
def test_page_has_no_console_errors(browse, page_type):
    """A reader's browser shows no error: no console.error, no uncaught exception, no broken asset."""
    session = browse()
    session.open(_path(page_type))
    problems = session.log.problems()
    assert not problems, f"{page_type} ({_path(page_type)}):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_type", list(PAGE_TYPES))
def test_page_requests_nothing_from_another_host(browse, page_type):
    """Everything the page needs (fonts, scripts, the Vega bundle, search) comes from the site."""
    session = browse()
    page = session.open(_path(page_type))
    page.wait_for_load_state("networkidle")
    assert any("/assets/" in url for url in session.log.requests), (
        f"the page's own assets were not seen in the request log: {session.log.requests}")
    blocked = session.external_requests()
    assert not blocked, f"{page_type} ({_path(page_type)}) asked other hosts for:\n  " + "\n  ".join(blocked)


def _describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes) {v.get('helpUrl', '')}")
        for node in v["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            html = " ".join(node.get("html", "").split())[:160]
            lines.append(f"    {target}  {html}")
            summary = " ".join((node.get("failureSummary") or "").split())[:240]
            if summary:
                lines.append(f"      -> {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("page_type", list(PAGE_TYPES))
def test_page_has_no_serious_accessibility_violation(browse, page_type):
    """axe-core (after the charts are drawn) finds no violation of impact serious or critical."""
    session = browse()
    page = session.open(_path(page_type))
    results = Axe().run(page)
    violations = results.response["violations"]
    serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{page_type} ({_path(page_type)}):\n" + _describe_violations(serious)


_OVERFLOW_JS = """
(limit) => {
  const out = [];
  const scrolls = el => { for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o !== 'visible') return true; } return false; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > limit + 1 && !scrolls(el)) {
      const cls = (typeof el.className === 'string' && el.className) ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls} right=${Math.round(r.right)}px`);
      if (out.length >= 12) break;
    }
  }
  return out;
}
"""


@pytest.mark.parametrize("page_type", list(PAGE_TYPES))
def test_page_does_not_scroll_sideways_on_a_phone(browse, page_type):
    """At 375 px (2x, touch) the page is no wider than the screen; wide tables scroll in their own box."""
    session = browse(mobile=True)
    page = session.open(_path(page_type))
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE_WIDTH + 1:
        culprits = page.evaluate(_OVERFLOW_JS, PHONE_WIDTH)
        pytest.fail(f"{page_type} ({_path(page_type)}) is {width}px wide at {PHONE_WIDTH}px; "
                    f"elements sticking out:\n  " + "\n  ".join(culprits), pytrace=False)
