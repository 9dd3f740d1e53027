#!/usr/bin/env python3
"""Write site_src/search/userdict.txt, jieba's user dictionary for the site search.

Why the dictionary is generated
-------------------------------
The search index is segmented at build time by jieba (Material's search plugin joins
``jieba.cut(...)`` with zero-width spaces), but the QUERY is segmented in the browser by
Material's search worker, and the two must agree or the indicator a reader names is not the
one found. With ``theme.language: zh`` the worker loads no segmenter (lunr's TinySegmenter is
only loaded for ``ja``). Instead (Material 9.8.1, ``integrations/search/_/index.ts`` and
``query/segment/index.ts``) it cuts every run of Han characters in the query greedily into the
longest words that are already words of the index, and puts a wildcard after each piece:

* a piece exists only if it is a word of the index (any page's jieba output);
* the query's LAST character never belongs to a piece (the loop stops one short), so
  ``森林覆盖率`` is looked up as ``森林* 覆盖*`` and ``新能源弃电率`` as ``新能源*`` alone,
  because no word of the index begins ``弃…``;
* a page matches a piece when one of its words begins with the piece; the page whose title
  matches the most, and the rarest, pieces comes first.

So an entry that makes jieba index a term as ONE word (the old ``森林覆盖率``) lets the
browser's pieces (``森林``, ``覆盖``) miss the page the term names, while other pages with
``覆盖率`` match and rank first. jieba's own dictionary already agrees with the browser for
most of the plan's terms: the dictionary holds only the entries a term needs.

What this script does
---------------------
It builds the site once (``carbon-site build --config carbon-site.toml``), strips the
zero-width spaces from the search index (the text jieba was given) and, for a candidate
dictionary, re-segments that text exactly as the plugin would and runs Material's own search
worker on it in Debian's chromium (Playwright), typing every indicator name (``name_zh`` in
each plan package; runs of Han characters and other words separated by spaces, see
``typed_query``) and every term in ``KEY_TERMS``. Each must list its indicator's page,
``plans/<plan_id>/indicators/<indicator_id>.html``, first; a name two plans share (the city's and
the province's 二氧化碳排放量（碳达峰）) must list both pages before any other. Starting from an
empty dictionary, while some query does not put its indicator first, or does so by a margin
under ``MARGIN``, it tries the changes that make jieba's words agree with the browser's pieces
for that query (a port of Material's ``segment()`` gives the pieces), in this order, and keeps
the first one that improves the result without losing another query:

1. a piece that starts inside a word: split the word there (frequency 0 makes jieba split a
   word; the parts get ``HIGH``);
2. a piece that runs past the end of a word: join the words it covers into one word;
3. a word no piece reaches (in practice the one holding the query's last character):
   split off its last character when it has three or more (``弃电率`` → ``弃电`` + ``率``, so
   ``弃电`` becomes a word the browser finds), or join it to the word before it
   (``绿色出行``), since the browser reaches it only through a prefix that is a word;
4. join two or more neighbouring words (shortest first), for names another name contains
   word for word (``非化石能源消费比重`` inside ``非化石能源占能源消费总量比重``).

It writes the entries, one ``word frequency`` per line, sorted (jieba's user dictionary format
has no comments, so the explanation lives here), and prints every query's rank.

When to run it
--------------
After changing indicator names, KEY_TERMS or the pages' wording, and whenever
tests/browser/test_search_terms.py fails; commit the userdict.txt it writes. It needs the
project's virtualenv (Playwright, jieba) and /usr/lib/chromium/chromium; the build itself
never runs it.

Example:
    .venv/bin/python scripts/make_userdict.py
"""
from __future__ import annotations

import argparse
import copy
import csv
import functools
import json
import logging
import math
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO_ROOT / "carbon-site.toml"
DEFAULT_OUT = REPO_ROOT / "site_src" / "search" / "userdict.txt"

# Plan terms a reader is likely to type, and the indicators (plan_id, indicator_id) whose pages
# they should bring up first. 碳达峰 is not here: it names the whole plan, and every page whose
# title contains it (the plan, the action areas, the leading group) matches it exactly as well
# as the indicator 二氧化碳排放量（碳达峰）, so no dictionary entry can single that page out.
SONGYUAN = "songyuan-carbon-peak-2023"
KEY_TERMS: dict[str, tuple[tuple[str, str], ...]] = {
    "森林覆盖率": ((SONGYUAN, "forest-coverage"),),
    "保护性耕作": ((SONGYUAN, "conservation-tillage-area"),),
    "非化石能源消费比重": ((SONGYUAN, "non-fossil-share"),),
    "弃电率": ((SONGYUAN, "renewable-curtailment-rate"),),
    "秸秆综合利用率": ((SONGYUAN, "straw-utilization-rate"),),
    "绿色出行": ((SONGYUAN, "green-travel-share"),),
    "装配式建筑": ((SONGYUAN, "prefab-building-share"),),
}

HIGH = 100_000   # frequency of a word jieba must keep whole (beats any route through its own words)
SPLIT = 0        # jieba splits a word whose frequency is 0
MARGIN = 1.05    # first page's score over the next page's: below this a data change could swap them

# Material's search separator for `zh` and the worker's Han test (`\p{sc=Han}`).
SEPARATOR = re.compile(r"[\s\u200b\u3000\-、。，．？！；]+")
HAN = (r"\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3005\u3007\u3021-\u3029\u3038-\u303b"
       r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufa6d\ufa70-\ufad9\U00020000-\U0003134f")
HAN_RUN = re.compile(f"[{HAN}]+")
QUERY_WORD = re.compile(f"[{HAN}]+|[A-Za-z0-9]+")
MARKUP = re.compile(r"<[^>]*>")
CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


# ---------------------------------------------------------------- what is searched for


def _table(package: Path, descriptor: dict, name: str) -> list[dict[str, str]]:
    """The rows of one resource of a package (UTF-8, with or without Excel's BOM)."""
    resource = next(r for r in descriptor["resources"] if r.get("name") == name)
    with (package / resource["path"]).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def indicator_names(data_dir: Path) -> list[tuple[str, str, str]]:
    """(name_zh, plan_id, indicator_id) of every indicator of every plan package under data_dir.

    A plan package is one whose descriptor has a ``plans`` and an ``indicators`` resource,
    whatever its folder is called; its indicators belong to its plan.
    """
    names = []
    for descriptor_file in sorted(data_dir.glob("*/datapackage.json")):
        package = descriptor_file.parent
        descriptor = json.loads(descriptor_file.read_text(encoding="utf-8-sig"))
        resources = {r.get("name") for r in descriptor.get("resources", [])}
        if not {"plans", "indicators"} <= resources:
            continue
        (plan,) = _table(package, descriptor, "plans")
        names += [(row["name_zh"], plan["plan_id"], row["indicator_id"])
                  for row in _table(package, descriptor, "indicators")]
    return names


def indicator_page(plan_id: str, indicator_id: str) -> str:
    """The address of an indicator's page, as the builder writes it (builder/site/urls.py)."""
    from builder.site.urls import Urls, page_url

    return page_url(Urls().indicator(plan_id, indicator_id))


def typed_query(name: str) -> str:
    """A name as a reader types it into the search box: its words separated by spaces.

    Material segments a query's Han runs but leaves whatever touches them attached, so
    ``二氧化碳排放量（碳达峰）`` or ``新建5G基站`` typed as written becomes terms that match
    nothing; brackets, quotes and the change from Han to Latin letters become spaces.
    """
    return " ".join(QUERY_WORD.findall(name))


def expected_pages(data_dir: Path) -> dict[str, set[str]]:
    """Query → the indicator pages that should come first (several when names are shared)."""
    wanted: dict[str, set[str]] = {}
    for name, plan_id, indicator_id in indicator_names(data_dir):
        wanted.setdefault(typed_query(name), set()).add(indicator_page(plan_id, indicator_id))
    for term, keys in KEY_TERMS.items():
        wanted.setdefault(term, set()).update(indicator_page(*key) for key in keys)
    return wanted


# ---------------------------------------------------------------- the browser's pieces


@dataclass(frozen=True)
class Word:
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def browser_pieces(run: str, vocabulary: set[str]) -> list[Word]:
    """Material 9.8.1's segment(): the pieces the search worker cuts one Han run into."""
    n = len(run)
    cuts = [0] * n
    for i in range(n):
        for j in range(i + 1, n):  # `j < query.length`: the last character never joins a piece
            if run[i:j] in vocabulary:
                cuts[i] = j - i
    pieces: list[Word] = []
    stack = [0]
    while stack:
        p = stack.pop()
        for q in range(1, cuts[p]):
            if cuts[p + q] > cuts[p] - q:
                pieces.append(Word(p, run[p:p + q]))
                stack.append(p + q)
        q = p + cuts[p]
        if q < n - 1 and cuts[q]:
            stack.append(q)
        pieces.append(Word(p, run[p:q]))
    if any(not piece.text for piece in pieces):
        return [Word(0, run)]  # Material's fallback: the whole run is one term
    unique: dict[str, Word] = {}
    for piece in pieces:  # a Set in the worker: the first of equal pieces stays, in order
        unique.setdefault(piece.text, piece)
    return list(unique.values())


def index_vocabulary(index: dict) -> set[str]:
    """Every word of the index as the worker's tokenizer sees it (markup removed, lower case)."""
    words: set[str] = set()
    for doc in index["docs"]:
        for field in ("title", "text"):
            text = MARKUP.sub(" ", doc.get(field) or "")
            words.update(word.lower() for word in SEPARATOR.split(text) if word)
    return words


# ---------------------------------------------------------------- jieba's words


def load_jieba(entries: dict[str, int]) -> None:
    """Reset jieba's tokenizer to its own dictionary plus `entries`, as a fresh build loads it."""
    import jieba
    import jieba.finalseg

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.__init__(jieba.dt.dictionary)
    jieba.finalseg.Force_Split_Words.clear()
    jieba.dt.check_initialized()
    for word, freq in sorted(entries.items()):
        jieba.add_word(word, freq)


def unsegmented(index: dict) -> dict:
    """The index with the plugin's zero-width spaces removed: the text jieba was given."""
    raw = copy.deepcopy(index)
    for doc in raw["docs"]:
        for field in ("title", "text"):
            if field in doc:
                doc[field] = doc[field].replace("\u200b", "")
    return raw


def segmented(raw: dict, entries: dict[str, int]) -> dict:
    """The index a build would write with `entries` as the user dictionary."""
    from material.plugins.search.plugin import SearchIndex

    load_jieba(entries)
    index = copy.deepcopy(raw)
    for doc in index["docs"]:
        for field in ("title", "text"):
            if field in doc:
                doc[field] = SearchIndex._segment_chinese(None, doc[field])
    return index


def jieba_words(run: str) -> list[Word]:
    """jieba's words for one Han run with their offsets (the loaded dictionary applies)."""
    import jieba

    words, start = [], 0
    for text in jieba.cut(run):
        words.append(Word(start, text))
        start += len(text)
    return words


# ---------------------------------------------------------------- changes that make them agree


@dataclass(frozen=True)
class Change:
    entries: tuple[tuple[str, int], ...]
    reason: str


def _split(word: str, at: int, reason: str) -> Change:
    parts = (word[:at], word[at:])
    return Change(tuple((p, HIGH) for p in parts if len(p) > 1) + ((word, SPLIT),), reason)


def _join(words: list[Word], reason: str) -> Change:
    return Change((("".join(w.text for w in words), HIGH),), reason)


def changes_for(run: str, words: list[Word], pieces: list[Word]) -> Iterator[Change]:
    """Dictionary changes that bring jieba's words for `run` closer to the browser's pieces."""
    by_start = {w.start: w for w in words}
    for piece in pieces:
        word = by_start.get(piece.start)
        if word is None:
            inside = next((w for w in words if w.start < piece.start < w.end), None)
            if inside:
                yield _split(inside.text, piece.start - inside.start,
                             f"浏览器在“{piece.text}”处切开了“{inside.text}”")
        elif not word.text.startswith(piece.text):
            covered = [w for w in words if piece.start <= w.start < piece.end]
            yield _join(covered, f"浏览器的“{piece.text}”跨过了“{word.text}”")
    reached = {piece.start for piece in pieces}
    for i, word in enumerate(words):
        if word.start in reached or word.start >= len(run) - 1:
            continue
        if len(word.text) >= 3 and word.end == len(run):
            yield _split(word.text, len(word.text) - 1, f"浏览器到不了“{word.text}”，拆出“{word.text[:-1]}”")
        if i > 0:
            yield _join(words[i - 1:i + 1], f"浏览器到不了“{word.text}”，并入前一个词")
        break
    for size in range(2, len(words)):
        for i in range(len(words) - size + 1):
            span = words[i:i + size]
            yield _join(span, f"合并“{'/'.join(w.text for w in span)}”，与包含它的名称区分")


def runs_to_fix(query: str, names: list[str]) -> list[tuple[str, int, str]]:
    """(title run, offset, query run): where each Han run of the query sits in an indicator name."""
    places = []
    for run in HAN_RUN.findall(query):
        holders = sorted(((title, title.find(run)) for name in names for title in HAN_RUN.findall(name)
                          if run in title), key=lambda holder: holder[0] != run)
        places += [(title, offset, run) for title, offset in holders[:1]] or [(run, 0, run)]
    return places


def candidate_changes(query: str, names: list[str], vocabulary: set[str]) -> Iterator[Change]:
    """Every change `changes_for` proposes for the runs of one query, in its order."""
    for title, offset, run in runs_to_fix(query, names):
        words = [Word(w.start - offset, w.text) for w in jieba_words(title)
                 if offset <= w.start < offset + len(run)]
        yield from changes_for(run, words, browser_pieces(run, vocabulary))


# ---------------------------------------------------------------- the browser's ranking


_WORKER_JS = """async ([worker, index, queries]) => {
  const w = new Worker(worker);
  const ask = msg => new Promise(done => { w.onmessage = e => done(e.data); w.postMessage(msg); });
  await ask({type: 0, data: {config: index.config, docs: index.docs, options: {suggest: false}}});
  const out = {};
  for (const q of queries)
    out[q] = (await ask({type: 2, data: q})).data.items.map(group =>
      [group[0].location.split('#')[0], Math.max(...group.map(item => item.score))]);
  w.terminate();
  return out;
}"""


class BrowserSearch:
    """Material's own search worker, from a built site, in Debian's chromium."""

    def __init__(self, site: Path):
        self.site = site

    def __enter__(self) -> BrowserSearch:
        from playwright.sync_api import sync_playwright

        handler = functools.partial(_QuietHandler, directory=str(self.site))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.page = self.browser.new_page()
        self.page.goto(f"http://127.0.0.1:{self.server.server_address[1]}/")
        worker = next((self.site / "assets" / "javascripts" / "workers").glob("search.*.min.js"))
        self.worker = worker.relative_to(self.site).as_posix()
        return self

    def __exit__(self, *exc) -> None:
        self.browser.close()
        self.playwright.stop()
        self.server.shutdown()
        self.server.server_close()

    def rank(self, index: dict, queries: list[str]) -> dict[str, list[tuple[str, float]]]:
        """Query → (page, score) in the order the search results list them."""
        data = {"config": index["config"], "docs": index["docs"]}
        return {q: [tuple(r) for r in rows]
                for q, rows in self.page.evaluate(_WORKER_JS, [self.worker, data, queries]).items()}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (signature fixed by http.server)
        pass


@dataclass(frozen=True)
class Outcome:
    query: str
    first: bool                 # the expected pages are the first results
    margin: float               # lowest expected score over the best other score (inf if none)
    ranks: tuple[int, ...]      # 1-based rank of each expected page, 0 if not found
    top: tuple[str, ...]

    @property
    def strong(self) -> bool:
        return self.first and self.margin >= MARGIN


def outcomes(search: BrowserSearch, index: dict, wanted: dict[str, set[str]]) -> dict[str, Outcome]:
    """How each query's expected pages rank with this index."""
    ranked = search.rank(index, sorted(wanted))
    result = {}
    for query, pages in wanted.items():
        rows = ranked[query]
        order = [page for page, _ in rows]
        first = set(order[:len(pages)]) == pages
        mine = [score for page, score in rows if page in pages]
        others = [score for page, score in rows if page not in pages]
        margin = (min(mine) / others[0]) if first and others and others[0] > 0 else (math.inf if first else 0.0)
        ranks = tuple(sorted(order.index(p) + 1 if p in order else 0 for p in pages))
        result[query] = Outcome(query, first, margin, ranks, tuple(order[:3]))
    return result


def quality(results: dict[str, Outcome]) -> tuple[int, int]:
    """Queries whose pages come first, then those that do so by MARGIN: higher is better."""
    return (sum(o.first for o in results.values()), sum(o.strong for o in results.values()))


# ---------------------------------------------------------------- the search for a dictionary


def make_entries(raw: dict, wanted: dict[str, set[str]], names: list[str], search: BrowserSearch,
                 log=print) -> tuple[dict[str, int], dict[str, Outcome]]:
    """Entries under which every query puts its pages first, found one kept change at a time."""
    entries: dict[str, int] = {}
    results = outcomes(search, segmented(raw, entries), wanted)
    tried: set[tuple] = set()
    while True:
        weak = sorted((o for o in results.values() if not o.strong), key=lambda o: (o.first, o.margin, o.query))
        if not weak:
            return entries, results
        vocabulary = index_vocabulary(segmented(raw, entries))
        kept = None
        for outcome in weak:
            for change in candidate_changes(outcome.query, names, vocabulary):
                trial = {**entries, **dict(change.entries)}
                key = tuple(sorted(trial.items()))
                if key in tried or any(entries.get(w, f) != f for w, f in change.entries):
                    continue
                tried.add(key)
                trial_results = outcomes(search, segmented(raw, trial), wanted)
                lost = [q for q, o in results.items() if o.first and not trial_results[q].first]
                if quality(trial_results) > quality(results) and not lost:
                    kept = (outcome.query, change, trial, trial_results)
                    break
            if kept:
                break
        if not kept:
            return entries, results
        query, change, entries, results = kept
        log(f"{query}：{change.reason} → {dict(change.entries)}")


def dictionary_text(entries: dict[str, int]) -> str:
    """jieba user-dictionary lines, `word frequency`, sorted so the output is reproducible."""
    return "".join(f"{word} {freq}\n" for word, freq in sorted(entries.items()))


def build_site(config: Path, data_dir: Path, tmp: Path) -> Path:
    """A fresh build of the project (the text of its index does not depend on the dictionary).

    The build reads a copy of the data: a build records a new data release in the data root
    (releases.json), and this script must not change the project's data.
    """
    data = tmp / "data"
    shutil.copytree(data_dir, data)
    exe = Path(sys.executable).parent / "carbon-site"
    subprocess.run([str(exe), "build", "--config", str(config), "--data", str(data),
                    "--out", str(tmp / "site"), "--build-dir", str(tmp / "build"), "-q"], check=True)
    return tmp / "site"


def report(results: dict[str, Outcome]) -> int:
    """Print each query's rank; return how many do not put their pages first."""
    for o in sorted(results.values(), key=lambda o: o.query):
        mark = "  " if o.strong else ("~ " if o.first else "✗ ")
        print(f"{mark}{o.query}：名次 {list(o.ranks)}，领先 {o.margin:.2f} 倍；前三 {', '.join(o.top)}")
    first, strong = quality(results)
    print(f"{first}/{len(results)} 个查询排第一（{strong} 个领先至少 {MARGIN} 倍）")
    return len(results) - first


def main(argv: list[str] | None = None) -> int:
    """Command line: find the dictionary, write it, print the ranks; exit 1 if a query misses."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example: .venv/bin/python scripts/make_userdict.py")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help="site config of the project to build (default: carbon-site.toml)")
    parser.add_argument("--data", type=Path, default=REPO_ROOT / "datapackages",
                        help="data root (default: datapackages/)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="dictionary to write (default: site_src/search/userdict.txt)")
    args = parser.parse_args(argv)

    wanted = expected_pages(args.data)
    names = [name for name, _, _ in indicator_names(args.data)]
    with tempfile.TemporaryDirectory(prefix="make-userdict-") as tmp:
        site = build_site(args.config, args.data, Path(tmp))
        raw = unsegmented(json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8")))
        with BrowserSearch(site) as search:
            entries, results = make_entries(raw, wanted, names, search)
    args.out.write_text(dictionary_text(entries), encoding="utf-8")
    print(f"wrote {len(entries)} entries to {args.out}")
    return 1 if report(results) else 0


if __name__ == "__main__":
    sys.exit(main())
