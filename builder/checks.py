"""Rules across resources, packages and plans that frictionless cannot express.

Each ``check_*`` is pure: it takes the loaded model and yields Problems, each naming
the CSV file, physical row and field it is about (``at`` is the one place a location
is made). ``validate_data_root`` loads a data directory and, when the packages could
be read, runs every check.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

from builder import plantext
from builder.excel import formula_start
from builder.load import load_data_root
from builder.model import DataRoot, PlanPackage
from builder.problems import Problem, problem

NO_NUMBER_KINDS = ("deferred", "qualitative")
BASELINE_KINDS = ("reduction", "addition")
FIRST_YEAR = 1949
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


def validate_data_root(data_dir: Path, today: date | None = None) -> ValidationResult:
    """Load a data directory and run every cross-resource check on what could be read.

    The checks run even when loading found errors (on the rows that could be read), so one
    run reports every problem, whatever its kind. today: the real date, for dates that cannot
    be in the future (None: no such check).
    """
    data, problems = load_data_root(Path(data_dir))
    if data is not None:
        problems = problems + list(run_checks(data, today))
    return ValidationResult(data, problems)


def run_checks(data: DataRoot, today: date | None = None) -> Iterator[Problem]:
    """Every rule, in a fixed order."""
    for check in CHECKS:
        yield from check(data)
    if today is not None:
        yield from check_source_dates(data, today)


# --- helpers ------------------------------------------------------------------------------------
def at(data: DataRoot, record, resource: str, field: str | None = None) -> dict:
    """File, row and field of a record, for problem(): the one way a location is made."""
    return {"file": data.file_for(record.package, resource), "row": record.row, "field": field}


def records(data: DataRoot) -> Iterator[tuple[str, object]]:
    """(resource, record) for every row of every table."""
    for plan in data.plans:
        for resource, attribute in PLAN_TABLES.items():
            value = getattr(plan, attribute)
            for record in (value,) if resource == "plans" else value:
                yield resource, record
    for record in data.observations:
        yield "observations", record
    for record in data.sources:
        yield "sources", record


def enum_fields(data: DataRoot, folder: str, resource: str) -> set[str]:
    """Fields whose values come from a fixed list (e.g. comparator "="): never free text."""
    package = data.package(folder)
    resources = package.descriptor.get("resources", []) if package else []
    # the descriptor may be malformed (that is reported by the loader); read only what is well formed
    for res in resources if isinstance(resources, list) else []:
        if isinstance(res, dict) and res.get("name") == resource and isinstance(res.get("schema"), dict):
            fields = res["schema"].get("fields")
            return {f["name"] for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)
                    and isinstance(f.get("constraints"), dict) and "enum" in f["constraints"]} \
                if isinstance(fields, list) else set()
    return set()


def as_of_year(data: DataRoot) -> int | None:
    """The year of the latest date the data vouches for: no published value can be for a later year."""
    known = data.latest_known_date()
    return known.year if known else None


def number(value: float) -> str:
    """A number as a maintainer wrote it: 20 not 20.0."""
    return f"{value:g}"


def did_you_mean(value: str, candidates) -> str:
    """"（是否指“x”？）" naming the closest existing id, or ""."""
    close = difflib.get_close_matches(value, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"（是否指“{close[0]}”？）" if close else ""


def _level_of_code(code: str) -> str:
    """What a six-digit division code looks like: state (000000), province (..0000), city (....00) or county."""
    if code == "000000":
        return "state"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


# --- rules ----------------------------------------------------------------------------------------
def check_plans(data: DataRoot) -> Iterator[Problem]:
    """A parent plan exists in the data root and the chain of parents ends; codes fit their level."""
    ids = [p.plan_id for p in data.plans]
    for plan in data.plans:
        record = plan.plan
        parent = record.parent_plan_id
        if parent is not None and data.plan(parent) is None and not data.unreadable:
            yield problem("unknown-plan", f"上级规划“{parent}”不在数据目录中{did_you_mean(parent, ids)}",
                          **at(data, record, "plans", "parent_plan_id"))
        elif parent is not None:
            chain = [plan.plan_id]
            current = data.plan(parent)
            while current is not None and current.plan_id not in chain:
                chain.append(current.plan_id)
                current = data.plan(current.plan.parent_plan_id)
            if current is not None and current.plan_id == plan.plan_id:  # the chain comes back to this very plan
                yield problem("parent-cycle", f"沿 parent_plan_id 追溯：{' → '.join(chain)} → {plan.plan_id}，"
                              "回到了本规划", **at(data, record, "plans", "parent_plan_id"))
        shape = _level_of_code(record.jurisdiction_code)
        if record.jurisdiction_level in ("state", "province", "city") and shape != record.jurisdiction_level:
            yield problem("jurisdiction-level-mismatch", f"行政区划代码 {record.jurisdiction_code} 看起来是 {shape} 级，"
                          f"但 jurisdiction_level 是 {record.jurisdiction_level}",
                          **at(data, record, "plans", "jurisdiction_code"))


def check_indicator_units(data: DataRoot) -> Iterator[Problem]:
    """Every indicator has a unit; a comparable indicator is in the parent plan and has the same unit."""
    for plan in data.plans:
        parent = data.parent(plan)
        for ind in plan.indicators:
            if not ind.unit.strip():
                yield problem("missing-unit", f"指标“{ind.indicator_id}”的单位是空白", **at(data, ind, "indicators", "unit"))
            other_id = ind.comparable_indicator_id
            if other_id is None:
                continue
            where = at(data, ind, "indicators", "comparable_indicator_id")
            if plan.plan.parent_plan_id is None:
                yield problem("comparable-without-parent", f"指标“{ind.indicator_id}”填写了可比指标“{other_id}”，"
                              f"但规划 {plan.plan_id} 没有上级规划（parent_plan_id 为空）", **where)
                continue
            if parent is None or not data.complete(parent.name, "indicators"):
                continue  # an unknown parent is reported by check_plans; an unread row may hold the id
            other = parent.indicator(other_id)
            if other is None:
                yield problem("unknown-indicator", f"可比指标“{other_id}”不在上级规划 {parent.plan_id} 的 indicators 中"
                              f"{did_you_mean(other_id, (i.indicator_id for i in parent.indicators))}", **where)
            elif other.unit != ind.unit:
                yield problem("comparable-unit-mismatch",
                              f"可比指标“{other_id}”的单位是“{other.unit}”，本指标是“{ind.unit}”", **where)


def check_indicator_areas(data: DataRoot) -> Iterator[Problem]:
    """An indicator's area is the area of its task."""
    for plan in data.plans:
        for ind in plan.indicators:
            task = plan.task(ind.task_id)
            if task is not None and task.area_id != ind.area_id:
                shown = "空（主要目标）" if ind.area_id is None else str(ind.area_id)
                yield problem("area-mismatch", f"指标“{ind.indicator_id}”的 area_id 是 {shown}，"
                              f"但任务 {ind.task_id} 属于领域 {task.area_id}", **at(data, ind, "indicators", "area_id"))


def check_observations(data: DataRoot) -> Iterator[Problem]:
    """Published values point to a plan, its indicator and a source, fall in a plausible year, and are unique when final."""
    plan_ids = [p.plan_id for p in data.plans]
    latest = as_of_year(data)
    finals = {}
    for obs in data.observations:
        def where(field):
            return at(data, obs, "observations", field)
        plan = data.plan(obs.plan_id)
        indicator = plan.indicator(obs.indicator_id) if plan else None
        if plan is None and not data.unreadable:
            yield problem("unknown-plan", f"规划“{obs.plan_id}”不在数据目录中{did_you_mean(obs.plan_id, plan_ids)}",
                          **where("plan_id"))
        elif plan is not None and indicator is None and data.complete(plan.name, "indicators"):
            yield problem("unknown-indicator", f"指标“{obs.indicator_id}”不在规划 {plan.plan_id} 的 indicators 中"
                          f"{did_you_mean(obs.indicator_id, (i.indicator_id for i in plan.indicators))}",
                          **where("indicator_id"))
        source = data.source(obs.source_id)
        if source is None and data.complete(data.values.package.folder, "sources"):
            yield problem("unknown-source", f"来源“{obs.source_id}”不在 sources 中"
                          f"{did_you_mean(obs.source_id, (s.source_id for s in data.sources))}", **where("source_id"))
        if obs.year < FIRST_YEAR or (latest is not None and obs.year > latest + 1):
            yield problem("implausible-year", f"年份 {obs.year} 不合理：应在 {FIRST_YEAR} 年到 {latest + 1 if latest else '今年'} "
                          f"年之间（最近一次查阅来源在 {latest} 年，不可能已有更晚年份的公开数值）", **where("year"))
        elif source is not None and obs.year > source.date.year:
            yield problem("observation-after-source", f"{obs.year} 年的数值来自 {source.date.isoformat()} 发布的来源"
                          f"“{source.source_id}”，发布时这一年还没有到", **where("year"))
        if indicator is not None and indicator.unit == "%" and not 0 <= obs.value <= 100:
            yield problem("share-out-of-range", f"{obs.indicator_id} 的单位是 %，数值 {number(obs.value)} 不在 0 到 100 之间",
                          **where("value"))
        if obs.status == "final":
            key = (obs.plan_id, obs.indicator_id, obs.year)
            if key in finals:
                first = finals[key]
                yield problem("duplicate-final-value", f"{obs.indicator_id} 的 {obs.year} 年已有一个最终数值"
                              f"（第 {first.row} 行，来源 {first.source_id}，数值 {number(first.value)}）",
                              **where("status"))
            finals.setdefault(key, obs)


def check_targets(data: DataRoot) -> Iterator[Problem]:
    """Each kind of target has what its progress needs: a value and comparator, a baseline, a sensible tolerance."""
    for plan in data.plans:
        for t in plan.targets:
            def where(field):
                return at(data, t, "targets", field)
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
            indicator = plan.indicator(t.indicator_id)
            yield from target_shares(t, indicator.unit if indicator else None, where)


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


def _quoted(plan: PlanPackage):
    for resource, items, key in (("targets", plan.targets, "target_id"), ("key_projects", plan.key_projects,
                                                                           "project_id")):
        for item in items:
            yield resource, item, getattr(item, key)


def check_quotes(data: DataRoot) -> Iterator[Problem]:
    """Every target and project quotes the plan: not blank, no stray spaces, no page furniture, found in the text."""
    for plan in data.plans:
        located: dict[str, tuple[int, int]] | None = None
        if plan.text:
            quotes = {f"{resource}:{key}": (item.quote_zh, item.clause) for resource, item, key in _quoted(plan)
                      if item.quote_zh.strip()}
            _, located = plantext.locate_in_text(plan.text, plan.furniture, quotes)
        for resource, item, key in _quoted(plan):
            where = at(data, item, resource, "quote_zh")
            if not item.quote_zh.strip():
                yield problem("quote-empty", f"“{key}”的原文引文只有空白字符", **where)
                continue
            if item.quote_zh != item.quote_zh.strip():
                yield problem("quote-untrimmed", f"“{key}”的原文引文首尾有空白字符", **where)
            furniture = plantext.furniture_in(item.quote_zh, plan.furniture)
            if furniture is not None:
                yield problem("quote-furniture", f"“{key}”的原文引文含有版面文字“{furniture}”", **where)
            elif located is not None and f"{resource}:{key}" not in located:
                yield problem("quote-not-found", f"“{key}”的原文引文在 {plan.plan.source_text} 中找不到："
                              f"“{item.quote_zh[:40]}{'…' if len(item.quote_zh) > 40 else ''}”", **where)


def check_task_departments(data: DataRoot) -> Iterator[Problem]:
    """A task whose text names responsible units lists them, with exactly one lead."""
    for plan in data.plans:
        if not data.complete(plan.name, "task_departments"):
            continue  # a left-out row may hold the unit or the lead
        by_task: dict[int, list] = {}
        for td in plan.task_departments:
            by_task.setdefault(td.task_id, []).append(td)
        for task in plan.tasks:
            assigned = by_task.get(task.task_id, [])
            if not assigned:
                if task.responsibility_zh is not None:  # where the plan names no unit, there is none to list
                    yield problem("task-without-department", f"任务 {task.task_id}（{task.title_zh}）写明了责任单位"
                                  f"“{task.responsibility_zh[:30]}”，但 task_departments 中没有",
                                  **at(data, task, "tasks", "task_id"))
                continue
            leads = [td for td in assigned if td.role == "lead"]
            if len(leads) != 1:
                shown = "、".join(td.department_id for td in leads) or "无"
                record = leads[1] if len(leads) > 1 else assigned[0]
                yield problem("task-lead-count", f"任务 {task.task_id} 有 {len(leads)} 个牵头单位（{shown}），应正好 1 个",
                              **at(data, record, "task_departments", "role"))


def check_key_projects(data: DataRoot) -> Iterator[Problem]:
    """A project's status rests on a named source that exists."""
    for plan in data.plans:
        for kp in plan.key_projects:
            where = at(data, kp, "key_projects", "status_source_id")
            sources_read = data.values is not None and data.complete(data.values.package.folder, "sources")
            if kp.status_source_id is not None and data.source(kp.status_source_id) is None and sources_read:
                yield problem("unknown-source", f"来源“{kp.status_source_id}”不在公开数值数据包的 sources 中"
                              f"{did_you_mean(kp.status_source_id, (s.source_id for s in data.sources))}", **where)
            if kp.status != "unknown" and kp.status_source_id is None:
                yield problem("status-without-source", f"项目“{kp.project_id}”的状态是 {kp.status}，但没有注明来源", **where)


def check_formula_injection(data: DataRoot) -> Iterator[Problem]:
    """No text cell starts with a character that makes Excel run it as a formula."""
    skipped: dict[tuple[str, str], set[str]] = {}
    for resource, record in records(data):
        key = (record.package, resource)
        if key not in skipped:
            skipped[key] = enum_fields(data, record.package, resource) | set(type(record).FILLED)
        for f in fields(record):
            value = getattr(record, f.name)
            if f.name in skipped[key] or not isinstance(value, str):
                continue
            start = formula_start(value)
            if start is None:
                continue
            shown = value[:20] + ("…" if len(value) > 20 else "")
            yield problem("formula-injection", f"“{shown.strip()}”以“{start}”开头，Excel 打开时会把它当作公式",
                          **at(data, record, resource, f.name))


def check_source_dates(data: DataRoot, today: date) -> Iterator[Problem]:
    """A source cannot be published or read after today, nor read before it was published."""
    for source in data.sources:
        if source.date > today:
            yield problem("source-date-future", f"来源“{source.source_id}”的发布日期 {source.date.isoformat()} "
                          f"晚于今天（{today.isoformat()}）", **at(data, source, "sources", "date"))
        if source.accessed > today:
            yield problem("accessed-future", f"来源“{source.source_id}”的查阅日期 {source.accessed.isoformat()} "
                          f"晚于今天（{today.isoformat()}）", **at(data, source, "sources", "accessed"))
        elif source.accessed < source.date:
            yield problem("accessed-before-published", f"来源“{source.source_id}”的查阅日期 {source.accessed.isoformat()}"
                          f" 早于发布日期 {source.date.isoformat()}", **at(data, source, "sources", "accessed"))
    latest = as_of_year(data)
    for obs in data.observations:
        if obs.year > today.year and not (latest is not None and obs.year > latest + 1):  # else reported already
            yield problem("implausible-year", f"年份 {obs.year} 还没有到（今天是 {today.isoformat()}），不可能已有这一年的数值",
                          **at(data, obs, "observations", "year"))


def check_unused_sources(data: DataRoot) -> Iterator[Problem]:
    """Every source backs a published value or a project's status."""
    if data.values is None or not data.complete(data.values.package.folder, "observations") or any(
            not data.complete(p.name, "key_projects") for p in data.plans):
        return
    used = {o.source_id for o in data.observations} | {kp.status_source_id for p in data.plans for kp in p.key_projects}
    for source in data.sources:
        if source.source_id not in used:
            yield problem("unused-source", f"来源“{source.source_id}”（{source.title[:30]}）没有被任何公开数值或项目引用",
                          **at(data, source, "sources", "source_id"))


SCALES = (10, 100, 1000)


def _scale_off(value: float, reference: float) -> int | None:
    """The power of ten (10, 100, 1000, or their inverses as negatives) value is off from reference by, if any."""
    if value <= 0 or reference <= 0:
        return None
    ratio = value / reference
    if 0.5 <= ratio <= 2:
        return None
    for factor in SCALES:
        if 0.7 <= ratio * factor <= 1.43:
            return -factor  # the value is factor times too small
        if 0.7 <= ratio / factor <= 1.43:
            return factor
    return None


def check_value_scale(data: DataRoot) -> Iterator[Problem]:
    """A published value about 10, 100 or 1000 times off its indicator's targets, base or neighbouring years."""
    for obs in data.observations:
        plan = data.plan(obs.plan_id)
        indicator = plan.indicator(obs.indicator_id) if plan else None
        if indicator is None:
            continue
        targets = plan.targets_for(indicator.indicator_id)
        if any(t.kind == "count" for t in targets):
            continue  # counts grow from small numbers: a tenfold rise is not a mistake
        references = [(t.target_value, f"{t.target_year or ''} 年目标值") for t in targets
                      if t.kind == "level" and t.target_value]
        references += [(t.baseline_value, f"{t.baseline_year} 年基准值") for t in targets if t.baseline_value]
        references += [(o.value, f"{o.year} 年的公开数值") for o in data.observations_for(indicator.key)
                       if o is not obs and abs(o.year - obs.year) <= 3]
        offs = [(_scale_off(obs.value, value), value, label) for value, label in references]
        if any(off is None for off, _, _ in offs) or not offs:
            continue  # of the same order as at least one reference
        off, value, label = next((o for o in offs if o[0] is not None), (None, None, None))
        if off is None:
            continue
        how = f"约为其 1/{-off}" if off < 0 else f"约为其 {off} 倍"
        yield problem("value-scale", f"{obs.indicator_id} {obs.year} 年的数值 {number(obs.value)} 与{label} {number(value)} "
                      f"相比{how}，单位或小数点可能有误", **at(data, obs, "observations", "value"))


CHECKS = (check_plans, check_indicator_units, check_indicator_areas, check_observations, check_targets,
          check_quotes, check_task_departments, check_key_projects, check_formula_injection, check_unused_sources,
          check_value_scale)
