"""The one in-memory model every stage reads: plans, areas, tasks, departments,
indicators, targets, projects, observations and sources.

Field names mirror the CSV columns in ``datapackages/*/datapackage.json``; an empty
cell is ``None``. The loader builds these; nothing else constructs them from files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property


@dataclass(frozen=True)
class Plan:
    package: str  # data package folder name, e.g. "songyuan-plan"
    plan_id: str
    title_zh: str
    title_en: str
    jurisdiction_zh: str
    jurisdiction_en: str
    jurisdiction_level: str  # "city" | "province"
    source_text: str
    issuer_zh: str | None = None
    issuer_en: str | None = None
    document_number: str | None = None
    issue_date: date | None = None
    source_url: str | None = None
    note: str | None = None
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages


@dataclass(frozen=True)
class ActionArea:
    package: str
    area_id: int
    plan_id: str
    clause: str
    name_zh: str
    name_en: str
    short_name_zh: str
    summary_zh: str
    summary_en: str | None = None
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages


@dataclass(frozen=True)
class Task:
    package: str
    task_id: int
    area_id: int
    clause: str
    title_zh: str
    title_en: str
    responsibility_zh: str | None = None
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages


@dataclass(frozen=True)
class Department:
    package: str
    department_id: str
    name_zh: str
    name_en: str
    full_name_zh: str | None = None
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages


@dataclass(frozen=True)
class TaskDepartment:
    package: str
    task_id: int
    department_id: str
    order: int
    role: str  # "lead" | "support"
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages


@dataclass(frozen=True)
class Indicator:
    package: str
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
    comparable_indicator_id: str | None = None
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages


@dataclass(frozen=True)
class Target:
    package: str
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
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages


@dataclass(frozen=True)
class KeyProject:
    package: str
    project_id: str
    task_id: int
    name_zh: str
    name_en: str
    quote_zh: str
    clause: str
    status: str  # unknown | planned | under-construction | completed | cancelled
    status_source_id: str | None = None
    note: str | None = None
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages


@dataclass(frozen=True)
class Source:
    source_id: str
    publisher: str
    title: str
    date: date
    url: str
    accessed: date
    note: str | None = None
    row: int | None = field(default=None, compare=False)  # physical CSV line (header = 1), for messages


@dataclass(frozen=True)
class Observation:
    indicator_id: str
    year: int
    value: float
    status: str  # preliminary | final | revised
    source_id: str
    row: int  # physical CSV line (header = 1), for messages that point back to the file
    source_quote_zh: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PlanPackage:
    """One plan package (songyuan-plan or jilin-plan) as loaded."""

    name: str
    descriptor: dict
    plan: Plan
    areas: tuple[ActionArea, ...] = ()
    tasks: tuple[Task, ...] = ()
    departments: tuple[Department, ...] = ()
    task_departments: tuple[TaskDepartment, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    targets: tuple[Target, ...] = ()
    key_projects: tuple[KeyProject, ...] = ()


@dataclass(frozen=True)
class DataRoot:
    """Everything under a data directory: the plan packages and the published values."""

    plans: tuple[PlanPackage, ...]
    observations: tuple[Observation, ...] = ()
    sources: tuple[Source, ...] = ()
    descriptors: dict = field(default_factory=dict)  # package name -> descriptor dict
    files: dict = field(default_factory=dict)  # (package, resource) -> CSV path as shown in messages

    # The lookups below are built once per DataRoot, on first use (functools.cached_property
    # writes to the instance __dict__, which a frozen dataclass without slots still has), so
    # every per-indicator lookup is O(1) instead of a scan of all observations or targets.

    def plan_package(self, name: str) -> PlanPackage | None:
        """The plan package with this folder name, or None."""
        return next((p for p in self.plans if p.name == name), None)

    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator in every plan package."""
        return self._indicators

    def targets(self) -> tuple[Target, ...]:
        """Every target in every plan package."""
        return self._targets

    def latest_known_date(self) -> date | None:
        """The latest date the data itself vouches for: when a source was last read, else when a plan was issued.

        Progress is judged as of this date, the site is stamped with it, and no published
        value can be for a later year; it never comes from the clock, so builds are repeatable.
        """
        dates = [s.accessed for s in self.sources] or [p.plan.issue_date for p in self.plans if p.plan.issue_date]
        return max(dates) if dates else None

    def file_for(self, package: str, resource: str) -> str | None:
        """The CSV path of a resource as shown in messages, e.g. datapackages/songyuan-plan/data/targets.csv."""
        return self.files.get((package, resource))

    def indicator(self, indicator_id: str) -> Indicator | None:
        """The indicator with this id (the first one, should validation have found a duplicate), or None."""
        return self._indicator_by_id.get(indicator_id)

    def observations_for(self, indicator_id: str) -> tuple[Observation, ...]:
        """Published values of one indicator, oldest first."""
        return self._observations_by_indicator.get(indicator_id, ())

    def targets_for(self, indicator_id: str) -> tuple[Target, ...]:
        """Targets set for one indicator, in data order (plan packages, then rows)."""
        return self._targets_by_indicator.get(indicator_id, ())

    @cached_property
    def _indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for p in self.plans for i in p.indicators)

    @cached_property
    def _targets(self) -> tuple[Target, ...]:
        return tuple(t for p in self.plans for t in p.targets)

    @cached_property
    def _indicator_by_id(self) -> dict[str, Indicator]:
        found: dict[str, Indicator] = {}
        for indicator in self._indicators:
            found.setdefault(indicator.indicator_id, indicator)
        return found

    @cached_property
    def _observations_by_indicator(self) -> dict[str, tuple[Observation, ...]]:
        grouped: dict[str, list[Observation]] = {}
        for observation in self.observations:
            grouped.setdefault(observation.indicator_id, []).append(observation)
        # sorted() is stable, so equal keys keep data order, as the scan this replaces did.
        return {k: tuple(sorted(v, key=lambda o: (o.year, o.status, o.source_id))) for k, v in grouped.items()}

    @cached_property
    def _targets_by_indicator(self) -> dict[str, tuple[Target, ...]]:
        grouped: dict[str, list[Target]] = {}
        for target in self._targets:
            grouped.setdefault(target.indicator_id, []).append(target)
        return {k: tuple(v) for k, v in grouped.items()}
