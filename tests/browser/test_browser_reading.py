"""What a reader does in a real browser: search in Chinese, move around with the keyboard,
and read each status as a word (never colour alone)."""
from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

DATA_DIR = Path(__file__).resolve().parents[2] / "datapackages"
SEARCH_TIMEOUT_MS = 20_000
MAX_TABS = 150


def _songyuan_rows(resource: str) -> list[dict[str, str]]:
    with (DATA_DIR / "songyuan-plan" / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _indicator_ids_named(term: str) -> set[str]:
    """Songyuan indicators whose Chinese name is the term (or, failing that, contains it)."""
    rows = _songyuan_rows("indicators")
    exact = {r["indicator_id"] for r in rows if r["name_zh"].strip() == term}
    return exact or {r["indicator_id"] for r in rows if term in r["name_zh"]}


def _first_area() -> str:
    areas = [r["area_id"] for r in _songyuan_rows("action_areas")]
    return areas[0] if areas else "1"


_RESULTS_JS = """
() => [...document.querySelectorAll('li.md-search-result__item')].map(li => {
  const a = li.querySelector('a.md-search-result__link');
  return a && {page: new URL(a.href).pathname.replace(/\\/(index\\.html)?$/, ''),
               text: a.textContent.replace(/\\u200b/g, '').replace(/\\s+/g, ' ').trim()};
}).filter(Boolean)
"""


def _search(page: Page, term: str) -> None:
    """Open Material's search the way a reader does ("/" or the search icon) and type the term."""
    page.keyboard.press("/")
    box = page.locator("input.md-search__input")
    if not box.evaluate("el => el === document.activeElement"):
        page.locator('label[for="__search"]').first.click()
    box.fill(term)
    box.press("End")  # Material reads the query on keyup, as after an IME commits the text


@pytest.mark.parametrize("term", ["森林覆盖率", "保护性耕作"])
def test_chinese_search_finds_the_indicator_first(browse, term):
    """Typing an indicator's Chinese name into the home page's search lists its indicator page,
    titled with the term, as the first result (not below pages that lack part of the name)."""
    ids = _indicator_ids_named(term)
    assert ids, f"no indicator in datapackages/songyuan-plan/data/indicators.csv is named {term}"
    wanted = sorted(f"/indicators/{i}" for i in ids)
    session = browse()
    page = session.open("")
    _search(page, term)
    try:
        page.wait_for_function(
            f"wanted => ({_RESULTS_JS.strip()})().some(r => wanted.includes(r.page))",
            arg=wanted, timeout=SEARCH_TIMEOUT_MS)
    except PlaywrightTimeout:
        pass  # the listing below shows what the reader got instead
    shown = page.evaluate(_RESULTS_JS)
    meta = page.locator(".md-search-result__meta").first.text_content(timeout=1000) or ""
    listing = "\n  ".join(f"{n}. {r['page']}/  {r['text'][:50]}" for n, r in enumerate(shown[:10], start=1))
    context = f"result count line: {meta.strip()!r}; results shown:\n  {listing or '(none)'}"
    assert any(r["page"] in wanted for r in shown), f"search {term!r}: no result links to {wanted}.\n{context}"
    first = shown[0]
    assert first["page"] in wanted and term in first["text"], (
        f"search {term!r}: the first result is not the indicator page {wanted} titled with the term.\n{context}")
    assert not session.external_requests(), f"search asked other hosts: {session.external_requests()}"


_ACTIVE_JS = """
() => { const el = document.activeElement;
  if (!el || el === document.body) return null;
  const main = document.querySelector('.md-content');
  return {tag: el.tagName.toLowerCase(), cls: (typeof el.className === 'string') ? el.className : '',
          href: el.href || '', text: (el.textContent || '').trim().slice(0, 40),
          inMain: !!(main && main.contains(el))}; }
"""


def test_keyboard_reaches_content_through_a_skip_link(browse):
    """On an area page the first Tab lands on a "skip to content" link; following it, Tab moves
    into the main content and on to the links to indicator pages."""
    session = browse()
    page = session.open(f"areas/{_first_area()}/")
    page.keyboard.press("Tab")
    first = page.evaluate(_ACTIVE_JS)
    assert first and first["tag"] == "a" and "#" in first["href"], (
        f"first Tab stop is not a skip-to-content link: {first}")
    target_id = urlsplit(first["href"]).fragment
    page.keyboard.press("Enter")
    lands_in_main = page.evaluate(
        "id => { const t = document.getElementById(decodeURIComponent(id));"
        " const main = document.querySelector('.md-content'); return !!(t && main && main.contains(t)); }",
        target_id)
    assert lands_in_main, f"skip link #{target_id} does not lead into the main content"

    stops = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        active = page.evaluate(_ACTIVE_JS)
        stops.append(active)
        if active and active["inMain"] and "/indicators/" in active["href"]:
            break
    else:
        pytest.fail(f"{MAX_TABS} Tabs after the skip link never reached a link to an indicator page; "
                    f"first stops: {stops[:8]}", pytrace=False)
    assert stops[0] and stops[0]["inMain"], f"the first Tab after the skip link left the content: {stops[0]}"
    visible_focus = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; }")
    assert visible_focus, f"the focused link {stops[-1]} shows no focus outline"


_STATUS_CARRIERS_JS = """
() => {
  const out = [];
  const seen = new Set();
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    ((typeof el.className === 'string' && el.className) ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const add = (el, why) => { if (seen.has(el)) return; seen.add(el);
    out.push({what: describe(el) + ' (' + why + ')', text: (el.innerText || '').trim(),
              parent: (el.parentElement ? el.parentElement.innerText || '' : '').trim()}); };
  for (const el of document.querySelectorAll('.md-content [data-status], .md-content [class*="status"]'))
    add(el, 'status class/attribute');
  for (const table of document.querySelectorAll('.md-content table')) {
    const heads = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
    const col = heads.findIndex(h => h.includes('状态'));
    if (col < 0) continue;
    for (const tr of table.querySelectorAll('tbody tr')) {
      const cell = tr.children[col]; if (cell) add(cell, '状态 column');
    }
  }
  return out;
}
"""


def _areas_with_targets() -> set[str]:
    area_of = {r["indicator_id"]: r["area_id"] for r in _songyuan_rows("indicators")}
    return {area_of[r["indicator_id"]] for r in _songyuan_rows("targets") if area_of.get(r["indicator_id"])}


def test_every_status_is_written_as_a_word(browse, built_site):
    """On the home page and every area page, each status badge or 状态 cell carries text (colour is
    never alone), and every area with targets names their status in words."""
    try:
        from builder.progress import STATUS_LABEL_ZH
    except ImportError as exc:
        pytest.fail(f"builder.progress.STATUS_LABEL_ZH is not importable: {exc}", pytrace=False)
    words = sorted(set(STATUS_LABEL_ZH.values()))
    with_targets = _areas_with_targets()
    areas = sorted(p.parent.name for p in (built_site / "areas").glob("*/index.html"))
    session = browse()
    bad, total = [], 0
    for path in [""] + [f"areas/{a}/" for a in areas]:
        page = session.open(path, wait_for_charts=False)
        carriers = page.evaluate(_STATUS_CARRIERS_JS)
        total += len(carriers)
        bad += [f"{path or 'home'}: {c['what']} has no text (nor has its parent)"
                for c in carriers if not (c["text"] or c["parent"])]
        content = page.locator(".md-content").inner_text()
        area = path.split("/")[1] if path else None
        if (area is None or area in with_targets) and not any(w in content for w in words):
            bad.append(f"{path or 'home'}: targets shown, but none of the status words {words} appears")
        page.close()
    assert total > 0, "no status badge (class/data-status) or 状态 table column found on home or area pages"
    assert not bad, "\n".join(bad[:30])
