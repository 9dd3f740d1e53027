"""Rules across resources and packages that frictionless cannot express.

Each ``check_*`` is pure: it takes the loaded model and yields Problems, each naming
the CSV file, physical row and field it is about. ``validate_data_root`` loads a data
directory and, when the packages could be read, runs every check.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from builder.load import load_data_root
from builder.model import DataRoot, Department, Indicator, PlanPackage
from builder.problems import Problem, problem

VALUES = "published-values"
NO_NUMBER_KINDS = ("deferred", "qualitative")
BASELINE_KINDS = ("reduction", "addition")
FIRST_YEAR = 1949
FORMULA_STARTS = {"=": "=", "+": "+", "-": "-", "@": "@", "\t": "制表符", "\r": "回车符"}
PLAN_TABLES = {"plans": "plan", "action_areas": "areas", "tasks": "tasks", "departments": "departments",
               "task_departments": "task_departments", "indicators": "indicators", "targets": "targets",
               "key_projects": "key_projects"}


@dataclass(frozen=True)
class ValidationResult:
    """What ``carbon-site validate`` reports: the model (None when it could not be loaded) and every problem."""

    data: DataRoot | None
    problems: list[Problem]

    @property
    def has_errors(self) -> bool:
        """Whether any problem is an error (warnings alone do not fail validation)."""
        return any(p.is_error for p in self.problems)


def validate_data_root(data_dir: Path) -> ValidationResult:
    """Load a data directory and, if it could be read, run every cross-resource check."""
    data, problems = load_data_root(Path(data_dir))
    if data is not None:
        problems = problems + list(run_checks(data))
    return ValidationResult(data, problems)


def run_checks(data: DataRoot) -> Iterator[Problem]:
    """Every rule, in a fixed order."""
    for check in CHECKS:
        yield from check(data)


# --- helpers ------------------------------------------------------------------------------------
def at(data: DataRoot, package: str, resource: str, record, field: str | None = None) -> dict:
    """File, row and field of a record, for problem()."""
    return {"file": data.file_for(package, resource), "row": record.row, "field": field}


def indicator_index(data: DataRoot) -> dict[str, tuple[PlanPackage, Indicator]]:
    """Every indicator of every plan package by indicator_id."""
    return {i.indicator_id: (p, i) for p in data.plans for i in p.indicators}


def records(data: DataRoot) -> Iterator[tuple[str, str, object]]:
    """(package, resource, record) for every row of every table."""
    for pkg in data.plans:
        for resource, attribute in PLAN_TABLES.items():
            value = getattr(pkg, attribute)
            for record in (value,) if resource == "plans" else value:
                yield pkg.name, resource, record
    for record in data.observations:
        yield VALUES, "observations", record
    for record in data.sources:
        yield VALUES, "sources", record


def enum_fields(data: DataRoot, package: str, resource: str) -> set[str]:
    """Fields whose values come from a fixed list (e.g. comparator "="): never free text."""
    descriptor = data.descriptors.get(package, {})
    for res in descriptor.get("resources", []):
        if res.get("name") == resource:
            return {f["name"] for f in res["schema"]["fields"] if "enum" in f.get("constraints", {})}
    return set()


def as_of_year(data: DataRoot) -> int | None:
    """The year of the latest date the data vouches for: no published value can be for a later year."""
    known = data.latest_known_date()
    return known.year if known else None


def number(value: float) -> str:
    """A number as a maintainer wrote it: 20 not 20.0."""
    return f"{value:g}"


# --- rules ----------------------------------------------------------------------------------------
def check_indicator_ids(data: DataRoot) -> Iterator[Problem]:
    """indicator_id is unique across packages; Jilin's start with jl-, no one else's do."""
    seen: dict[str, tuple[str, Indicator]] = {}
    for pkg in data.plans:
        for ind in pkg.indicators:
            where = at(data, pkg.name, "indicators", ind, "indicator_id")
            if ind.indicator_id in seen and seen[ind.indicator_id][0] != pkg.name:
                other_pkg, other = seen[ind.indicator_id]
                yield problem("duplicate-indicator-id", f"指标标识“{ind.indicator_id}”已在 {other_pkg} 中使用"
                              f"（{data.file_for(other_pkg, 'indicators')} 第 {other.row} 行）", **where)
            seen.setdefault(ind.indicator_id, (pkg.name, ind))
            is_jilin = pkg.name == "jilin-plan"
            if is_jilin != ind.indicator_id.startswith("jl-"):
                rule = "必须以 jl- 开头" if is_jilin else "不能以 jl- 开头（jl- 留给吉林省的指标）"
                yield problem("indicator-id-prefix", f"{pkg.name} 的指标标识“{ind.indicator_id}”{rule}", **where)


def check_department_ids(data: DataRoot) -> Iterator[Problem]:
    """department_id is unique across plan packages: each unit gets one page on the site."""
    seen: dict[str, tuple[str, Department]] = {}
    for pkg in data.plans:
        for dept in pkg.departments:
            if dept.department_id in seen and seen[dept.department_id][0] != pkg.name:
                other_pkg, other = seen[dept.department_id]
                yield problem("duplicate-department-id", f"单位标识“{dept.department_id}”已在 {other_pkg} 中使用"
                              f"（{data.file_for(other_pkg, 'departments')} 第 {other.row} 行）",
                              **at(data, pkg.name, "departments", dept, "department_id"))
            seen.setdefault(dept.department_id, (pkg.name, dept))


def check_indicator_units(data: DataRoot) -> Iterator[Problem]:
    """Every indicator has a unit; a comparable indicator exists and has the same unit."""
    index = indicator_index(data)
    for pkg in data.plans:
        for ind in pkg.indicators:
            if not ind.unit.strip():
                yield problem("missing-unit", f"指标“{ind.indicator_id}”的单位是空白",
                              **at(data, pkg.name, "indicators", ind, "unit"))
            other_id = ind.comparable_indicator_id
            if other_id is None:
                continue
            where = at(data, pkg.name, "indicators", ind, "comparable_indicator_id")
            if other_id not in index:
                yield problem("unknown-indicator", f"可比指标“{other_id}”在任何规划包中都不存在", **where)
            elif index[other_id][1].unit != ind.unit:
                yield problem("comparable-unit-mismatch",
                              f"可比指标“{other_id}”的单位是“{index[other_id][1].unit}”，本指标是“{ind.unit}”",
                              severity="warning", **where)


def check_indicator_areas(data: DataRoot) -> Iterator[Problem]:
    """An indicator's area is the area of its task."""
    for pkg in data.plans:
        task_area = {t.task_id: t.area_id for t in pkg.tasks}
        for ind in pkg.indicators:
            if ind.task_id is not None and ind.task_id in task_area and task_area[ind.task_id] != ind.area_id:
                shown = "空（主要目标）" if ind.area_id is None else str(ind.area_id)
                yield problem("area-mismatch", f"指标“{ind.indicator_id}”的 area_id 是 {shown}，"
                              f"但任务 {ind.task_id} 属于领域 {task_area[ind.task_id]}",
                              **at(data, pkg.name, "indicators", ind, "area_id"))


def check_observations(data: DataRoot) -> Iterator[Problem]:
    """Published values point to an indicator and a source, fall in a plausible year, and are unique when final."""
    indicators = indicator_index(data)
    sources = {s.source_id: s for s in data.sources}
    latest = as_of_year(data)
    finals = {}
    for obs in data.observations:
        def where(field):
            return at(data, VALUES, "observations", obs, field)
        if obs.indicator_id not in indicators:
            yield problem("unknown-indicator", f"指标“{obs.indicator_id}”在 songyuan-plan 和 jilin-plan 中都不存在",
                          **where("indicator_id"))
        source = sources.get(obs.source_id)
        if source is None:
            yield problem("unknown-source", f"来源“{obs.source_id}”不在 sources 中", **where("source_id"))
        if obs.year < FIRST_YEAR or (latest is not None and obs.year > latest + 1):
            yield problem("implausible-year", f"年份 {obs.year} 不合理：应在 {FIRST_YEAR} 年到 {latest + 1 if latest else '今年'} "
                          f"年之间（最近一次查阅来源在 {latest} 年，不可能已有更晚年份的公开数值）", **where("year"))
        elif source is not None and obs.year > source.date.year:
            yield problem("observation-after-source", f"{obs.year} 年的数值来自 {source.date.isoformat()} 发布的来源"
                          f"“{source.source_id}”，发布时这一年还没有到", **where("year"))
        unit = indicators[obs.indicator_id][1].unit if obs.indicator_id in indicators else None
        if unit == "%" and not 0 <= obs.value <= 100:
            yield problem("share-out-of-range", f"{obs.indicator_id} 的单位是 %，数值 {number(obs.value)} 不在 0 到 100 之间",
                          **where("value"))
        if obs.status == "final":
            key = (obs.indicator_id, obs.year)
            if key in finals:
                first = finals[key]
                yield problem("duplicate-final-value", f"{obs.indicator_id} 的 {obs.year} 年已有一个最终数值"
                              f"（第 {first.row} 行，来源 {first.source_id}，数值 {number(first.value)}）",
                              **where("status"))
            finals.setdefault(key, obs)


def check_targets(data: DataRoot) -> Iterator[Problem]:
    """Each kind of target has what its progress needs: a value and comparator, a baseline, a sensible tolerance."""
    for pkg in data.plans:
        units = {i.indicator_id: i.unit for i in pkg.indicators}
        for t in pkg.targets:
            def where(field):
                return at(data, pkg.name, "targets", t, field)
            if t.kind in NO_NUMBER_KINDS:
                present = [f for f in ("target_value", "comparator", "tolerance") if getattr(t, f) is not None]
                if present:
                    yield problem("target-value-unexpected", f"{t.kind} 类目标“{t.target_id}”不应填写 {'、'.join(present)}",
                                  **where(present[0]))
            else:
                for field in ("target_value", "comparator"):
                    if getattr(t, field) is None:
                        yield problem("target-value-missing", f"{t.kind} 类目标“{t.target_id}”缺少 {field}",
                                      **where(field))
                if t.tolerance is not None and t.comparator != "≈":
                    yield problem("tolerance-invalid", f"目标“{t.target_id}”的比较方式是“{t.comparator or '空'}”，"
                                  f"只有 ≈（左右）才能有容差", **where("tolerance"))
                elif t.tolerance is not None and t.target_value is not None and t.tolerance >= abs(t.target_value) > 0:
                    yield problem("tolerance-invalid", f"目标“{t.target_id}”的容差 {number(t.tolerance)} 不小于目标值 "
                                  f"{number(t.target_value)}", **where("tolerance"))
            if t.kind in BASELINE_KINDS and t.baseline_year is None:
                yield problem("baseline-year-missing", f"{t.kind} 类目标“{t.target_id}”缺少基准年", **where("baseline_year"))
            if t.baseline_year is not None and t.target_year is not None and t.target_year <= t.baseline_year:
                yield problem("target-year-before-baseline", f"目标“{t.target_id}”的目标年份 {t.target_year} "
                              f"不晚于基准年 {t.baseline_year}", **where("target_year"))
            yield from target_shares(t, units.get(t.indicator_id), where)


def target_shares(t, unit: str | None, where) -> Iterator[Problem]:
    """A reduction is a percentage; a level or baseline of a % indicator is a share."""
    if t.target_value is not None and t.kind == "reduction" and not 0 <= t.target_value <= 100:
        yield problem("share-out-of-range", f"目标“{t.target_id}”的下降百分比 {number(t.target_value)} 不在 0 到 100 之间",
                      **where("target_value"))
    elif t.target_value is not None and t.kind == "level" and unit == "%" and not 0 <= t.target_value <= 100:
        yield problem("share-out-of-range", f"目标“{t.target_id}”的单位是 %，目标值 {number(t.target_value)} 不在 0 到 100 之间",
                      **where("target_value"))
    if t.baseline_value is not None and unit == "%" and not 0 <= t.baseline_value <= 100:
        yield problem("share-out-of-range", f"目标“{t.target_id}”的单位是 %，基准值 {number(t.baseline_value)} 不在 0 到 100 之间",
                      **where("baseline_value"))


def check_quotes(data: DataRoot) -> Iterator[Problem]:
    """Every target and project quotes the plan: not blank, no stray spaces around it."""
    for pkg in data.plans:
        for resource, items, key in (("targets", pkg.targets, "target_id"), ("key_projects", pkg.key_projects,
                                                                              "project_id")):
            for item in items:
                where = at(data, pkg.name, resource, item, "quote_zh")
                if not item.quote_zh.strip():
                    yield problem("quote-empty", f"“{getattr(item, key)}”的原文引文只有空白字符", **where)
                elif item.quote_zh != item.quote_zh.strip():
                    yield problem("quote-untrimmed", f"“{getattr(item, key)}”的原文引文首尾有空白字符",
                                  severity="warning", **where)


def check_task_departments(data: DataRoot) -> Iterator[Problem]:
    """A task whose text names responsible units lists them, with exactly one lead."""
    for pkg in data.plans:
        by_task: dict[int, list] = {}
        for td in pkg.task_departments:
            by_task.setdefault(td.task_id, []).append(td)
        for task in pkg.tasks:
            assigned = by_task.get(task.task_id, [])
            if not assigned:
                if task.responsibility_zh is not None:  # where the plan names no unit, there is none to list
                    yield problem("task-without-department", f"任务 {task.task_id}（{task.title_zh}）写明了责任单位"
                                  f"“{task.responsibility_zh[:30]}”，但 task_departments 中没有",
                                  **at(data, pkg.name, "tasks", task, "task_id"))
                continue
            leads = [td for td in assigned if td.role == "lead"]
            if len(leads) != 1:
                shown = "、".join(td.department_id for td in leads) or "无"
                record = leads[1] if len(leads) > 1 else assigned[0]
                yield problem("task-lead-count", f"任务 {task.task_id} 有 {len(leads)} 个牵头单位（{shown}），应正好 1 个",
                              **at(data, pkg.name, "task_departments", record, "role"))


def check_key_projects(data: DataRoot) -> Iterator[Problem]:
    """A project's status rests on a named source that exists."""
    sources = {s.source_id for s in data.sources}
    for pkg in data.plans:
        for kp in pkg.key_projects:
            where = at(data, pkg.name, "key_projects", kp, "status_source_id")
            if kp.status_source_id is not None and kp.status_source_id not in sources:
                yield problem("unknown-source", f"来源“{kp.status_source_id}”不在 published-values 的 sources 中", **where)
            if kp.status != "unknown" and kp.status_source_id is None:
                yield problem("status-without-source", f"项目“{kp.project_id}”的状态是 {kp.status}，但没有注明来源", **where)


def check_formula_injection(data: DataRoot) -> Iterator[Problem]:
    """No text cell starts with a character that makes Excel run it as a formula."""
    for package, resource, record in records(data):
        skip = enum_fields(data, package, resource) | {"package"}
        for f in fields(record):
            value = getattr(record, f.name)
            if f.name in skip or not isinstance(value, str) or not value or value[0] not in FORMULA_STARTS:
                continue
            shown = value[:20] + ("…" if len(value) > 20 else "")
            yield problem("formula-injection", f"“{shown.strip()}”以“{FORMULA_STARTS[value[0]]}”开头，"
                          f"Excel 打开时会把它当作公式", **at(data, package, resource, record, f.name))


CHECKS = (check_indicator_ids, check_department_ids, check_indicator_units, check_indicator_areas, check_observations, check_targets,
          check_quotes, check_task_departments, check_key_projects, check_formula_injection)
