"""The Jinja environment the pages are written with: the only user of Jinja2.

Templates are looked up on a search path: the project's own templates first (its
``site_src/templates``), the package's defaults second, so a project overrides any
template by giving a file of the same name. Autoescape is on for every template, so
text from the data can never become markup; text placed where Markdown is parsed also
goes through the ``md`` filter, which backslash-escapes Markdown syntax, so a name like
``*x*`` or ``a | b`` stays text.
"""
from __future__ import annotations

import functools
import html
import json
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from builder.site.contexts import ChartRow, ChartView, TargetRow, ValueRow
from builder.site.urls import relative_link
from builder.text import zh

PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"

# Each character Markdown may read as syntax, with the backslash that makes it text.
_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_{}[]()#+-.!|"})


def md_escape(value: object) -> Markup:
    """Text safe in Markdown: whitespace collapsed, Markdown syntax backslash-escaped, HTML escaped.

    Markup (e.g. a Jinja concatenation of escaped parts) is taken back to its text first,
    so nothing is escaped twice; the result always shows the text, never markup.
    """
    if isinstance(value, (str, int, float)):  # the same names, units and words recur on every page
        return _md_escape_cached(value)
    return _md_escape(value)


@functools.lru_cache(maxsize=1 << 16, typed=True)  # typed: Markup("a") and "a" are escaped differently
def _md_escape_cached(value: str | int | float) -> Markup:
    return _md_escape(value)


def _md_escape(value: object) -> Markup:
    raw = value.unescape() if isinstance(value, Markup) else str(value)
    text = " ".join(raw.split())
    return escape(text.translate(_MD_SPECIAL))


def format_size(size_bytes: int) -> str:
    """A file size in bytes, KB or MB with one decimal."""
    if size_bytes < 1024:
        return f"{size_bytes} B"
    if size_bytes < 1024 * 1024:
        return f"{size_bytes / 1024:.1f} KB"
    return f"{size_bytes / (1024 * 1024):.1f} MB"


# Table rows and the small pieces of markup they share with the templates, written in Python:
# the site's long tables come to tens of thousands of rows a build, where a macro call per row
# was much of the rendering time. Each function writes exactly the text a template would.

def status_badge(status: str, label_zh: str) -> Markup:
    """A target's status as a coloured word: <span class="status status--on-track">进展顺利</span>."""
    return Markup(f'<span class="status status--{escape(status)}">{md_escape(label_zh)}</span>')


@functools.lru_cache(maxsize=1 << 12, typed=True)  # a few dozen sources are cited by thousands of values
def external_link(url: str, text: str) -> Markup:
    """A link to a source as inline HTML; only http(s) URLs become links, any other shows just the text."""
    if url.startswith(("https://", "http://")):
        return Markup(f'<a href="{escape(url)}">{md_escape(text)}</a>')
    return md_escape(text)


def mailto(address: str, subject: str, body: str) -> Markup:
    """A mailto: URL with its subject and body filled in, percent-encoded (and safe in Markdown and HTML)."""
    query = urllib.parse.urlencode({"subject": subject, "body": body}, quote_via=urllib.parse.quote)
    return Markup(escape(f"mailto:{urllib.parse.quote(address, safe='@')}?{query}"))


def page_link(page_path: str, text: str, to_path: str) -> Markup:
    """A Markdown link from page_path to a docs-relative path."""
    return Markup(f"[{md_escape(text)}]({escape(relative_link(page_path, to_path))})")


def _table_row(*cells: str) -> Markup:
    """A Markdown table row of cells that are Markdown already: "| a | b |"."""
    return Markup("| " + " | ".join(cells) + " |")


def chart_table_row(row: ChartRow) -> Markup:
    """A row of a chart's data table: year, kind, value, note."""
    return _table_row(md_escape(row.year), md_escape(row.kind), md_escape(row.value), md_escape(row.note))


def value_table_row(value: ValueRow) -> Markup:
    """A row of an indicator's published values: year, value, status, source (linked), source date."""
    source = value.source
    if source is None:  # a broken reference (validation reports it): the id as given
        source_cell, date = md_escape(value.observation.source_id), "—"
    else:
        source_cell = f"{md_escape(source.publisher + '：')}{external_link(source.url, source.title)}"
        date = source.date.isoformat()
    return _table_row(escape(value.observation.year), md_escape(value.value_text), md_escape(value.status_zh),
                      source_cell, escape(date))


def status_cell(row: TargetRow) -> Markup:
    """A target's status word, with why it is not judged where it is not."""
    badge = status_badge(row.status, row.status_zh)
    return Markup(f"{badge}<br><small>{md_escape(row.reason_zh)}</small>") if row.reason_zh else badge


def target_cell(row: TargetRow) -> Markup:
    """A target in a few characters, with the parent plan's figure where the target defers to it."""
    text = md_escape(row.target_text)
    if not row.parent_figures:
        return text
    figures = "；".join(f"{f.target_text}（{f.year_text}）" for f in row.parent_figures)
    return Markup(f"{text}<br><small>{md_escape(row.parent_figures[0].jurisdiction + '：' + figures)}</small>")


def target_table_row(row: TargetRow, link: Markup | None = None) -> Markup:
    """A row of a table of targets: indicator (where its link is given), target, status, year, latest value."""
    cells = (target_cell(row), status_cell(row), md_escape(row.year_text), md_escape(row.latest_text))
    return _table_row(link, *cells) if link is not None else _table_row(*cells)


class _ChartTables:
    """The rows of each chart's data table, written once for all the pages that show the chart.

    An area page shows the charts of all its indicators again, so without this every
    indicator's table (the longest loop of a build) would be written twice. One instance
    serves one environment, so one build; rows are reused only for that very ChartView.
    """

    def __init__(self) -> None:
        self._written: dict[int, tuple[ChartView, Markup]] = {}

    def __call__(self, chart: ChartView) -> Markup:
        written = self._written.get(id(chart))
        if written is None or written[0] is not chart:
            rows = Markup("\n".join(chart_table_row(row) for row in chart.rows))
            written = self._written[id(chart)] = (chart, rows)
        return written[1]


def front_matter(title: str, description: str = "", charts: bool = False, image: str = "",
                 searched: bool = True) -> Markup:
    """A page's front matter: its title and description as the theme prints them (escaped once, here).

    The theme prints page.meta.title and page.meta.description as they are, so they are
    HTML-escaped text; each is a JSON string, which is also a YAML double-quoted scalar.
    ``charts`` asks the theme to load the chart library on this page; ``image`` is the
    docs-relative share image of the page (its chart), for share cards; ``searched`` false
    leaves the page out of the search index (found through a page that lists it).
    """
    lines = ["---", f"title: {_yaml_text(title)}"]
    if description:
        lines.append(f"description: {_yaml_text(description)}")
    if charts:
        lines.append("charts: true")
    if image:
        lines.append(f"image: {json.dumps(image)}")
    if not searched:
        lines += ["search:", "  exclude: true"]
    lines.append("---")
    return Markup("\n".join(lines) + "\n\n")


def _yaml_text(text: str) -> str:
    flat = " ".join(str(text).split())
    if len(flat) > 160:
        flat = flat[:159] + "…"
    return json.dumps(html.escape(flat, quote=True), ensure_ascii=False)


@jinja2.pass_context
def _indicator_link_here(context: jinja2.runtime.Context, row: TargetRow) -> Markup:
    return page_link(context["page_path"], row.indicator.name_zh, row.indicator_path)


@jinja2.pass_context
def _target_table_row_here(context: jinja2.runtime.Context, row: TargetRow, with_indicator: bool) -> Markup:
    link = page_link(context["page_path"], row.indicator.name_zh, row.indicator_path) if with_indicator else None
    return target_table_row(row, link)


@jinja2.pass_context
def _rel_filter(context: jinja2.runtime.Context, to_path: str) -> str:
    return relative_link(context["page_path"], to_path)


def make_environment(overrides: Sequence[Path] = (), **globals_: object) -> jinja2.Environment:
    """The Jinja environment: the project's templates (overrides) before the package's, autoescape on.

    autoescape=True (not select_autoescape, which would not match .md.j2) escapes every
    template; undefined names are an error. Filters: md (Markdown-safe text), rel (a link
    relative to the page being rendered), number, size, chart_table_rows, value_table_row.
    Functions: status_badge, status_cell, external_link, indicator_link, target_table_row.
    """
    search = [str(p) for p in overrides if Path(p).is_dir()] + [str(PACKAGE_TEMPLATES)]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # an environment serves one build: templates are read once
    )
    env.filters["md"] = md_escape
    env.filters["rel"] = _rel_filter
    env.filters["number"] = zh.number
    env.filters["size"] = format_size
    env.filters["chart_table_rows"] = _ChartTables()
    env.filters["value_table_row"] = value_table_row
    env.globals["front_matter"] = front_matter
    env.globals["mailto"] = mailto
    env.globals["status_badge"] = status_badge
    env.globals["status_cell"] = status_cell
    env.globals["external_link"] = external_link
    env.globals["indicator_link"] = _indicator_link_here
    env.globals["target_table_row"] = _target_table_row_here
    env.globals["NO_VALUE_ZH"] = zh.NO_VALUE
    env.globals["PROJECTS_NO_STATUS_ZH"] = zh.PROJECTS_NO_STATUS
    env.globals.update(globals_)
    return env


def render(env: jinja2.Environment, template: str, page: object) -> str:
    """One page's Markdown from its template and context (blank-line runs collapsed)."""
    text = env.get_template(template).render(page=page, page_path=page.page_path)
    return _collapse_blank_lines(text).strip() + "\n"


def _collapse_blank_lines(text: str) -> str:
    """Runs of three or more newlines made two, as templates leave them where optional parts are absent.

    In passes of str.replace, not with a regular expression: most of an indicator page is its
    chart's spec, which a regular expression steps through character by character several
    times slower.
    """
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text
