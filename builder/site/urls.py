"""Where every page and download of a site lives: docs-relative paths, by plan.

Every page of a plan lives under ``plans/<plan_id>/``, so two plans may use the same
indicator, area or department ids without their pages colliding. The home plan of a
single-plan site has its home at the site's root. Pure.
"""
from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass

HOME = "index.md"
DOWNLOADS = "downloads/index.md"
DICTIONARY = "downloads/dictionary.md"
METHODOLOGY = "methodology.md"
CODES = "codes.md"
ABOUT = "about.md"
CHANGELOG = "changelog.md"
FEED = "feed.xml"
CHECKSUMS = "downloads/SHA256SUMS.txt"
ALL_TARGETS_CSV = "downloads/targets.csv"


@dataclass(frozen=True)
class Urls:
    """Page paths for one site; home_plan is the plan whose home is the site's home (None for a portal)."""

    home_plan: str | None = None

    def plan_dir(self, plan_id: str) -> str:
        return f"plans/{plan_id}"

    def plan_home(self, plan_id: str) -> str:
        return HOME if plan_id == self.home_plan else f"{self.plan_dir(plan_id)}/index.md"

    def areas_index(self, plan_id: str) -> str:
        return f"{self.plan_dir(plan_id)}/areas/index.md"

    def area(self, plan_id: str, area_id: int) -> str:
        return f"{self.plan_dir(plan_id)}/areas/{area_id}.md"

    def indicator(self, plan_id: str, indicator_id: str) -> str:
        return f"{self.plan_dir(plan_id)}/indicators/{indicator_id}.md"

    def departments_index(self, plan_id: str) -> str:
        return f"{self.plan_dir(plan_id)}/departments/index.md"

    def department(self, plan_id: str, department_id: str) -> str:
        return f"{self.plan_dir(plan_id)}/departments/{department_id}.md"

    def plan_text(self, plan_id: str) -> str:
        return f"{self.plan_dir(plan_id)}/text.md"

    def compare(self, plan_id: str) -> str:
        return f"{self.plan_dir(plan_id)}/compare.md"

    def share_image(self, plan_id: str, indicator_id: str) -> str:
        """A chart's share image (PNG), for share cards."""
        return f"share/{plan_id}/{indicator_id}.png"

    def embed(self, plan_id: str, indicator_id: str) -> str:
        """A chart alone, as a standalone HTML page for an iframe (not a themed page)."""
        return f"embed/{plan_id}/{indicator_id}.html"

    # --- downloads ---------------------------------------------------------------------------------
    @staticmethod
    def package_zip(package_name: str) -> str:
        return f"downloads/{package_name}.zip"

    @staticmethod
    def package_file(package_name: str, rel: str) -> str:
        return f"downloads/{package_name}/{rel}"

    def plan_targets_csv(self, plan_id: str) -> str:
        return f"downloads/plans/{plan_id}/targets.csv"

    def area_csv(self, plan_id: str, area_id: int) -> str:
        return f"downloads/plans/{plan_id}/areas/area-{area_id}.csv"

    def indicator_csv(self, plan_id: str, indicator_id: str) -> str:
        return f"downloads/plans/{plan_id}/indicators/{indicator_id}.csv"


def page_url(md_path: str) -> str:
    """The URL path of a page's HTML file: plans/p/areas/1.md → plans/p/areas/1.html (pages are files, not folders)."""
    return md_path[:-3] + ".html" if md_path.endswith(".md") else md_path


def relative_link(from_page: str, to_path: str) -> str:
    """A relative link from one docs-relative page to another docs-relative path."""
    return _link_from_folder(posixpath.dirname(from_page) or ".", to_path)


# A link depends only on the linking page's folder, and the pages of one folder link to the
# same paths over and over: posixpath.relpath is worth doing once per pair.
@functools.lru_cache(maxsize=1 << 16)
def _link_from_folder(folder: str, to_path: str) -> str:
    if "#" in to_path:
        path, anchor = to_path.split("#", 1)
        return (_link_from_folder(folder, path) if path else "") + "#" + anchor
    return posixpath.relpath(to_path, folder)
