"""The 更新记录 page and the Atom feed of data releases (``builder.releases``).

The feed is written with ElementTree (which escapes every value) and names no other
host: ids are tag-less URNs and links are relative to the feed.
"""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from builder.model import DataRoot
from builder.releases import Release
from builder.site import contexts as c
from builder.site.urls import CHANGELOG, FEED
from builder.text import zh

ATOM = "http://www.w3.org/2005/Atom"


def release_anchor(version: str) -> str:
    """The id of a release's heading: v2026-11-30, v2026-11-30-2."""
    return "v" + version.replace(".", "-")


def release_view(release: Release, data: DataRoot) -> c.ReleaseView:
    def indicator(plan_id: str, indicator_id: str) -> tuple[str, str]:
        plan = data.plan(plan_id)
        found = plan.indicator(indicator_id) if plan else None
        where = f"{plan.plan.jurisdiction_zh}·" if plan and len(data.plans) > 1 else ""
        return (f"{where}{found.name_zh}", found.unit) if found else (f"{plan_id}/{indicator_id}", "")

    values = tuple(zh.value_change_line(v, *indicator(v.plan_id, v.indicator_id)) for v in release.values)
    statuses = tuple(zh.status_change_line(s, indicator(s.plan_id, s.indicator_id)[0]) for s in release.statuses
                     if s.old is not None and s.new is not None)
    targets = tuple(zh.target_edit_line(t, _target_name(data, t.plan_id, t.target_id)) for t in release.targets)
    if release.first:
        statuses, targets = (), ()  # the first release lists what it holds by counts only
    return c.ReleaseView(release.version, release.date, release.short_hash, release_anchor(release.version),
                         zh.release_summary(release), values, statuses, targets)


def _target_name(data: DataRoot, plan_id: str, target_id: str) -> str:
    plan = data.plan(plan_id)
    target = next((t for t in plan.targets if t.target_id == target_id), None) if plan else None
    indicator = plan.indicator(target.indicator_id) if target else None
    return indicator.name_zh if indicator else target_id


def changelog_page(releases: Sequence[Release], data: DataRoot) -> c.ChangelogPage:
    return c.ChangelogPage(CHANGELOG, tuple(release_view(r, data) for r in releases), FEED)


def atom_feed(title: str, views: Sequence[c.ReleaseView], site_id: str, changelog_url: str) -> bytes:
    """An Atom feed of the releases, newest first, with relative links (no other host)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"{title} · 更新记录"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:carbon-site:{site_id}"
    updated = views[0].date if views else "1980-01-01"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = f"{updated}T00:00:00Z"
    ET.SubElement(feed, f"{{{ATOM}}}link", href=changelog_url, rel="alternate", type="text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = title
    for view in views:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"数据版本 {view.version}"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:carbon-site:{site_id}:{view.version}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = f"{view.date}T00:00:00Z"
        ET.SubElement(entry, f"{{{ATOM}}}link", href=f"{changelog_url}#{view.anchor}", rel="alternate", type="text/html")
        lines = [view.summary_zh, *view.values, *view.statuses, *view.targets]
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = "\n".join(lines)
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"


def site_id(title: str) -> str:
    """A stable id for a site's feed, from its title (no host to name it by)."""
    return hashlib.sha256(title.encode("utf-8")).hexdigest()[:16]
