"""Read a data root into the model, turning every data failure into a Problem.

Every sub-folder of the data root holding a ``datapackage.json`` is a package; what
kind is told by its resources (a ``plans`` table makes a plan package; ``observations``
and ``sources`` the published values), never by the folder's name. Every file a later
stage needs (descriptors, tables, plan texts, READMEs) is read here, once, through
the same path and encoding checks, and carried in the model as bytes.
"""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from builder.load.decode import DecodeProblem, control_name, decode, first_control
from builder.load.paths import MAX_TEXT_BYTES, CONTROL, PathProblem, local_file, shown
from builder.load.tables import (PLAN_RESOURCES, VALUES_RESOURCES, PackageReader, Table, descriptor_line,
                                 map_error, read_text_file)
from builder.model import DataRoot, Furniture, Package, PlanPackage, ValuesPackage
from builder.problems import Problem, Report

MAX_CSV_BYTES = MAX_TEXT_BYTES
README = "README.md"
FURNITURE_KEY = "plan_text_furniture"  # package-level descriptor property: a transcription's page furniture

__all__ = ["MAX_CSV_BYTES", "Table", "display_prefix", "load_data_root", "map_error"]


def display_prefix(data_dir: Path) -> str:
    """How the data directory is named in messages: as typed when relative, else its folder name."""
    if data_dir.is_absolute():
        return data_dir.name or str(data_dir)
    text = PurePosixPath(data_dir.as_posix()).as_posix()
    return text if text != "." else ""


def join_display(*parts: str) -> str:
    """Join path parts with forward slashes, skipping empty and "." parts."""
    return "/".join(p.strip("/") for p in parts if p and p != ".")


def load_data_root(data_dir: Path) -> tuple[DataRoot | None, list[Problem]]:
    """Read every package under data_dir: the model and every problem found.

    When there are errors the model holds what could be read (rows with errors left out, and
    what is missing noted in its ``incomplete``), so later checks can still report every other
    problem in the same run; nothing may be built from it. None only when there is no data root.
    """
    data_dir = Path(data_dir)
    report = Report()
    if not data_dir.is_dir():
        report.add("data-dir-missing", f"数据目录“{shown(str(data_dir))}”不存在或不是目录", file=str(data_dir))
        return None, report.problems
    root = _RootLoader(data_dir, report).load()
    return root, report.problems


class _RootLoader:
    """Finds the packages of one data root and assembles the model from them."""

    def __init__(self, data_dir: Path, report: Report):
        self.data_dir = data_dir
        self.prefix = display_prefix(data_dir)
        self.report = report
        self.incomplete: set[tuple[str, str]] = set()  # (package folder, resource) with rows left out
        self.unreadable = False  # a package could not be read at all

    def add(self, code: str, message: str, **where) -> None:
        self.report.add(code, message, **where)

    def load(self) -> DataRoot:
        """Every package that can be read, with what could not be noted in the model's ``incomplete``."""
        plans: list[PlanPackage] = []
        values: list[ValuesPackage] = []
        packages: list[Package] = []
        if (self.data_dir / "datapackage.json").is_file():  # --data names one package, not the data root
            self.add("package-missing", "给出的数据目录本身是一个数据包，而不是包含各数据包的目录",
                     file=self.prefix or str(self.data_dir),
                     hint=f"--data 应指向包含各数据包的目录（如 datapackages），而不是单个数据包；"
                          f"试试 --data {shown(str(self.data_dir.parent))}")
            return DataRoot(plans=(), unreadable=True)
        for entry in sorted(self.data_dir.iterdir()):
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            display = join_display(self.prefix, shown(entry.name))
            if CONTROL.search(entry.name):
                self.add("path-control-character", f"文件夹名“{shown(entry.name)}”中含有控制字符", file=display)
                self.unreadable = True
                continue
            if not (entry / "datapackage.json").exists() and not (entry / "datapackage.json").is_symlink():
                self.no_descriptor(entry, display)
                continue
            loaded = self.load_package(entry, display)
            if loaded is None:
                self.unreadable = True
                continue
            packages.append(loaded.package)
            (plans if isinstance(loaded, PlanPackage) else values).append(loaded)
        if not plans and not self.report.has_errors:
            self.add("package-missing", "数据目录中没有规划数据包（含 plans 表的数据包）",
                     file=self.prefix or str(self.data_dir))
        self.check_unique(plans, values, packages)
        return DataRoot(plans=order_plans(plans), values=values[0] if values else None,
                        packages=tuple(sorted(packages, key=lambda p: p.folder)),
                        incomplete=frozenset(self.incomplete), unreadable=self.unreadable)

    def no_descriptor(self, entry: Path, display: str) -> None:
        """A folder without datapackage.json: a package that lost it, or not a package at all."""
        has_data = any(p.suffix.lower() in (".csv", ".json") for p in entry.rglob("*") if p.is_file())
        if has_data:
            self.add("descriptor-missing", f"“{shown(entry.name)}”中有数据文件，但没有 datapackage.json",
                     file=f"{display}/datapackage.json")
            self.unreadable = True  # any plan, indicator or source may be in the package that could not be read
        else:
            self.add("unknown-package", f"子目录“{shown(entry.name)}”没有 datapackage.json，不是数据包，已忽略",
                     file=display)

    # --- one package ----------------------------------------------------------------------------
    def load_package(self, pkg_dir: Path, display: str) -> PlanPackage | ValuesPackage | None:
        """The package in pkg_dir, with the rows that could be read; None when it cannot be read at all."""
        reader = PackageReader(self.report, pkg_dir, display)
        parsed = reader.read_descriptor()
        if parsed is None:
            return None
        descriptor, text = parsed
        kind, expected = self.kind_of(descriptor, reader.descriptor_file)
        if kind is None:
            return None
        resources = reader.check_descriptor(descriptor, text, expected)
        tables: dict[str, Table] = {}
        for name, res in resources.items():
            table = reader.read_table(res, text)
            if table is not None:
                tables[name] = table
        reader.incomplete.update(name for name in expected if name not in tables)
        reader.validate_tables(tables)
        furniture = self.furniture(descriptor, reader.descriptor_file, text) if kind == "plan" else Furniture()
        self.read_readme(reader)
        if kind == "values":
            objects = {name: reader.build_objects(table) for name, table in tables.items()}
            self.incomplete.update((reader.folder, name) for name in reader.incomplete)
            return ValuesPackage(self.package(reader, descriptor, kind), tuple(objects.get("observations", ())),
                                 tuple(objects.get("sources", ())))
        found = self.plan_package(reader, descriptor, tables, furniture)
        self.incomplete.update((reader.folder, name) for name in reader.incomplete)
        return found

    def kind_of(self, descriptor: dict, file: str) -> tuple[str | None, tuple[str, ...]]:
        """Whether a descriptor describes a plan package or the published values, from its resources."""
        resources = descriptor.get("resources")
        if not isinstance(resources, list) or not resources:
            self.add("descriptor-invalid", "datapackage.json 缺少 resources 列表，或它不是非空数组", file=file,
                     field="resources")
            return None, ()
        names = {r.get("name") for r in resources if isinstance(r, dict) and isinstance(r.get("name"), str)}
        if "plans" in names:
            return "plan", PLAN_RESOURCES
        if names & set(VALUES_RESOURCES):
            return "values", VALUES_RESOURCES
        self.add("descriptor-invalid", "无法判断数据包的类型：规划数据包要有 plans 表，公开数值数据包要有 observations 和 "
                 "sources 表", file=file, field="resources")
        return None, ()

    def furniture(self, descriptor: dict, file: str, text: str) -> Furniture:
        """The transcription's page furniture the descriptor declares (plan_text_furniture), checked."""
        declared = descriptor.get(FURNITURE_KEY)
        if declared is None:
            return Furniture()
        line = descriptor_line(text, FURNITURE_KEY)
        if not isinstance(declared, dict) or set(declared) - {"lines", "fragments"}:
            self.add("descriptor-invalid", f"{FURNITURE_KEY} 必须是只含 lines 和 fragments 两个键的对象", file=file,
                     row=line, field=FURNITURE_KEY)
            return Furniture()
        found: dict[str, tuple[str, ...]] = {}
        for key in ("lines", "fragments"):
            patterns = declared.get(key, [])
            if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
                self.add("descriptor-invalid", f"{FURNITURE_KEY}.{key} 必须是由正则表达式（文字）组成的数组",
                         file=file, row=line, field=f"{FURNITURE_KEY}.{key}")
                continue
            valid = []
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except (re.error, RecursionError, OverflowError):
                    self.add("descriptor-invalid", f"{FURNITURE_KEY}.{key} 中的“{pattern}”不是合法的正则表达式",
                             file=file, row=line, field=f"{FURNITURE_KEY}.{key}")
                    continue
                valid.append(pattern)
            found[key] = tuple(valid)
        return Furniture(found.get("lines", ()), found.get("fragments", ()))

    def read_readme(self, reader: PackageReader) -> None:
        """The package's README.md (it ships in the download zip), checked like every other file."""
        path = reader.pkg_dir / README
        if not path.exists() and not path.is_symlink():
            return
        file = f"{reader.display}/{README}"
        found = local_file(reader.pkg_dir, path, README, MAX_TEXT_BYTES)
        if isinstance(found, PathProblem):
            self.add(found.code, found.message, file=file)
            return
        data = found.read_bytes()
        text = decode(data)
        if isinstance(text, DecodeProblem):
            self.add(text.code, text.message, file=file, row=text.line)
            return
        control = first_control(text)
        if control is not None:
            self.add("control-character", f"第 {control[0]} 行含有{control_name(control[1])}", file=file,
                     row=control[0])
            return
        reader.files[README] = data

    def package(self, reader: PackageReader, descriptor: dict, kind: str) -> Package:
        return Package(folder=reader.folder, name=str(descriptor.get("name") or reader.folder), kind=kind,
                       descriptor=descriptor, display=reader.display, files=dict(sorted(reader.files.items())),
                       resources=dict(reader.resource_paths))

    def plan_package(self, reader: PackageReader, descriptor: dict, tables: dict[str, Table],
                     furniture: Furniture) -> PlanPackage | None:
        """The plan package: its one plan, then every table's readable records filled with the plan's id."""
        if "plans" not in tables:
            return None
        plans = reader.build_objects(tables["plans"])
        if len(plans) != 1:
            if not tables["plans"].bad_rows:
                self.add("plan-count", f"plans 表应正好有一行，现在有 {len(plans)} 行", file=tables["plans"].file,
                         row=plans[1].row if len(plans) > 1 else None)
            return None
        plan = plans[0]
        filled = {"plan_id": plan.plan_id}
        objects = {name: reader.build_objects(table, None if name in ("plans", "action_areas") else filled)
                   for name, table in tables.items() if name != "plans"}
        text = None
        if plan.source_text:
            where = {"file": tables["plans"].file, "row": plan.row, "field": "source_text"}
            read = read_text_file(self.report, reader.pkg_dir, plan.source_text,
                                  file=f"{reader.display}/{plan.source_text}", path_where=where)
            if read is not None:
                text, data = read
                reader.files[plan.source_text] = data
            else:
                reader.incomplete.add("source_text")
        return PlanPackage(
            package=self.package(reader, descriptor, "plan"), plan=plan,
            areas=tuple(objects.get("action_areas", ())), tasks=tuple(objects.get("tasks", ())),
            departments=tuple(objects.get("departments", ())),
            task_departments=tuple(objects.get("task_departments", ())),
            indicators=tuple(objects.get("indicators", ())), targets=tuple(objects.get("targets", ())),
            key_projects=tuple(objects.get("key_projects", ())), text=text, furniture=furniture)

    # --- across packages ------------------------------------------------------------------------
    def check_unique(self, plans: list[PlanPackage], values: list[ValuesPackage], packages: list[Package]) -> None:
        """Package names and plan ids are unique in the data root; there is at most one values package."""
        seen_names: dict[str, Package] = {}
        for package in packages:
            other = seen_names.setdefault(package.name, package)
            if other is not package:
                self.add("duplicate-package-name", f"数据包名称“{package.name}”已被 {other.display} 使用",
                         file=f"{package.display}/datapackage.json", field="name")
        seen_plans: dict[str, PlanPackage] = {}
        for plan in plans:
            other = seen_plans.setdefault(plan.plan_id, plan)
            if other is not plan:
                self.unreadable = True  # which of the two a reference means cannot be told
                self.add("duplicate-plan-id", f"规划标识“{plan.plan_id}”已被 {other.package.file_for('plans')} 使用",
                         file=plan.package.file_for("plans"), row=plan.plan.row, field="plan_id")
        for extra in values[1:]:
            self.add("duplicate-values-package", f"{extra.package.display} 和 {values[0].package.display} 都是公开数值数据包",
                     file=f"{extra.package.display}/datapackage.json")


def order_plans(plans: list[PlanPackage]) -> tuple[PlanPackage, ...]:
    """Plans without a parent in the data root first, each followed by its children, depth first.

    Siblings by jurisdiction code then plan id. A plan caught in a cycle of parents (a check
    reports it) is appended at the end, so nothing is lost.
    """
    by_id = {p.plan_id: p for p in plans}
    children: dict[str | None, list[PlanPackage]] = {}
    for plan in plans:
        parent = plan.plan.parent_plan_id if plan.plan.parent_plan_id in by_id else None
        children.setdefault(parent, []).append(plan)
    ordered: list[PlanPackage] = []
    seen: set[str] = set()

    def visit(parent: str | None) -> None:
        for plan in sorted(children.get(parent, []), key=lambda p: (p.plan.jurisdiction_code, p.plan_id)):
            if plan.plan_id in seen:
                continue
            seen.add(plan.plan_id)
            ordered.append(plan)
            visit(plan.plan_id)

    visit(None)
    ordered.extend(sorted((p for p in plans if p.plan_id not in seen), key=lambda p: p.plan_id))
    return tuple(ordered)
