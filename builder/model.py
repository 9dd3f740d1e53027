"""The one in-memory model every stage reads: plans (with their jurisdiction and
parent), areas, tasks, departments, indicators, targets, projects, observations,
sources, plan texts and the bytes of every package file.

Field names mirror the CSV columns of the packages' ``datapackage.json``; an empty
cell is ``None``. Fields in a record's ``FILLED`` are set by the loader, not read from
a column: the package folder, the physical CSV line, and for tables of a plan
package the plan they belong to. Ids are unique within their plan, so a record is
known by ``(plan_id, its id)``. Only the loader constructs these from files.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import ClassVar

LOADER_FIELDS = frozenset({"package", "row"})
PLAN_FIELDS = LOADER_FIELDS | {"plan_id"}


@dataclass(frozen=True)
class Plan:
    plan_id: str
    title_zh: str
    title_en: str
    jurisdiction_code: str  # six-digit administrative division code, e.g. 220700
    jurisdiction_zh: str
    jurisdiction_en: str
    jurisdiction_level: str  # "state" | "province" | "city" | "county"
    parent_plan_id: str | None = None  # the plan this one answers to, in another package
    source_text: str | None = None  # package-relative path of the plan's transcription
    issuer_zh: str | None = None
    issuer_en: str | None = None
    document_number: str | None = None
    issue_date: date | None = None
    source_url: str | None = None
    note: str | None = None
    package: str = field(default="", compare=False)  # package folder, for messages
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages

    FILLED: ClassVar[frozenset] = LOADER_FIELDS


@dataclass(frozen=True)
class ActionArea:
    area_id: int
    plan_id: str
    clause: str
    name_zh: str
    name_en: str
    short_name_zh: str
    summary_zh: str
    summary_en: str | None = None
    package: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)

    FILLED: ClassVar[frozenset] = LOADER_FIELDS


@dataclass(frozen=True)
class Task:
    task_id: int
    area_id: int
    clause: str
    title_zh: str
    title_en: str
    responsibility_zh: str | None = None
    plan_id: str = ""
    package: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)

    FILLED: ClassVar[frozenset] = PLAN_FIELDS


@dataclass(frozen=True)
class Department:
    department_id: str
    name_zh: str
    name_en: str
    full_name_zh: str | None = None
    plan_id: str = ""
    package: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)

    FILLED: ClassVar[frozenset] = PLAN_FIELDS


@dataclass(frozen=True)
class TaskDepartment:
    task_id: int
    department_id: str
    order: int
    role: str  # "lead" | "support"
    plan_id: str = ""
    package: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)

    FILLED: ClassVar[frozenset] = PLAN_FIELDS


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    name_zh: str
    name_en: str
    unit: str
    unit_en: str
    direction: str  # "higher" | "lower"
    definition_zh: str
    area_id: int | None = None  # None: a main (headline) target of the plan
    task_id: int | None = None
    definition_en: str | None = None
    comparable_indicator_id: str | None = None  # an indicator of the parent plan measuring the same thing
    plan_id: str = ""
    package: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)

    FILLED: ClassVar[frozenset] = PLAN_FIELDS

    @property
    def key(self) -> tuple[str, str]:
        """(plan_id, indicator_id): unique in a data root."""
        return (self.plan_id, self.indicator_id)


@dataclass(frozen=True)
class Target:
    target_id: str
    indicator_id: str
    kind: str  # level | reduction | addition | count | deferred | qualitative
    aspirational: bool
    quote_zh: str
    clause: str
    target_year: int | None = None
    target_value: float | None = None
    comparator: str | None = None  # ">=", "<=", ">", "<", "≈", "="
    tolerance: float | None = None
    baseline_year: int | None = None
    baseline_value: float | None = None
    note: str | None = None
    plan_id: str = ""
    package: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)

    FILLED: ClassVar[frozenset] = PLAN_FIELDS

    @property
    def key(self) -> tuple[str, str]:
        """(plan_id, target_id): unique in a data root."""
        return (self.plan_id, self.target_id)

    @property
    def indicator_key(self) -> tuple[str, str]:
        """(plan_id, indicator_id) of the indicator the target is set for."""
        return (self.plan_id, self.indicator_id)


@dataclass(frozen=True)
class KeyProject:
    project_id: str
    task_id: int
    name_zh: str
    name_en: str
    quote_zh: str
    clause: str
    status: str  # unknown | planned | under-construction | completed | cancelled
    status_source_id: str | None = None
    note: str | None = None
    plan_id: str = ""
    package: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)

    FILLED: ClassVar[frozenset] = PLAN_FIELDS


@dataclass(frozen=True)
class Source:
    source_id: str
    publisher: str
    title: str
    date: date
    url: str
    accessed: date
    note: str | None = None
    package: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)

    FILLED: ClassVar[frozenset] = LOADER_FIELDS


@dataclass(frozen=True)
class Observation:
    plan_id: str
    indicator_id: str
    year: int
    value: float
    status: str  # preliminary | final | revised
    source_id: str
    source_quote_zh: str | None = None
    note: str | None = None
    package: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)

    FILLED: ClassVar[frozenset] = LOADER_FIELDS

    @property
    def indicator_key(self) -> tuple[str, str]:
        """(plan_id, indicator_id) of the indicator the value is for."""
        return (self.plan_id, self.indicator_id)


REVISION_RANK = {"revised": 3, "final": 2, "preliminary": 1}  # higher wins for the same year


def preferred_observations(observations) -> tuple[Observation, ...]:
    """One published value per year, oldest first: revised over final over preliminary.

    The one rule for which value of a year counts; the latest value is the last of these.
    """
    best: dict[int, Observation] = {}
    ordered = sorted(observations, key=lambda o: (o.year, -REVISION_RANK.get(o.status, 0), o.source_id, o.row or 0))
    for obs in ordered:
        best.setdefault(obs.year, obs)
    return tuple(best[year] for year in sorted(best))


def latest_observation(observations) -> Observation | None:
    """The value a reader is shown as "latest": the preferred value of the latest year, or None."""
    preferred = preferred_observations(observations)
    return preferred[-1] if preferred else None


@dataclass(frozen=True)
class Furniture:
    """A transcription's page furniture: what is not the plan's text, as regular expressions."""

    lines: tuple[str, ...] = ()  # a line matching one of these is dropped whole
    fragments: tuple[str, ...] = ()  # text matching one of these is cut out of a line


@dataclass(frozen=True)
class Package:
    """One data package as read from disk: its descriptor and the bytes of every file it ships."""

    folder: str  # folder name in the data root; carries no meaning beyond messages and download paths
    name: str  # the descriptor's name
    kind: str  # "plan" | "values"
    descriptor: Mapping
    display: str  # the folder as shown in messages, e.g. datapackages/city-plan
    files: Mapping[str, bytes]  # package-relative path -> bytes (descriptor, resources, texts, README)
    resources: Mapping[str, str]  # resource name -> package-relative path

    def file_for(self, resource: str) -> str | None:
        """A resource's file as shown in messages, e.g. datapackages/city-plan/data/targets.csv."""
        rel = self.resources.get(resource)
        return f"{self.display}/{rel}" if rel is not None else None


@dataclass(frozen=True)
class PlanPackage:
    """One plan package as loaded: the plan, its structure and targets, and its text."""

    package: Package
    plan: Plan
    areas: tuple[ActionArea, ...] = ()
    tasks: tuple[Task, ...] = ()
    departments: tuple[Department, ...] = ()
    task_departments: tuple[TaskDepartment, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    targets: tuple[Target, ...] = ()
    key_projects: tuple[KeyProject, ...] = ()
    text: str | None = None  # the plan's transcription (plans.source_text), decoded
    furniture: Furniture = Furniture()

    @property
    def plan_id(self) -> str:
        return self.plan.plan_id

    @property
    def name(self) -> str:
        """The package folder (for messages and download paths)."""
        return self.package.folder

    def indicator(self, indicator_id: str) -> Indicator | None:
        """This plan's indicator with that id, or None."""
        return self._indicators.get(indicator_id)

    def area(self, area_id: int | None) -> ActionArea | None:
        """This plan's action area with that number, or None."""
        return self._areas.get(area_id)

    def task(self, task_id: int | None) -> Task | None:
        """This plan's task with that number, or None."""
        return self._tasks.get(task_id)

    def department(self, department_id: str) -> Department | None:
        """This plan's responsible unit with that id, or None."""
        return self._departments.get(department_id)

    def targets_for(self, indicator_id: str) -> tuple[Target, ...]:
        """This plan's targets for one indicator, in data order."""
        return self._targets_by_indicator.get(indicator_id, ())

    @cached_property
    def _indicators(self) -> dict[str, Indicator]:
        found: dict[str, Indicator] = {}
        for indicator in self.indicators:
            found.setdefault(indicator.indicator_id, indicator)
        return found

    @cached_property
    def _areas(self) -> dict[int, ActionArea]:
        return {a.area_id: a for a in reversed(self.areas)}

    @cached_property
    def _tasks(self) -> dict[int, Task]:
        return {t.task_id: t for t in reversed(self.tasks)}

    @cached_property
    def _departments(self) -> dict[str, Department]:
        return {d.department_id: d for d in reversed(self.departments)}

    @cached_property
    def _targets_by_indicator(self) -> dict[str, tuple[Target, ...]]:
        grouped: dict[str, list[Target]] = {}
        for target in self.targets:
            grouped.setdefault(target.indicator_id, []).append(target)
        return {k: tuple(v) for k, v in grouped.items()}


@dataclass(frozen=True)
class ValuesPackage:
    """The package of published values and their sources."""

    package: Package
    observations: tuple[Observation, ...] = ()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class DataRoot:
    """Everything under a data directory: every plan package and the published values.

    ``plans`` is in a fixed order: plans without a parent first, each followed by its
    children (by jurisdiction code, then plan id), so every listing is deterministic.
    """

    plans: tuple[PlanPackage, ...]
    values: ValuesPackage | None = None
    packages: tuple[Package, ...] = ()  # every package, by folder
    # What could not be read when the data has errors (a model with errors is only ever checked, never built):
    incomplete: frozenset[tuple[str, str]] = frozenset()  # (package folder, resource) with rows left out
    unreadable: bool = False  # a whole package could not be read, so any id may belong to it

    def complete(self, folder: str, resource: str) -> bool:
        """Whether every row of a resource was read (so an id missing from it is really missing)."""
        return not self.unreadable and (folder, resource) not in self.incomplete

    @property
    def observations(self) -> tuple[Observation, ...]:
        return self.values.observations if self.values else ()

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.values.sources if self.values else ()

    def plan(self, plan_id: str | None) -> PlanPackage | None:
        """The plan package of that plan id, or None."""
        return self._plans.get(plan_id)

    def parent(self, plan: PlanPackage) -> PlanPackage | None:
        """The plan this plan answers to, when it is in the data root."""
        return self.plan(plan.plan.parent_plan_id)

    def children(self, plan: PlanPackage) -> tuple[PlanPackage, ...]:
        """The plans whose parent is this plan, in the data root's order."""
        return tuple(p for p in self.plans if p.plan.parent_plan_id == plan.plan_id)

    def package(self, folder: str) -> Package | None:
        """The package in that folder, or None."""
        return next((p for p in self.packages if p.folder == folder), None)

    def file_for(self, folder: str, resource: str) -> str | None:
        """A resource's CSV as shown in messages."""
        package = self.package(folder)
        return package.file_for(resource) if package else None

    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator of every plan, in plan order."""
        return tuple(i for p in self.plans for i in p.indicators)

    def targets(self) -> tuple[Target, ...]:
        """Every target of every plan, in plan order."""
        return tuple(t for p in self.plans for t in p.targets)

    def indicator(self, key: tuple[str, str]) -> Indicator | None:
        """The indicator with this (plan_id, indicator_id), or None."""
        plan = self.plan(key[0])
        return plan.indicator(key[1]) if plan else None

    def observations_for(self, key: tuple[str, str]) -> tuple[Observation, ...]:
        """Published values of one indicator, (plan_id, indicator_id), oldest first."""
        return self._observations_by_indicator.get(key, ())

    def source(self, source_id: str | None) -> Source | None:
        """The source with this id, or None."""
        return self._sources.get(source_id)

    def latest_known_date(self) -> date | None:
        """The latest date the data itself vouches for: when a source was last read, else when a plan was issued."""
        dates = [s.accessed for s in self.sources] or [p.plan.issue_date for p in self.plans if p.plan.issue_date]
        return max(dates) if dates else None

    @cached_property
    def _plans(self) -> dict[str, PlanPackage]:
        return {p.plan_id: p for p in reversed(self.plans)}

    @cached_property
    def _sources(self) -> dict[str, Source]:
        return {s.source_id: s for s in reversed(self.sources)}

    @cached_property
    def _observations_by_indicator(self) -> dict[tuple[str, str], tuple[Observation, ...]]:
        grouped: dict[tuple[str, str], list[Observation]] = {}
        for observation in self.observations:
            grouped.setdefault(observation.indicator_key, []).append(observation)
        # sorted() is stable, so equal keys keep data order.
        return {k: tuple(sorted(v, key=lambda o: (o.year, o.status, o.source_id))) for k, v in grouped.items()}
