"""Real-browser fixtures: serve the built sites on 127.0.0.1 and drive Debian's chromium
through Playwright (no browser download, no other host).

Two sites, each built once per session by tests/conftest.py: ``built_site`` (the real
project, carbon-site.toml + datapackages/, whose home is the Songyuan plan) and
``built_portal`` (the SYNTHETIC portal project, whose home lists every plan). ``browse()``
opens pages of the real site, ``browse(portal=True)`` of the portal; the portal is built
only when a test asks for it."""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
INLINE_SCHEMES = {"data", "blob", "about"}
CHART_TIMEOUT_MS = 30_000
REDIRECT_TIMEOUT_MS = 10_000

MOBILE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


# ---------------------------------------------------------------- serve
# The sites are built once per session by tests/conftest.py (built_site, built_portal).


class SiteServer(ThreadingHTTPServer):
    """A static server that remembers every path it was asked for."""

    daemon_threads = True

    def __init__(self, site: Path):
        self.hits: list[str] = []
        self.hits_lock = threading.Lock()
        handler = functools.partial(_Handler, directory=str(site))
        super().__init__(("127.0.0.1", 0), handler)

    def hits_since(self, start: int) -> list[str]:
        with self.hits_lock:
            return list(self.hits[start:])

    def hit_count(self) -> int:
        with self.hits_lock:
            return len(self.hits)


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server naming)
        with self.server.hits_lock:
            self.server.hits.append(urlsplit(self.path).path)
        super().do_GET()

    def end_headers(self):
        # What an ordinary static host (e.g. GitHub Pages) sends: lets the browser reuse
        # an asset across pages only if the site refers to it by one stable URL.
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 (signature fixed by http.server)
        pass


@dataclass(frozen=True)
class Served:
    root: str          # "http://127.0.0.1:<port>/"
    site: Path
    server: SiteServer

    def url(self, path: str) -> str:
        """Absolute URL of a site-relative path such as "plans/<plan_id>/areas/1.html"."""
        return self.root + path.lstrip("/")

    def path_of(self, url: str) -> str:
        """The site-relative path of an absolute URL on this server (the inverse of url)."""
        return url.removeprefix(self.root).split("#", 1)[0]


@contextmanager
def serving(site: Path) -> Iterator[Served]:
    """A built site served over HTTP on 127.0.0.1 from a daemon thread."""
    server = SiteServer(site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield Served(root=f"http://{host}:{port}/", site=site, server=server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def served(built_site: Path) -> Iterator[Served]:
    """The real site, served on 127.0.0.1."""
    with serving(built_site) as handle:
        yield handle


@pytest.fixture(scope="session")
def served_portal(built_portal: Path) -> Iterator[Served]:
    """The SYNTHETIC portal site, served on 127.0.0.1."""
    with serving(built_portal) as handle:
        yield handle


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Browser:
    """The module's chromium, for tests that open their own pages and contexts."""
    return chromium


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One Debian chromium per test module. (Not per session: Playwright's sync API allows one
    instance at a time in a thread, and a module may start its own.)"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """What a page did while a test drove it."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)       # requests to any other host (aborted)
    bad_responses: list[str] = field(default_factory=list)  # local responses >= 400
    failed: list[str] = field(default_factory=list)        # local requests that got no response

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and broken local requests, one line each."""
        return self.errors() + [f"request failed: {m}" for m in self.failed]

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and local responses >= 400 (not requests cut short
        by the test navigating on), one line each."""
        return (
            [f"console.error: {m}" for m in self.console_errors]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"HTTP {m}" for m in self.bad_responses]
        )


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (127.0.0.1/localhost, data:, blob:)."""
    parts = urlsplit(url)
    return parts.scheme in INLINE_SCHEMES or (parts.hostname or "") in LOCAL_HOSTS


@dataclass
class Browsing:
    """One browser context for one test; every request to another host is aborted and logged."""

    context: BrowserContext
    served: Served
    log: PageLog

    def open(self, path: str, *, wait_for_charts: bool = True, landing: str | None = None) -> Page:
        """Open a site page, check it answered 200, and (by default) wait until its charts are drawn.

        For an old URL that redirects, landing is the site path the reader must end up on:
        the test fails unless the browser arrives there."""
        page = self.new_page()
        response = page.goto(self.served.url(path), wait_until="load" if landing is None else "commit")
        assert response is not None and response.status == 200, (
            f"{path}: HTTP {response.status if response else 'no response'}")
        if landing is not None:
            try:
                page.wait_for_url(self.served.url(landing), wait_until="load", timeout=REDIRECT_TIMEOUT_MS)
            except PlaywrightTimeout:
                pytest.fail(f"{path}: the browser did not arrive at {landing} within "
                            f"{REDIRECT_TIMEOUT_MS // 1000}s; it is at {self.served.path_of(page.url)!r}",
                            pytrace=False)
        if wait_for_charts:
            wait_until_charts_drawn(page, landing if landing is not None else path)
        return page

    def new_page(self) -> Page:
        """A blank page in this context whose errors, failed requests and local 4xx/5xx go to the log."""
        page = self.context.new_page()
        page.on("console", lambda msg: msg.type == "error" and self.log.console_errors.append(
            f"{msg.text} ({msg.location.get('url', '')}:{msg.location.get('lineNumber', '')})"))
        page.on("pageerror", lambda exc: self.log.page_errors.append(str(exc)))
        page.on("response", lambda r: r.status >= 400 and self.log.bad_responses.append(f"{r.status} {r.url}"))
        page.on("requestfailed", lambda r: is_local(r.url) and self.log.failed.append(
            f"{r.failure} {r.url}"))
        return page

    @staticmethod
    def draw_charts(page: Page) -> list[dict]:
        """Wait for the page's charts; return every `.chart` container's id and whether it is drawn."""
        return draw_charts(page)

    def external_requests(self) -> list[str]:
        """Requests to any host other than this machine (already aborted)."""
        return list(self.log.blocked)


def _route_local_only(log: PageLog, route: Route) -> None:
    url = route.request.url
    log.requests.append(url)
    if is_local(url):
        route.continue_()
    else:
        log.blocked.append(url)
        route.abort("blockedbyclient")


@pytest.fixture
def browse(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Browsing]]:
    """Factory: `browse()` gives a fresh context on the real site, `browse(portal=True)` on the portal;
    `mobile=True` a 375 px phone; `route=False` only watches requests (keeps the HTTP cache on)."""
    contexts: list[BrowserContext] = []

    def make(*, mobile: bool = False, route: bool = True, portal: bool = False) -> Browsing:
        served = request.getfixturevalue("served_portal" if portal else "served")
        options = dict(MOBILE) if mobile else {"viewport": {"width": 1280, "height": 900}}
        context = chromium.new_context(locale="zh-CN", service_workers="block", **options)
        contexts.append(context)
        log = PageLog()
        if route:
            context.route("**/*", functools.partial(_route_local_only, log))
        else:
            # Routing turns the HTTP cache off; without it we can only watch.
            context.on("request", lambda r: (log.requests.append(r.url),
                                             is_local(r.url) or log.blocked.append(r.url)))
        return Browsing(context=context, served=served, log=log)

    yield make
    for context in contexts:
        context.close()


# ---------------------------------------------------------------- charts

_CHART_STATE_JS = """
() => [...document.querySelectorAll('.chart')].map(el => {
  const g = el.querySelector('svg.marks, canvas.marks');
  const box = g ? g.getBoundingClientRect() : null;
  return {id: el.id || el.getAttribute('data-chart') || '(no id)',
          drawn: !!(box && box.width > 0 && box.height > 0),
          width: box ? box.width : 0};
})
"""


def chart_states(page: Page) -> list[dict]:
    """For every `.chart` container: its id, whether Vega drew a non-empty SVG/canvas in it."""
    return page.evaluate(_CHART_STATE_JS)


def scroll_through_charts(page: Page) -> None:
    """Bring each chart into view in turn, as a reader scrolling down would (charts.js draws a chart
    only when it comes near the screen), waiting briefly for each before moving on; then back to the top."""
    for handle in page.query_selector_all(".chart"):
        handle.scroll_into_view_if_needed()
        try:
            page.wait_for_function("el => el.querySelector('svg.marks, canvas.marks') || "
                                   "el.classList.contains('chart--error')", arg=handle, timeout=5000)
        except PlaywrightTimeout:
            pass  # draw_charts reports every chart left empty
    page.evaluate("window.scrollTo(0, 0)")


def draw_charts(page: Page, timeout_ms: int = CHART_TIMEOUT_MS) -> list[dict]:
    """Scroll through the page's charts and wait (up to timeout_ms) until every `.chart` holds a
    drawn chart; return each chart's state."""
    scroll_through_charts(page)
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.chart')].every(el => {"
            " const g = el.querySelector('svg.marks, canvas.marks');"
            " if (!g) return false; const b = g.getBoundingClientRect();"
            " return b.width > 0 && b.height > 0; })",
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        pass  # the states below say which charts stayed empty
    return chart_states(page)


def wait_until_charts_drawn(page: Page, label: str) -> list[dict]:
    """Like draw_charts, but fail the test naming every chart that was not drawn."""
    states = draw_charts(page)
    empty = [s["id"] for s in states if not s["drawn"]]
    if empty:
        pytest.fail(f"{label}: {len(empty)} of {len(states)} charts not drawn after "
                    f"{CHART_TIMEOUT_MS // 1000}s: {', '.join(empty[:20])}", pytrace=False)
    return states
