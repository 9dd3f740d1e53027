"""Every page type, in a real browser: no console error, nothing fetched from another host,
no serious axe-core violation, and no sideways scrolling on a 375 px phone.

Page types come from both built sites: the real one (its home is the Songyuan plan; the
province plan, its parent, has a plan home and a comparison page of its own) and the
SYNTHETIC portal (its home lists every plan). An old URL kept as a redirect is a page
type too: readers who open it must land on the new page without an error, and the
redirect page itself must pass the same checks.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from site_data import PORTAL, REAL, Project, page_url

from builder.site.urls import ABOUT, CHANGELOG, DICTIONARY, DOWNLOADS, HOME, METHODOLOGY

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375


@dataclass(frozen=True)
class PageType:
    name: str
    path: str | None  # None: the data has no such page (the test fails and says so)
    portal: bool = False
    landing: str | None = None  # for an old URL: the page the redirect must land on

    @property
    def label(self) -> str:
        return f"{self.name} ({self.path}{' on the portal' if self.portal else ''})"


def _indicator_types(project: Project, prefix: str, portal: bool) -> list[PageType]:
    """The indicator page with the most published values, one with a chart but no value, one without a chart."""
    observed = project.observed()
    keys = [(plan.plan_id, i) for plan in project.plans() for i in plan.indicator_ids()]
    chartable = {(plan.plan_id, i) for plan in project.plans() for i in project.chartable(plan)}
    with_values = sorted((k for k in keys if observed[k]), key=lambda k: (-observed[k], k))
    chart_only = [k for k in keys if k in chartable and not observed[k]]
    no_chart = [k for k in keys if k not in chartable]

    def path(found):
        return page_url(project.urls.indicator(*found[0])) if found else None

    return [PageType(f"{prefix}indicator-with-values", path(with_values), portal),
            PageType(f"{prefix}indicator-with-target-chart", path(chart_only), portal),
            PageType(f"{prefix}indicator-without-chart", path(no_chart), portal)]


def _redirect_type(project: Project, old_prefix: str, name: str) -> PageType:
    """An old page URL under old_prefix kept as a redirect (the deepest, as a shared link to one
    area or indicator would be), and the page it must land on."""
    pages = sorted(((old, new) for old, new in project.redirects().items()
                    if old.startswith(old_prefix) and old.endswith("/") and new.endswith(".md")),
                   key=lambda item: (-item[0].count("/"), item[0]))
    if not pages:
        return PageType(name, None)
    old, new = pages[0]
    return PageType(name, old, landing=page_url(new))


def _page_types() -> list[PageType]:
    """Every page type, with the path chosen from the projects' data."""
    urls, home = REAL.urls, REAL.plan(REAL.home)
    parent = REAL.plan(home.parent) if home.parent else None
    areas = home.area_ids()
    departments = home.responsible_departments()
    chartable = sorted((plan.plan_id, i) for plan in REAL.plans() for i in REAL.chartable(plan))
    types = [
        PageType("home", page_url(urls.plan_home(home.plan_id))),
        PageType("areas-index", page_url(urls.areas_index(home.plan_id))),
        PageType("area", page_url(urls.area(home.plan_id, int(areas[0]))) if areas else None),
        *_indicator_types(REAL, "", portal=False),
        PageType("departments-index", page_url(urls.departments_index(home.plan_id))),
        PageType("department", page_url(urls.department(home.plan_id, departments[0])) if departments else None),
        PageType("plan-text", page_url(urls.plan_text(home.plan_id))),
        PageType("parent-plan-home", page_url(urls.plan_home(parent.plan_id)) if parent else None),
        PageType("parent-plan-area", page_url(urls.area(parent.plan_id, int(parent.area_ids()[0])))
                 if parent and parent.area_ids() else None),
        PageType("parent-plan-text", page_url(urls.plan_text(parent.plan_id)) if parent else None),
        PageType("compare", page_url(urls.compare(parent.plan_id)) if parent else None),
        PageType("chart-embed", urls.embed(*chartable[0]) if chartable else None),
        PageType("downloads", page_url(DOWNLOADS)),
        PageType("dictionary", page_url(DICTIONARY)),
        PageType("methodology", page_url(METHODOLOGY)),
        PageType("changelog", page_url(CHANGELOG)),
        PageType("about", page_url(ABOUT)),
        _redirect_type(REAL, "areas/", "old-area-url"),
        _redirect_type(REAL, "indicators/", "old-indicator-url"),
        _redirect_type(REAL, "plan/", "old-plan-url"),
    ]
    purls = PORTAL.urls
    city = next((p for p in PORTAL.plans() if p.parent), None)
    city_areas = PORTAL.chartable_by_area(city) if city else {}
    types += [
        PageType("portal-home", page_url(HOME), portal=True),
        PageType("portal-plan-home", page_url(purls.plan_home(city.plan_id)) if city else None, portal=True),
        PageType("portal-area", page_url(purls.area(city.plan_id, int(min(city_areas, key=int))))
                 if city_areas else None, portal=True),
        *_indicator_types(PORTAL, "portal-", portal=True)[:1],
        PageType("portal-compare", page_url(purls.compare(city.parent)) if city else None, portal=True),
    ]
    return types


PAGE_TYPES = _page_types()
PARAMS = [pytest.param(t, id=t.name) for t in PAGE_TYPES]


def _checked_path(page_type: PageType) -> str:
    if page_type.path is None:
        pytest.fail(f"the project's data has no page of type {page_type.name} to open", pytrace=False)
    return page_type.path


def _open(browse, page_type: PageType, *, mobile: bool = False, stay_on_redirect: bool = False):
    """A browsing session and the page of this type, opened as a reader opens it.

    An old URL is followed to its new page. With stay_on_redirect the browser instead stays on
    the redirect page itself, fully parsed: it is loaded with scripts off (its script would
    leave while the page is still being read), its refresh to the new page is answered with
    204 No Content (which leaves a page in place), then scripts are turned back on for the checks.
    """
    session = browse(mobile=mobile, portal=page_type.portal)
    path = _checked_path(page_type)
    if page_type.landing is None:
        return session, session.open(path)
    if not stay_on_redirect:
        return session, session.open(path, landing=page_type.landing)
    page = session.new_page()
    asked: list[str] = []

    def no_content(route):
        asked.append(route.request.url)
        route.fulfill(status=204)

    page.route(session.served.url(page_type.landing), no_content)
    cdp = session.context.new_cdp_session(page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    response = page.goto(session.served.url(path), wait_until="commit")
    assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
    page.wait_for_function("() => document.readyState === 'complete'")
    for _ in range(50):
        if asked:
            break
        page.wait_for_timeout(100)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": False})
    assert asked, f"the redirect page {path} never asked for {page_type.landing}"
    assert session.served.path_of(page.url) == path, f"left the redirect page {path} for {page.url}"
    return session, page


@pytest.mark.parametrize("page_type", PARAMS)
def test_page_has_no_console_errors(browse, page_type):
    """A reader's browser shows no error: no console.error, no uncaught exception, no broken asset."""
    session, page = _open(browse, page_type)
    page.wait_for_load_state("networkidle")
    problems = session.log.problems()
    assert not problems, f"{page_type.label}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_type", PARAMS)
def test_page_requests_nothing_from_another_host(browse, page_type):
    """Everything the page needs (scripts, styles, the Vega bundle, search) comes from 127.0.0.1."""
    session, page = _open(browse, page_type)
    page.wait_for_load_state("networkidle")
    assert any("/assets/" in url for url in session.log.requests), (
        f"the page's own assets were not seen in the request log: {session.log.requests}")
    blocked = session.external_requests()
    assert not blocked, f"{page_type.label} asked other hosts for:\n  " + "\n  ".join(blocked)


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


@pytest.mark.parametrize("page_type", PARAMS)
def test_page_has_no_serious_accessibility_violation(browse, page_type):
    """axe-core (after the charts are drawn) finds no violation of impact serious or critical
    (on an old URL: on the redirect page itself)."""
    _, page = _open(browse, page_type, stay_on_redirect=True)
    # Scrolling through the charts swaps the header's title with a fade: measure colours once no
    # transition is running (mid-fade the text is half transparent, which no reader stays on).
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    results = Axe().run(page)
    violations = results.response["violations"]
    serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{page_type.label}:\n" + _describe_violations(serious)


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


@pytest.mark.parametrize("page_type", PARAMS)
def test_page_does_not_scroll_sideways_on_a_phone(browse, page_type):
    """At 375 px (2x, touch) the page is no wider than the screen; wide tables scroll in their own box.
    (An old URL is followed: the page a phone reader ends up reading is the new one.)"""
    _, page = _open(browse, page_type, mobile=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE_WIDTH + 1:
        culprits = page.evaluate(_OVERFLOW_JS, PHONE_WIDTH)
        pytest.fail(f"{page_type.label} is {width}px wide at {PHONE_WIDTH}px; "
                    f"elements sticking out:\n  " + "\n  ".join(culprits), pytrace=False)


def test_page_types_cover_every_kind_of_page():
    """Guards the parametrisation: each page type has a path in the data, the paths differ, and
    every old URL kind the config keeps (areas/, indicators/, plan/) has a redirect type."""
    missing = [t.name for t in PAGE_TYPES if t.path is None]
    assert not missing, f"no page in the data for: {missing}"
    keys = [(t.portal, t.path) for t in PAGE_TYPES]
    assert len(set(keys)) == len(keys), f"two page types open the same page: {keys}"
    assert sum(t.landing is not None for t in PAGE_TYPES) == 3
