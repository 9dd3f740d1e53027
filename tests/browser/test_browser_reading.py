"""What a reader does in a real browser: search in Chinese, move around with the keyboard,
read each status as a word (never colour alone), and follow a link shared before the site
moved every plan's pages under plans/<plan_id>/."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from site_data import PORTAL, REAL, Project, page_url

from builder.site.urls import HOME
from builder.text.zh import PROJECT_STATUS, STATUS_LABEL

pytestmark = pytest.mark.browser

SEARCH_TIMEOUT_MS = 20_000
REDIRECT_TIMEOUT_MS = 10_000
MAX_TABS = 150
STATUS_WORDS = sorted(set(STATUS_LABEL.values()))
PROJECT_WORDS = sorted(set(PROJECT_STATUS.values()))  # a key project's 状态: 在建, 已建成 …


def _indicator_pages_named(term: str) -> list[str]:
    """Pages of the home plan's indicators whose Chinese name is the term (or, failing that, contains it)."""
    plan = REAL.plan(REAL.home)
    rows = plan.rows("indicators")
    exact = [r["indicator_id"] for r in rows if r["name_zh"].strip() == term]
    ids = exact or [r["indicator_id"] for r in rows if term in r["name_zh"]]
    return sorted(page_url(REAL.urls.indicator(plan.plan_id, i)) for i in ids)


_RESULTS_JS = """
() => [...document.querySelectorAll('li.md-search-result__item')].map(li => {
  const a = li.querySelector('a.md-search-result__link');
  return a && {page: new URL(a.href).pathname.replace(/^\\//, ''),
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
    wanted = _indicator_pages_named(term)
    assert wanted, f"no indicator of {REAL.home} is named {term}"
    session = browse()
    page = session.open(page_url(HOME))
    _search(page, term)
    try:
        page.wait_for_function(
            f"wanted => ({_RESULTS_JS.strip()})().some(r => wanted.includes(r.page))",
            arg=wanted, timeout=SEARCH_TIMEOUT_MS)
    except PlaywrightTimeout:
        pass  # the listing below shows what the reader got instead
    shown = page.evaluate(_RESULTS_JS)
    meta = page.locator(".md-search-result__meta").first.text_content(timeout=1000) or ""
    listing = "\n  ".join(f"{n}. {r['page']}  {r['text'][:50]}" for n, r in enumerate(shown[:10], start=1))
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
    plan = REAL.plan(REAL.home)
    indicators_folder = page_url(REAL.urls.indicator(plan.plan_id, "x")).rsplit("/", 1)[0] + "/"
    session = browse()
    page = session.open(page_url(REAL.urls.area(plan.plan_id, int(plan.area_ids()[0]))))
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
        if active and active["inMain"] and indicators_folder in active["href"]:
            break
    else:
        pytest.fail(f"{MAX_TABS} Tabs after the skip link never reached a link to an indicator page "
                    f"({indicators_folder}…); first stops: {stops[:8]}", pytrace=False)
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
  const add = (el, why, badge, projects) => { if (seen.has(el)) return; seen.add(el);
    out.push({what: describe(el) + ' (' + why + ')', badge: badge, projects: projects,
              text: (el.innerText || '').trim()}); };
  for (const el of document.querySelectorAll('.md-content .status, .md-content [data-status]'))
    add(el, 'status badge', true, false);
  for (const table of document.querySelectorAll('.md-content table')) {
    const heads = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
    const col = heads.findIndex(h => h === '状态');
    if (col < 0) continue;
    const projects = heads.includes('项目');
    for (const tr of table.querySelectorAll('tbody tr')) {
      const cell = tr.children[col];
      if (cell) add(cell, (projects ? '项目' : '') + '状态 column', false, projects);
    }
  }
  return out;
}
"""


def _status_pages(project: Project) -> list[str]:
    """The home page, every plan's home, area pages and comparison page (if it has child plans)."""
    urls = project.urls
    pages = [page_url(HOME)]
    parents = {plan.parent for plan in project.plans()}
    for plan in project.plans():
        pages.append(page_url(urls.plan_home(plan.plan_id)))
        pages += [page_url(urls.area(plan.plan_id, int(a))) for a in plan.area_ids()]
        if plan.plan_id in parents:
            pages.append(page_url(urls.compare(plan.plan_id)))
    return list(dict.fromkeys(pages))


def _areas_with_targets(project: Project) -> set[str]:
    return {page_url(project.urls.area(plan.plan_id, int(a))) for plan in project.plans()
            for a in plan.areas_with_targets()}


@pytest.mark.parametrize("portal", [False, True], ids=["real", "portal"])
def test_every_status_is_written_as_a_word(browse, portal):
    """On the home page and every plan's home, area and comparison pages, each status badge is one
    of the status words and each 状态 cell contains one (a key project's, one of the project
    status words): colour is never alone. Every area with targets names their status in words."""
    project = PORTAL if portal else REAL
    session = browse(portal=portal)
    with_targets = _areas_with_targets(project)
    bad, badges = [], 0
    for path in _status_pages(project):
        page = session.open(path, wait_for_charts=False)
        carriers = page.evaluate(_STATUS_CARRIERS_JS)
        badges += sum(c["badge"] for c in carriers)
        bad += [f"{path}: {c['what']} reads {c['text']!r}, not one of the status words"
                for c in carriers if c["badge"] and c["text"] not in STATUS_WORDS]
        bad += [f"{path}: {c['what']} reads {c['text']!r}, which names no status"
                for c in carriers if not c["badge"]
                and not any(w in c["text"] for w in (PROJECT_WORDS if c["projects"] else STATUS_WORDS))]
        content = page.locator(".md-content").inner_text()
        if (path == page_url(HOME) or path in with_targets) and not any(w in content for w in STATUS_WORDS):
            bad.append(f"{path}: targets shown, but none of the status words {STATUS_WORDS} appears")
        page.close()
    assert badges > 0, "no status badge (.status or data-status) found on the home, plan or area pages"
    assert not bad, "\n".join(bad[:30])


def _page_redirects() -> list[tuple[str, str]]:
    """(old URL, new page's address) for every page the real config redirects."""
    return sorted((old, page_url(new)) for old, new in REAL.redirects().items() if new.endswith(".md"))


def _file_redirects() -> list[tuple[str, str]]:
    """(old URL, new path) for every download file the real config serves again at its old URL."""
    return sorted((old, new) for old, new in REAL.redirects().items() if not new.endswith(".md"))


def test_every_old_page_url_lands_on_its_new_page(browse, served):
    """Each old page address kept in carbon-site.toml (areas/1/, indicators/<id>/, plan/ …) takes a
    browser to the page it moved to, which then shows its heading; a #fragment is kept."""
    redirects = _page_redirects()
    assert redirects, "carbon-site.toml redirects no old page"
    session = browse(route=False)  # keep the HTTP cache: ~150 page loads share their assets
    page = session.new_page()
    wrong = []
    for n, (old, new) in enumerate(redirects):
        fragment = "#top" if n == 0 else ""  # a shared link to a place on the page keeps its place
        response = page.goto(served.url(old) + fragment, wait_until="commit")
        if response is None or response.status != 200:
            wrong.append(f"{old}: HTTP {response.status if response else 'no response'}")
            continue
        try:
            page.wait_for_url(served.url(new) + fragment, wait_until="domcontentloaded", timeout=REDIRECT_TIMEOUT_MS)
        except PlaywrightTimeout:
            wrong.append(f"{old}: expected to land on {new}{fragment}, but the browser is at {page.url}")
            continue
        if not page.locator(".md-content h1").first.inner_text().strip():
            wrong.append(f"{old} → {new}: the page has no heading")
    assert not wrong, f"{len(wrong)} of {len(redirects)} old URLs:\n" + "\n".join(wrong[:30])
    assert not session.log.errors(), "\n".join(session.log.errors()[:30])
    assert not session.external_requests(), f"requests to other hosts: {session.external_requests()}"


def test_every_old_download_url_serves_the_moved_file(browse, served):
    """Each old download address kept in carbon-site.toml answers with the same bytes as the file's new address."""
    redirects = _file_redirects()
    assert redirects, "carbon-site.toml keeps no old download address"
    request = browse().context.request
    wrong = []
    for old, new in redirects:
        before, after = request.get(served.url(old)), request.get(served.url(new))
        if before.status != 200 or after.status != 200 or before.body() != after.body():
            wrong.append(f"{old} (HTTP {before.status}) vs {new} (HTTP {after.status}): not the same file")
    assert not wrong, f"{len(wrong)} of {len(redirects)} old download URLs:\n" + "\n".join(wrong[:30])
