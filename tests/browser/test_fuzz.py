"""Hostile data in every text field, in a real browser (issue: close every escape).

For every text field of every resource — read from the descriptors, so a new field is
covered without editing this test — a payload aimed at each place text lands (element
text, attribute, <title>, a <script> holding JSON, a URL, a Markdown link and table,
Jinja syntax, a newline) is put into a copy of the SYNTHETIC project. Fields whose
constraints refuse the payload must be refused by `validate` with exit 1 and the file
named; every other field is filled in at once, one build per payload, and every page of
the built site is loaded in chromium with alert/prompt/confirm hooked. The test fails on
any script run, any element carrying an event-handler attribute, and any javascript: link.
"""
from __future__ import annotations

import csv
import functools
import io
import json
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"
CLI = str(Path(sys.executable).parent / "carbon-site")

# One payload per round; {m} becomes a marker naming the field, so a fired hook says which field it was.
PAYLOADS = (
    # element text and <title>; a script element; a Jinja block that must stay text
    '{m}</title><img src=x onerror=alert("{m}")><script>alert("{m}")</script>{{% if 1 %}}JFIRED{{% endif %}}',
    # attribute and JSON-in-script contexts; a URL and a Markdown link
    '{m}" onmouseover="alert(\'{m}\')" x=\'</script><script>alert("{m}")</script><!-- [x](javascript:alert("{m}"))',
    # Markdown structure: a newline, a heading, a table, raw HTML on a line of its own, a javascript: link
    '{m} | a | b |\n# H\n<svg onload=alert("{m}")></svg>\n<a href="javascript:alert(\'{m}\')">a</a> *x* {{{{ 7*7 }}}}',
)
URL_PAYLOAD = 'https://example.invalid/{m}"><img/src=x/onerror=alert("{m}")>'

HOOKS = """
window.__fired = [];
for (const name of ["alert", "prompt", "confirm"]) {
  window[name] = (message) => { window.__fired.push(name + ":" + message); return null; };
}
"""
PROBE = """async () => {
  // every chart draws when scrolled to: draw them all, then let the browser settle
  const charts = [...document.querySelectorAll(".chart[data-chart]")];
  for (const el of charts) {  // one by one: a chart draws when it comes into view
    el.scrollIntoView();
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  }
  const settled = () => charts.every((el) => el.hasAttribute("data-drawn") || el.classList.contains("chart--error"));
  for (let waited = 0; !settled() && waited < 5000; waited += 50) await new Promise((done) => setTimeout(done, 50));
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 30)));
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) bad.push(el.tagName + " " + attr.name + "=" + attr.value.slice(0, 60));
      if (/^(href|src|action|formaction|xlink:href)$/i.test(attr.name) && /^\\s*javascript:/i.test(attr.value))
        bad.push(el.tagName + " " + attr.name + "=" + attr.value.slice(0, 60));
    }
  }
  const undrawn = charts.filter((el) => !el.hasAttribute("data-drawn")).map((el) => el.id);
  return {fired: window.__fired, bad: bad, undrawn: undrawn};
}"""


def descriptor_fields() -> list[tuple[str, str, str, dict]]:
    """(package folder, resource, field, field descriptor) for every string field of every resource."""
    found = []
    for descriptor_path in sorted((SYNTHETIC / "datapackages").glob("*/datapackage.json")):
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        for resource in descriptor["resources"]:
            for field in resource["schema"]["fields"]:
                if field.get("type", "string") == "string":
                    found.append((descriptor_path.parent.name, resource["name"], field["name"], field))
    return found


def accepts(field: dict, value: str) -> bool:
    """Whether the field's own constraints let the payload through (else validation must refuse it)."""
    constraints = field.get("constraints") or {}
    if "enum" in constraints:
        return False
    pattern = constraints.get("pattern")
    return pattern is None or re.fullmatch(pattern, value) is not None


def payload_for(field: dict, template: str, marker: str) -> str:
    if (field.get("constraints") or {}).get("pattern", "").startswith("^https?"):
        return URL_PAYLOAD.format(m=marker)
    return template.format(m=marker)


def fill(root: Path, template: str, fields, *, refused: bool) -> dict[str, tuple[str, str, str]]:
    """Put the payload into every row of the chosen fields (those the constraints accept, or refuse)."""
    markers: dict[str, tuple[str, str, str]] = {}
    by_file: dict[Path, list[tuple[str, str]]] = {}
    for n, (folder, resource, name, field) in enumerate(fields):
        marker = f"F{n:03d}"
        value = payload_for(field, template, marker)
        if accepts(field, value) == refused:
            continue
        descriptor = json.loads((root / "datapackages" / folder / "datapackage.json").read_text(encoding="utf-8"))
        path = next(r["path"] for r in descriptor["resources"] if r["name"] == resource)
        by_file.setdefault(root / "datapackages" / folder / path, []).append((name, value))
        markers[marker] = (folder, resource, name)
    for path, changes in by_file.items():
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        header = rows[0]
        for row in rows[1:]:
            for name, value in changes:
                # an empty optional cell stays empty: filling it would change what the row means
                # (a task naming units it has none for), not test the escaping
                if row[header.index(name)] or refused:
                    row[header.index(name)] = value
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    return markers


def project(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(SYNTHETIC, root)
    return root


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_fields_the_schema_refuses_are_refused_by_validate_naming_the_file(tmp_path):
    fields = descriptor_fields()
    root = project(tmp_path, "refused")
    markers = fill(root, PAYLOADS[0], fields, refused=True)
    assert markers, "no field refuses the payload: the constraints test nothing"
    result = run(["validate"], root)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "Traceback" not in result.stdout + result.stderr and "内部错误" not in result.stdout + result.stderr
    for marker, (folder, resource, name) in markers.items():
        assert f"datapackages/{folder}/data/" in result.stdout, (marker, folder, resource, name)
    # the refused values are shown escaped: no control character reaches the terminal
    assert "\x1b" not in result.stdout


@pytest.mark.parametrize("round_", range(len(PAYLOADS)), ids=["html-title-script-jinja", "attribute-json-url",
                                                              "markdown-newline"])
def test_no_field_can_put_markup_into_any_page(tmp_path, browser, round_):
    fields = descriptor_fields()
    root = project(tmp_path, f"round-{round_}")
    markers = fill(root, PAYLOADS[round_], fields, refused=False)
    assert len(markers) >= 40, markers  # names, titles, quotes, notes, units, sources, URLs …
    built = run(["build", "--out", str(tmp_path / f"site-{round_}"), "--build-dir", str(tmp_path / f"build-{round_}")],
                root)
    output = built.stdout + built.stderr
    assert "Traceback" not in output and "内部错误" not in output, output[-3000:]
    assert built.returncode == 0, output[-3000:]  # every accepted field must reach the pages
    site = tmp_path / f"site-{round_}"
    pages = sorted(p for p in site.rglob("*.html") if "assets" not in p.parts)
    assert len(pages) > 40
    for page in pages:
        html = urllib.parse.unquote(page.read_text(encoding="utf-8"))  # mailto: links carry the text encoded
        for found in re.finditer("JFIRED", html):  # Jinja in data is never run: the block stays text around it
            assert "if 1" in html[max(0, found.start() - 16):found.start()], (page, html[found.start() - 40:found.end()])
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(HOOKS)
    page_ = context.new_page()
    dialogs: list[str] = []
    page_.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    failures = []
    try:
        for path in pages:
            url = f"http://127.0.0.1:{server.server_address[1]}/{path.relative_to(site).as_posix()}"
            page_.goto(url, wait_until="load")
            found = page_.evaluate(PROBE)
            if found["fired"] or found["bad"] or found["undrawn"]:
                failures.append((path.relative_to(site).as_posix(), found))
    finally:
        context.close()
        server.shutdown()
    assert not dialogs, dialogs
    assert not failures, [(page, {k: [m for m in v][:5] for k, v in f.items()},
                           sorted({markers.get(m, m) for m in re.findall(r"F\d{3}", json.dumps(f))})) for page, f in
                          failures[:5]]
