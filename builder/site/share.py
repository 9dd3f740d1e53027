"""A chart on its own: the standalone page another site puts in an iframe.

Plain HTML written here (not a themed page), with every value escaped and the spec in
a script element it cannot close; it loads the site's own copy of the chart library
and charts.js by relative paths, so an embedded chart makes no request to another host
than the site it comes from.
"""
from __future__ import annotations

import posixpath
from html import escape

from builder.site.contexts import ChartShare, ChartView
from builder.site.urls import page_url, relative_link

BUNDLE = "assets/vega/vega-bundle.js"
CHARTS_JS = "assets/javascripts/charts.js"
STYLES = "assets/stylesheets/embed.css"


def embed_page(view: ChartView, share: ChartShare, site_title: str) -> bytes:
    """The HTML of a chart alone: its title, the chart, its one-sentence summary and a link to its page."""
    here = share.embed_path

    def link(path: str) -> str:
        return escape(posixpath.relpath(path, posixpath.dirname(here)))

    page = escape(relative_link(here, page_url(share.page_path)))
    html = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(share.title)} - {escape(site_title)}</title>
<link rel="stylesheet" href="{link(STYLES)}">
</head>
<body>
<main>
<h1>{escape(share.title)}</h1>
<div class="chart" id="chart-{escape(view.indicator_id)}" data-chart="{escape(view.indicator_id)}"></div>
<script type="application/json" id="spec-{escape(view.indicator_id)}">{view.spec_json or "null"}</script>
<p>{escape(view.summary_zh)}</p>
<p class="source">{escape(share.source_zh)} · <a href="{page}" target="_blank" rel="noopener">{escape(site_title)}：查看数据表和原文</a></p>
</main>
<script src="{link(BUNDLE)}"></script>
<script src="{link(CHARTS_JS)}"></script>
</body>
</html>
"""
    return html.encode("utf-8")


IMAGE_WIDTH = 560  # CSS pixels; drawn at twice that (1120 px wide) for sharp share cards


def image_spec(spec_json: str, share: ChartShare, site_title: str) -> dict:
    """A chart's spec as its share image shows it: fixed width, its title, and its source and the site's name."""
    import json

    spec = json.loads(spec_json)
    spec["width"] = IMAGE_WIDTH
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec["background"] = "#ffffff"
    spec["padding"] = 12
    spec["title"] = {"text": share.title, "subtitle": [share.source_zh, site_title], "anchor": "start",
                     "fontSize": 16, "subtitleFontSize": 12, "subtitleColor": "#4d4d4d"}
    return spec


def render_png(spec: dict) -> bytes:
    """A spec drawn as a PNG by vl-convert (the same Vega as the site's own charts)."""
    import vl_convert

    from builder.charts import VEGA_LITE_VERSION

    return vl_convert.vegalite_to_png(spec, vl_version=VEGA_LITE_VERSION, scale=2)
