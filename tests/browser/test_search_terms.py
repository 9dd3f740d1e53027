"""Chinese search, in a real browser: typing an indicator's name finds that indicator first.

For every indicator of every plan in the real project (the Songyuan plan and its province's
plan, found in datapackages/ by their resources), typing its Chinese name (name_zh) into the
home page's search box must list that indicator's page (plans/<plan_id>/indicators/…) as the
first result; a name shared by several indicators (the two plans' 二氧化碳排放量（碳达峰）)
must list all of them before anything else. The key plan terms in KEY_TERMS likewise bring up
their indicator first.

The index is segmented by jieba with site_src/search/userdict.txt, the query by Material's
search worker, and they must agree: when this test fails, run scripts/make_userdict.py (its
docstring explains how the browser cuts a query) and commit the dictionary it writes.

Names are typed as a reader types them: where a name has brackets, quotes or Latin letters
the words are separated by spaces (see typed_query). Material 9.8.1 segments only the Han runs
of a query and leaves whatever touches them attached, so 新建5G基站 or 高标准农田（累计建成）
typed exactly as written finds nothing at all, whatever the dictionary holds.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from site_data import REAL, page_url

from builder.site.urls import HOME

pytestmark = pytest.mark.browser

RESULT_TIMEOUT_MS = 10_000

# Plan terms a reader is likely to type, and the home plan's indicators they should bring up
# first. (碳达峰 is not one: it names the whole plan, and every page with it in its title
# matches it as well as 二氧化碳排放量（碳达峰）.)
KEY_TERMS = {
    "森林覆盖率": ("forest-coverage",),
    "保护性耕作": ("conservation-tillage-area",),
    "非化石能源消费比重": ("non-fossil-share",),
    "弃电率": ("renewable-curtailment-rate",),
    "秸秆综合利用率": ("straw-utilization-rate",),
    "绿色出行": ("green-travel-share",),
    "装配式建筑": ("prefab-building-share",),
}

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORDS = re.compile(f"[{_HAN}]+|[A-Za-z0-9]+")


def typed_query(name: str) -> str:
    """A name as a reader types it: runs of Han characters and of Latin letters/digits, spaced."""
    return " ".join(_WORDS.findall(name))


def _name_searches() -> dict[str, set[tuple[str, str]]]:
    """Typed name -> the (plan_id, indicator_id) of every plan's indicators that bear it."""
    wanted: dict[str, set[tuple[str, str]]] = {}
    for plan in REAL.plans():
        for row in plan.rows("indicators"):
            wanted.setdefault(typed_query(row["name_zh"]), set()).add((plan.plan_id, row["indicator_id"]))
    return wanted


def _searches() -> dict[str, set[tuple[str, str]]]:
    """Query -> the indicators whose pages must be the first results: names, then key terms."""
    wanted = {query: set(keys) for query, keys in NAME_SEARCHES.items()}
    for term, ids in KEY_TERMS.items():
        wanted.setdefault(term, set()).update((REAL.home, i) for i in ids)
    return wanted


NAME_SEARCHES = _name_searches()
SEARCHES = _searches()
CASES = [pytest.param(query, frozenset(keys), id=("" if query in NAME_SEARCHES else "term-")
                      + "+".join(sorted(f"{p}/{i}" for p, i in keys)))
         for query, keys in sorted(SEARCHES.items())]


@pytest.fixture(scope="module")
def search_box(chromium: Browser, served) -> Iterator[tuple[Page, Locator]]:
    """The home page with its search box focused, as a reader opens it with the "/" key."""
    context = chromium.new_context(locale="zh-CN", service_workers="block",
                                   viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(served.url(page_url(HOME)), wait_until="load")
    page.keyboard.press("/")
    box = page.locator("input.md-search__input")
    box.wait_for(state="visible")
    yield page, box
    context.close()


def result_pages(page: Page, box: Locator, query: str) -> list[str]:
    """Type `query` into the search box; return the site path of each result, in order."""
    # Empty the box first: the list then fills only with this query's results. Material
    # searches on keyup, so each value is followed by a key press.
    box.fill("")
    box.press("End")
    page.wait_for_function("() => !document.querySelector('.md-search-result__list > *')")
    box.fill(query)
    box.press("End")
    try:
        page.wait_for_function("() => document.querySelector('.md-search-result__list > *')",
                               timeout=RESULT_TIMEOUT_MS)
    except PlaywrightTimeout:
        return []
    hrefs = page.evaluate("() => [...document.querySelectorAll('.md-search-result__item')]"
                          ".map(li => li.querySelector('a.md-search-result__link').href)")
    return [urlsplit(href).path.removeprefix("/") for href in hrefs]


def test_searches_cover_every_plan_every_indicator_and_the_key_terms():
    """Guards the parametrisation below: it covers every indicator of every plan on the site,
    including one name two plans share, and the key terms (each naming one of the home plan's
    indicators)."""
    named = {key for keys in NAME_SEARCHES.values() for key in keys}
    assert named == {(plan.plan_id, i) for plan in REAL.plans() for i in plan.indicator_ids()}
    assert len({plan for plan, _ in named}) >= 2
    assert any(len({plan for plan, _ in keys}) >= 2 for keys in NAME_SEARCHES.values())
    assert set(KEY_TERMS) <= set(SEARCHES)
    home_ids = set(REAL.plan(REAL.home).indicator_ids())
    assert {i for ids in KEY_TERMS.values() for i in ids} <= home_ids


@pytest.mark.parametrize(("query", "indicators"), CASES)
def test_search_lists_the_named_indicator_first(search_box, query: str, indicators: frozenset[tuple[str, str]]):
    page, box = search_box
    pages = result_pages(page, box, query)
    expected = {page_url(REAL.urls.indicator(plan_id, indicator_id)) for plan_id, indicator_id in indicators}
    first = pages[:len(expected)]
    assert set(first) == expected, (
        f"searching “{query}” should list {sorted(expected)} first, but the results begin "
        f"{pages[:5] or '(no results)'}; if the indicator was renamed or the pages reworded, "
        "run scripts/make_userdict.py and commit site_src/search/userdict.txt"
    )
