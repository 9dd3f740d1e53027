#!/usr/bin/env python3
"""The reader side of the benchmark: what a page costs a visitor's browser.

Serves a built site on 127.0.0.1 the way a static host would (gzip for text types,
``Cache-Control: max-age=3600``, no validators) and drives headless Debian chromium:

* bytes on the wire (compressed response bodies, as the server sent them) for a first
  visit, with a cold cache, to the home page and another page without a chart (budget
  100 KB each: no chart library), and to an area page (budget 400 KB), then for a second
  area page in the same browser context — which resources were fetched again (the Vega
  bundle must not be);
* time from navigation start until every ``.chart`` on the area page holds an ``svg``
  (cold cache, median of several runs), unthrottled and under Lighthouse's mobile
  profile (150 ms RTT, 1.6 Mbit/s down, 4× CPU slowdown).

Example:
    .venv/bin/python scripts/bench_reader.py --site site --runs 5
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
VEGA_BUNDLE = "assets/vega/vega-bundle.js"
COMPRESSIBLE = re.compile(r"^(text/|application/(javascript|json|xml|manifest\+json)|image/svg)")
# Lighthouse's default mobile throttling ("Slow 4G" network, mid-range phone CPU).
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8 * 0.9,
           "uploadThroughput": 750e3 / 8 * 0.9}
CPU_SLOWDOWN = 4
AREA_BUDGET_KB = 400  # an area page's first visit (issue: light pages)
PLAIN_BUDGET_KB = 100  # a page without charts, first visit
ALL_CHARTS_DRAWN = """() => {
    const charts = [...document.querySelectorAll('.chart')];
    if (document.readyState === 'loading' || charts.length === 0) return false;
    if (charts.some(c => c.classList.contains('chart--error'))) return -1;
    const waiting = charts.find(c => !c.querySelector('svg'));
    if (waiting === undefined) return performance.now();
    // Charts drawn only when scrolled near (lazy drawing) are brought into view, one at a time.
    const box = waiting.getBoundingClientRect();
    if (box.top > window.innerHeight || box.bottom < 0) waiting.scrollIntoView();
    return false;
}"""
FIRST_CHART_DRAWN = """() => {
    const chart = document.querySelector('.chart');
    if (document.readyState === 'loading' || chart === null) return false;
    if (chart.classList.contains('chart--error')) return -1;
    if (chart.querySelector('svg')) return performance.now();
    const box = chart.getBoundingClientRect();
    if (box.top > window.innerHeight || box.bottom < 0) chart.scrollIntoView();
    return false;
}"""


class Recorder:
    """What the server sent, request by request, since the last reset."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries: list[dict] = []
        self.gzipped: dict[str, bytes] = {}

    def reset(self) -> list[dict]:
        """The entries so far, and start a new list."""
        with self.lock:
            entries, self.entries = self.entries, []
        return entries

    def add(self, entry: dict) -> None:
        """Record one response."""
        with self.lock:
            self.entries.append(entry)


class StaticHostHandler(SimpleHTTPRequestHandler):
    """GET only; gzip for text types; one hour of caching; no ETag/Last-Modified."""

    recorder: Recorder

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name; quiet server
        pass

    def do_GET(self):  # noqa: N802 - stdlib naming
        """Serve a file (index.html for a directory), gzipped when the type compresses."""
        url_path = unquote(urlsplit(self.path).path)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not url_path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", url_path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.recorder.add({"path": url_path, "status": 301, "bytes": 0, "raw": 0,
                                   "type": ""})
                return
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            self.recorder.add({"path": url_path, "status": 404, "bytes": 0, "raw": 0, "type": ""})
            return
        raw = path.read_bytes()
        ctype = self.guess_type(str(path))
        body, encoded = raw, False
        if COMPRESSIBLE.match(ctype) and "gzip" in self.headers.get("Accept-Encoding", ""):
            key = str(path)
            if key not in self.recorder.gzipped:
                self.recorder.gzipped[key] = gzip.compress(raw, 6, mtime=0)
            body, encoded = self.recorder.gzipped[key], True
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        if encoded:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)
        self.recorder.add({"path": url_path, "status": 200, "bytes": len(body), "raw": len(raw),
                           "type": ctype})


def serve(site: Path) -> tuple[ThreadingHTTPServer, Recorder, str]:
    """Start the static host on an ephemeral 127.0.0.1 port, in a thread."""
    recorder = Recorder()
    handler = type("Handler", (StaticHostHandler,), {"recorder": recorder})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, recorder, f"http://127.0.0.1:{server.server_address[1]}/"


def area_pages(site: Path) -> list[tuple[str, int]]:
    """(site-relative URL, number of charts) of every plan's area pages, most charts first.

    An area page is plans/<plan_id>/areas/<n>.html (or plans/<plan_id>/areas/<n>/ where a site
    is built with folder URLs); the redirect pages at the old addresses (areas/<n>/) are not
    area pages, nor is a plan's index of areas."""
    pages = []
    for html in sorted(site.glob("plans/*/areas/*.html")):
        if html.name != "index.html":
            pages.append((html.relative_to(site).as_posix(), html.read_text("utf-8").count('class="chart"')))
    for html in sorted(site.glob("plans/*/areas/*/index.html")):
        pages.append((html.parent.relative_to(site).as_posix() + "/", html.read_text("utf-8").count('class="chart"')))
    return sorted(pages, key=lambda p: (-p[1], p[0]))


def visit_summary(entries: list[dict]) -> dict:
    """Bytes and resources of one page visit, from the server's log."""
    ok = [e for e in entries if e["status"] == 200]
    return {
        "requests": len(entries),
        "compressed_kb": sum(e["bytes"] for e in ok) / 1000,
        "uncompressed_kb": sum(e["raw"] for e in ok) / 1000,
        "vega_kb": sum(e["bytes"] for e in ok if e["path"].endswith(VEGA_BUNDLE)) / 1000,
        "vega_refetched": any(e["path"].endswith(VEGA_BUNDLE) for e in entries),
        "resources": sorted(({"path": e["path"], "kb": round(e["bytes"] / 1000, 1),
                              "raw_kb": round(e["raw"] / 1000, 1), "status": e["status"]}
                             for e in entries), key=lambda r: -r["kb"]),
    }


def launch(playwright):
    """Debian's chromium, headless, with the project's standard arguments."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_page(browser, problems: list[str], base: str):
    """A fresh context (cold cache) at phone width, noting console errors and foreign requests."""
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:")
            else problems.append(f"request leaves 127.0.0.1: {r.url}"))
    return context, page


def wait_for_charts(page, problems: list[str], predicate: str = ALL_CHARTS_DRAWN) -> float:
    """performance.now() when the predicate's charts have an svg; a clear exit if never."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        drawn_at = float(page.wait_for_function(predicate, polling="raf",
                                                timeout=120_000).json_value())
    except PlaywrightTimeout:
        drawn_at = -1.0
    if drawn_at < 0:
        failed = page.evaluate("() => [...document.querySelectorAll('.chart')]"
                               ".filter(c => !c.querySelector('svg')).map(c => c.id)")
        raise SystemExit(f"bench_reader: on {page.url} these charts were not drawn (an error "
                         f"shown, or 120 s passed): {', '.join(failed[:10])}; browser problems: "
                         f"{'; '.join(problems) or 'none'}")
    return drawn_at


def time_to_charts(page, url: str, problems: list[str]) -> tuple[float, float]:
    """Milliseconds from navigation start until the first chart, then every chart on the page,
    has an svg (scrolling to each chart not yet drawn, as a reader would)."""
    page.goto(url, wait_until="commit")
    first_chart = wait_for_charts(page, problems, FIRST_CHART_DRAWN)
    return first_chart, wait_for_charts(page, problems)


def measure(site: Path, runs: int = 5, throttled_runs: int = 3) -> dict:
    """Transfer sizes and chart-drawing times for the site's area pages."""
    from playwright.sync_api import sync_playwright

    pages = area_pages(site)
    drawn = [p for p in pages if p[1] > 0]
    if len(drawn) < 2:
        raise SystemExit(f"bench_reader: need two area pages with charts under {site}/plans/*/areas, "
                         f"found {pages}")
    (first_url, first_charts), (second_url, second_charts) = drawn[0], drawn[1]
    server, recorder, base = serve(site)
    problems: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            context, page = new_page(browser, problems, base)
            recorder.reset()
            page.goto(base + first_url, wait_until="load")
            wait_for_charts(page, problems)
            page.wait_for_load_state("networkidle")
            first = visit_summary(recorder.reset())
            page.goto(base + second_url, wait_until="load")
            wait_for_charts(page, problems)
            page.wait_for_load_state("networkidle")
            second = visit_summary(recorder.reset())
            context.close()

            plain = {}
            for url in ("index.html", "methodology.html"):
                context, page = new_page(browser, problems, base)
                recorder.reset()
                page.goto(base + url, wait_until="load")
                page.wait_for_load_state("networkidle")
                plain[url] = visit_summary(recorder.reset())
                context.close()

            cold, warm = [], []
            for _ in range(runs):
                context, page = new_page(browser, problems, base)
                cold.append(time_to_charts(page, base + first_url, problems))
                warm.append(time_to_charts(page, base + second_url, problems))
                context.close()
            slow = []
            for _ in range(throttled_runs):
                context, page = new_page(browser, problems, base)
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", SLOW_4G)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
                slow.append(time_to_charts(page, base + first_url, problems))
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    first_paths = {r["path"] for r in first["resources"]}
    second["refetched"] = sorted(r["path"] for r in second["resources"] if r["path"] in first_paths)
    html_sizes = {url: len(gzip.compress((site / url / "index.html").read_bytes()
                                         if url.endswith("/") else (site / url).read_bytes(), 6))
                  for url, _ in pages}
    return {
        "site": str(site), "first_page": first_url, "first_charts": first_charts,
        "second_page": second_url, "second_charts": second_charts,
        "first_visit": first, "second_visit": second, "no_chart_visits": plain,
        # (first chart, every chart) per run, milliseconds from navigation start
        "charts_ms_cold": cold, "charts_ms_second_page": warm, "charts_ms_slow4g": slow,
        "area_html_gzip_kb": {k: v / 1000 for k, v in html_sizes.items()},
        "problems": sorted(set(problems)),
    }


def markdown(result: dict) -> list[str]:
    """Markdown lines for BENCHMARKS.md."""
    first, second = result["first_visit"], result["second_visit"]
    med = statistics.median
    html = result["area_html_gzip_kb"]
    lines = [
        f"Site: {result['site']}, served on 127.0.0.1 with gzip (level 6) for text types and "
        "`Cache-Control: max-age=3600`; sizes are response bodies as sent (HTTP headers, about "
        "0.2 KB a response, not counted); KB = 1,000 bytes. Headless Debian chromium, 375 px "
        "wide viewport.", "",
        "| visit | page | charts | requests | compressed | uncompressed | of which Vega bundle |",
        "|---|---|---:|---:|---:|---:|---:|",
        f"| first (cold cache) | `{result['first_page']}` | {result['first_charts']} | "
        f"{first['requests']} | {first['compressed_kb']:.0f} KB | {first['uncompressed_kb']:.0f} KB | "
        f"{first['vega_kb']:.0f} KB |",
        f"| second page, same browser | `{result['second_page']}` | {result['second_charts']} | "
        f"{second['requests']} | {second['compressed_kb']:.0f} KB | "
        f"{second['uncompressed_kb']:.0f} KB | {second['vega_kb']:.0f} KB |",
    ]
    for url, visit in result.get("no_chart_visits", {}).items():
        lines.append(f"| first (cold cache), no chart | `{url}` | 0 | {visit['requests']} | "
                     f"{visit['compressed_kb']:.0f} KB | {visit['uncompressed_kb']:.0f} KB | "
                     f"{visit['vega_kb']:.0f} KB |")
    budgets = [(f"area page first visit ≤ {AREA_BUDGET_KB} KB", first["compressed_kb"] <= AREA_BUDGET_KB)]
    budgets += [(f"`{url}` first visit ≤ {PLAIN_BUDGET_KB} KB", visit["compressed_kb"] <= PLAIN_BUDGET_KB)
                for url, visit in result.get("no_chart_visits", {}).items()]
    lines += [
        "", "Budgets: " + "; ".join(f"{label}: {'met' if ok else '**missed**'}" for label, ok in budgets) + ".", "",
        "Fetched again on the second page (already fetched on the first): "
        + (", ".join(f"`{p}`" for p in second["refetched"]) or "nothing") + ".", "",
        "Largest resources of the first visit (compressed):", "",
        "| resource | compressed | uncompressed |", "|---|---:|---:|",
    ]
    lines += [f"| `{r['path']}` | {r['kb']:.1f} KB | {r['raw_kb']:.1f} KB |"
              for r in first["resources"][:8]]
    lines += [
        "", f"Area pages' own HTML, gzipped: {min(html.values()):.1f}–{max(html.values()):.1f} KB "
        f"({len(html)} pages).", "",
        "Time from navigation start until the first chart, and then every chart on the page, is "
        "drawn (median; each chart not yet drawn is scrolled into view, as a reader scrolling "
        f"down would, so lazy drawing is measured fairly; {len(result['charts_ms_cold'])} runs, "
        "each in a fresh browser context):", "",
        "| condition | page | first chart | every chart | runs (every chart) |",
        "|---|---|---:|---:|---|",
    ]
    rows = [("first visit, cold cache, unthrottled", result["first_page"], result["charts_ms_cold"]),
            ("second page, Vega bundle cached, unthrottled", result["second_page"],
             result["charts_ms_second_page"]),
            ("first visit, cold cache, Slow 4G + 4× CPU slowdown", result["first_page"],
             result["charts_ms_slow4g"])]
    for label, url, runs in rows:
        if runs:
            lines.append(f"| {label} | `{url}` | {med([r[0] for r in runs]):.0f} ms | "
                         f"{med([r[1] for r in runs]):.0f} ms | "
                         f"{', '.join(f'{r[1]:.0f}' for r in runs)} |")
    lines += ["", "Browser problems seen: " + ("; ".join(result["problems"]) or "none") + "."]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Measure a built site and print the Markdown (and optionally JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example: scripts/bench_reader.py --site site --runs 5")
    parser.add_argument("--site", type=Path, required=True, help="a built site (carbon-site build --out)")
    parser.add_argument("--runs", type=int, default=5, help="unthrottled chart-drawing runs (5)")
    parser.add_argument("--throttled-runs", type=int, default=3, help="Slow 4G runs (3; 0 skips)")
    parser.add_argument("--json", type=Path, help="also save the raw measurements here")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"--site {args.site} has no index.html; build the site first")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    result = measure(args.site, runs=args.runs, throttled_runs=args.throttled_runs)
    result["site"] = f"`{args.site}`"
    print("\n".join(markdown(result)))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
