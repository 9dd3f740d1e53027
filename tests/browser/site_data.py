"""What the browser tests expect to find on a site, read from the project it is built from.

Plan packages are found by their resources (a descriptor with a ``plans`` table), never by
folder name; ids are unique only within a plan, so every indicator, area and department is
named by (plan_id, id). Where a page is comes from the builder's own URL scheme
(builder/site/urls.py: the page ``plans/<plan_id>/areas/1.md`` and the address it is served
at, ``page_url``); what the tests check is that the pages there are right and that every old
address a config keeps still leads to them.
"""
from __future__ import annotations

import csv
import json
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from builder.site.urls import Urls
from builder.site.urls import page_url as _page_url

REPO = Path(__file__).resolve().parents[2]
REAL_CONFIG = REPO / "carbon-site.toml"
SYNTHETIC_PROJECT = REPO / "tests" / "fixtures" / "synthetic"
PORTAL_CONFIG = SYNTHETIC_PROJECT / "portal.toml"


@dataclass(frozen=True)
class Project:
    """A site project as the tests see it: its config and its data root."""

    config_file: Path

    @property
    def config(self) -> dict:
        return _toml(self.config_file)

    @property
    def data_dir(self) -> Path:
        return self.config_file.parent / self.config["site"].get("data", "datapackages")

    @property
    def home(self) -> str:
        """The home plan's plan_id, or "portal"."""
        return self.config["site"]["home"]

    def plans(self) -> list[Plan]:
        return _plans(self.data_dir)

    def plan(self, plan_id: str) -> Plan:
        return next(p for p in self.plans() if p.plan_id == plan_id)

    def observations(self) -> list[dict[str, str]]:
        return _observations(self.data_dir)

    def observed(self) -> Counter:
        """How many published values each (plan_id, indicator_id) has."""
        return Counter((r["plan_id"], r["indicator_id"]) for r in self.observations())

    def redirects(self) -> dict[str, str]:
        """Old URL -> new page (.md) or file, from the config."""
        return dict(self.config.get("redirects", {}))

    @property
    def urls(self) -> Urls:
        """Where the site's pages are (docs-relative .md paths); pass one to page_url for its address."""
        return Urls(None if self.home == "portal" else self.home)

    def chartable(self, plan: Plan) -> set[str]:
        """The plan's indicators with something to draw: a published value or a numeric target.

        (An indicator whose targets are all qualitative or deferred, and which has no
        published value, has no number to chart.)"""
        numeric = {r["indicator_id"] for r in plan.rows("targets") if r["target_value"].strip()}
        observed = {i for (p, i) in self.observed() if p == plan.plan_id}
        return numeric | observed

    def chartable_by_area(self, plan: Plan) -> dict[str, set[str]]:
        """Area id -> the plan's chartable indicators in that area."""
        chartable = self.chartable(plan)
        by_area: dict[str, set[str]] = {}
        for row in plan.rows("indicators"):
            if row["area_id"] and row["indicator_id"] in chartable:
                by_area.setdefault(row["area_id"], set()).add(row["indicator_id"])
        return by_area


@dataclass(frozen=True)
class Plan:
    """One plan package."""

    plan_id: str
    package: Path
    descriptor_text: str  # its datapackage.json

    def rows(self, resource: str) -> list[dict[str, str]]:
        return _rows(self.package, self.descriptor_text, resource)

    @property
    def record(self) -> dict[str, str]:
        return self.rows("plans")[0]

    @property
    def parent(self) -> str:
        return self.record["parent_plan_id"]

    def area_ids(self) -> list[str]:
        return [r["area_id"] for r in self.rows("action_areas")]

    def indicator_ids(self) -> list[str]:
        return [r["indicator_id"] for r in self.rows("indicators")]

    def responsible_departments(self) -> list[str]:
        """Departments named by a task (they have a page with tasks on it)."""
        named = {r["department_id"] for r in self.rows("task_departments")}
        return [r["department_id"] for r in self.rows("departments") if r["department_id"] in named]

    def areas_with_targets(self) -> set[str]:
        area_of = {r["indicator_id"]: r["area_id"] for r in self.rows("indicators")}
        return {area_of[r["indicator_id"]] for r in self.rows("targets") if area_of.get(r["indicator_id"])}


REAL = Project(REAL_CONFIG)
PORTAL = Project(PORTAL_CONFIG)


def page_url(doc_path: str) -> str:
    """The address (relative to the site root) of a docs page, e.g. plans/p/areas/1.md -> plans/p/areas/1.html."""
    return _page_url(doc_path)


# --- reading ------------------------------------------------------------------------------------------
@cache
def _toml(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@cache
def _descriptors(data_dir: Path) -> tuple[tuple[Path, str], ...]:
    return tuple((d.parent, d.read_text(encoding="utf-8-sig")) for d in sorted(data_dir.glob("*/datapackage.json")))


def _resource_names(descriptor: dict) -> set[str]:
    return {r.get("name") for r in descriptor.get("resources", []) if isinstance(r, dict)}


@cache
def _rows(package: Path, descriptor_json: str, resource: str) -> list[dict[str, str]]:
    descriptor = json.loads(descriptor_json)
    spec = next(r for r in descriptor["resources"] if r.get("name") == resource)
    with (package / spec["path"]).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def _plans(data_dir: Path) -> list[Plan]:
    plans = []
    for package, text in _descriptors(data_dir):
        descriptor = json.loads(text)
        if "plans" in _resource_names(descriptor):
            plan_id = _rows(package, text, "plans")[0]["plan_id"]
            plans.append(Plan(plan_id, package, text))
    return plans


@cache
def _observations(data_dir: Path) -> list[dict[str, str]]:
    found = []
    for package, text in _descriptors(data_dir):
        if "observations" in _resource_names(json.loads(text)):
            found += _rows(package, text, "observations")
    return found
