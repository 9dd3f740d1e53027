"""Read a data root into the model, turning every data failure into a Problem.

The only user of frictionless. Nothing is handed to frictionless by path: each
descriptor is parsed here, every resource path is checked (relative, inside its
package, a regular local file, not too large), the bytes are decoded here (UTF-8
with or without BOM; GBK recognised and explained) and parsed with ``csv`` in strict
mode. Frictionless then validates the rows as inline data (types, constraints,
primary and foreign keys), so it never opens a file, follows a symlink or fetches
a URL. Errors this module did not anticipate are not caught: a crash must not look
like a data problem.
"""
from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
import stat
import types
import typing
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path, PurePosixPath

from frictionless import FrictionlessException, Package

from builder.model import (ActionArea, DataRoot, Department, Indicator, KeyProject, Observation, Plan,
                           PlanPackage, Source, Target, Task, TaskDepartment)
from builder.problems import Problem, problem

MAX_CSV_BYTES = 50 * 1024 * 1024  # per CSV file; our tables are a few hundred kB
MAX_DESCRIPTOR_BYTES = 5 * 1024 * 1024  # per datapackage.json
MB = 1024 * 1024

PLAN_RESOURCES = ("plans", "action_areas", "tasks", "departments", "task_departments", "indicators",
                  "targets", "key_projects")
PACKAGES: dict[str, tuple[str, ...]] = {
    "songyuan-plan": PLAN_RESOURCES,
    "jilin-plan": PLAN_RESOURCES,
    "published-values": ("observations", "sources"),
}
PLAN_PACKAGES = ("songyuan-plan", "jilin-plan")
MODELS: dict[str, type] = {
    "plans": Plan, "action_areas": ActionArea, "tasks": Task, "departments": Department,
    "task_departments": TaskDepartment, "indicators": Indicator, "targets": Target,
    "key_projects": KeyProject, "observations": Observation, "sources": Source,
}
NOT_COLUMNS = {"package", "row"}  # model fields filled by the loader, not read from a column
PYTHON_TO_TABLE_TYPE = {str: "string", int: "integer", float: "number", bool: "boolean", date: "date"}
ID_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
TYPE_ZH = {"number": "数字", "integer": "整数", "boolean": "true 或 false", "date": "YYYY-MM-DD 格式的日期",
           "string": "文字", "year": "年份"}
TYPE_HINT = {
    "number": "填写阿拉伯数字，不带单位、百分号或千位分隔符，例如 8.6",
    "integer": "填写不带小数点的整数，例如 2025",
    "boolean": "填写 true 或 false",
    "date": "按 YYYY-MM-DD 填写日期，例如 2023-12-26（Excel 可能把日期改成 2023/12/26，请改回）",
}
REMOTE_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")
SOURCE_TEXT_PATH = re.compile(r"^[\w.\-/]+\.(txt|md)$")
JSON_MESSAGES_ZH = {
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting property name enclosed in double quotes": "属性名必须用英文双引号括起来（也可能是多了一个逗号）",
    "Expecting value": "这里缺少一个值（也可能是多了一个逗号）",
    "Unterminated string starting at": "字符串的引号没有闭合",
    "Extra data": "JSON 结束之后还有多余的内容",
    "Invalid control character at": "字符串中有未转义的控制字符（如换行）",
    "Invalid \\escape": "字符串中有无效的反斜杠转义",
}


@dataclass
class Table:
    """One CSV resource as read from disk, before frictionless sees it."""

    package: str
    resource: str
    file: str  # as shown in messages
    schema: dict
    header: list[str]
    records: list[list[str]]  # data rows, without the header
    lines: list[int]  # physical line on which each record starts; lines[0] is the header

    def line(self, row_number: int) -> int:
        """Physical line of a frictionless row number (header = 1); differs when a cell spans lines."""
        index = row_number - 1
        return self.lines[index] if 0 <= index < len(self.lines) else row_number


def model_columns(model: type) -> dict[str, tuple[str, bool]]:
    """Column name -> (table schema type, required) for a model dataclass."""
    hints = typing.get_type_hints(model)
    columns = {}
    for f in fields(model):
        if f.name in NOT_COLUMNS:
            continue
        hint = hints[f.name]
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        base = next(a for a in args if a is not type(None))
        columns[f.name] = (PYTHON_TO_TABLE_TYPE[base], type(None) not in args)
    return columns


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
    """Read every package under data_dir; the model is None when any error was found."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return None, [problem("data-dir-missing", f"数据目录“{data_dir}”不存在或不是目录", file=str(data_dir))]
    loader = Loader(data_dir)
    return loader.load(), loader.problems


class Loader:
    """Collects problems while reading one data root."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.prefix = display_prefix(data_dir)
        self.problems: list[Problem] = []

    def add(self, code: str, message: str, **where) -> None:
        """Record one problem."""
        self.problems.append(problem(code, message, **where))

    @property
    def has_errors(self) -> bool:
        """Whether any error (not a warning) has been recorded."""
        return any(p.is_error for p in self.problems)

    # --- the data root -------------------------------------------------------------------------
    def load(self) -> DataRoot | None:
        """Every expected package, then the model; None when any error was found."""
        for entry in sorted(self.data_dir.iterdir()):
            if entry.is_dir() and entry.name not in PACKAGES and not entry.name.startswith("."):
                self.add("unknown-package", f"子目录“{entry.name}”不是已知的数据包（应为 {'、'.join(PACKAGES)}），已忽略",
                         file=join_display(self.prefix, entry.name), severity="warning")
        loaded = {name: self.load_package(name, resources) for name, resources in PACKAGES.items()}
        if self.has_errors:
            return None
        return self.build_root(loaded)

    def load_package(self, name: str, expected: tuple[str, ...]) -> tuple[dict, dict[str, list]] | None:
        """(descriptor, resource name -> model objects), or None when the package has errors."""
        pkg_dir = self.data_dir / name
        if not pkg_dir.is_dir():
            hint = None
            if (self.data_dir / "datapackage.json").exists():  # --data names one package, not the data root
                hint = f"--data 应指向包含各数据包的目录（如 datapackages），而不是单个数据包；试试 --data {self.data_dir.parent}"
            self.add("package-missing", f"缺少数据包目录“{name}”", file=join_display(self.prefix, name), hint=hint)
            return None
        errors_before = sum(p.is_error for p in self.problems)
        parsed = self.read_descriptor(pkg_dir, name)
        if parsed is None:
            return None
        descriptor, descriptor_text = parsed
        resources = self.check_descriptor(descriptor, descriptor_text, name, expected)
        tables = {}
        for res_name, res in resources.items():
            table = self.read_table(pkg_dir, name, res, descriptor_text)
            if table is not None:
                tables[res_name] = table
        self.validate_tables(name, tables)
        if sum(p.is_error for p in self.problems) > errors_before:
            return None
        objects = {res_name: self.build_objects(table) for res_name, table in tables.items()}
        if sum(p.is_error for p in self.problems) > errors_before:
            return None
        return descriptor, objects

    # --- datapackage.json ---------------------------------------------------------------------
    def descriptor_file(self, name: str) -> str:
        """The datapackage.json of a package, as shown in messages."""
        return join_display(self.prefix, name, "datapackage.json")

    def read_descriptor(self, pkg_dir: Path, name: str) -> tuple[dict, str] | None:
        """The parsed datapackage.json and its text, or None after reporting why it cannot be used."""
        file = self.descriptor_file(name)
        path = pkg_dir / "datapackage.json"
        if not path.exists() and not path.is_symlink():
            self.add("descriptor-missing", f"数据包“{name}”中没有 datapackage.json", file=file)
            return None
        resolved = self.safe_local_file(pkg_dir, path, "datapackage.json", MAX_DESCRIPTOR_BYTES, file=file)
        if resolved is None:
            return None
        text = self.decode(resolved.read_bytes(), file)
        if text is None:
            return None
        try:
            descriptor = json.loads(text)
        except json.JSONDecodeError as exc:
            reason = next((zh for en, zh in JSON_MESSAGES_ZH.items() if exc.msg.startswith(en)), exc.msg)
            self.add("json-invalid", f"第 {exc.lineno} 行第 {exc.colno} 列：{reason}（{exc.msg}）",
                     file=file, row=exc.lineno)
            return None
        if not isinstance(descriptor, dict):
            self.add("descriptor-invalid", "datapackage.json 的最外层必须是一个 JSON 对象（{ … }）", file=file)
            return None
        return descriptor, text

    def check_descriptor(self, descriptor: dict, text: str, name: str, expected: tuple[str, ...]) -> dict[str, dict]:
        """The usable resource descriptors by name, after reporting structural problems."""
        file = self.descriptor_file(name)
        resources = descriptor.get("resources")
        if not isinstance(resources, list) or not resources:
            self.add("descriptor-invalid", "datapackage.json 缺少 resources 列表，或它不是非空数组", file=file,
                     field="resources")
            return {}
        usable: dict[str, dict] = {}
        for index, res in enumerate(resources):
            if not isinstance(res, dict) or not isinstance(res.get("name"), str):
                self.add("descriptor-invalid", f"resources 的第 {index + 1} 项必须是带有 name 的对象", file=file,
                         field="resources")
                continue
            res_name = res["name"]
            line = descriptor_line(text, res_name)
            if res_name in usable:
                self.add("descriptor-invalid", f"资源名“{res_name}”出现了不止一次", file=file, row=line, field="name")
                continue
            if res_name not in expected:
                self.add("descriptor-invalid",
                         f"资源“{res_name}”不在本数据包的约定中（应为 {'、'.join(expected)}）",
                         file=file, row=line, field="name",
                         hint="删除该资源的描述；如确需新增表格，请先与维护者商定数据约定")
                continue
            if self.check_resource_descriptor(res, file, text, MODELS[res_name]):
                usable[res_name] = res
        for res_name in expected:
            declared = any(isinstance(r, dict) and r.get("name") == res_name for r in resources)
            if not declared:
                self.add("resource-missing", f"resources 中缺少资源“{res_name}”", file=file, field="resources")
        self.check_foreign_keys(usable, file, text)
        return usable

    def check_resource_descriptor(self, res: dict, file: str, text: str, model: type) -> bool:
        """Whether a resource descriptor is something the loader can honour; reports why not."""
        res_name = res["name"]
        line = descriptor_line(text, res_name)

        def bad(message: str, field: str) -> bool:
            self.add("descriptor-invalid", f"资源“{res_name}”：{message}", file=file, row=line, field=field)
            return False

        if "data" in res:
            return bad("不能用 data 内嵌数据，请用 path 指向 data/ 中的 CSV 文件", "data")
        if not isinstance(res.get("path"), str) or not res["path"].strip():
            return bad("path 必须是一个文件路径（字符串），例如 data/targets.csv", "path")
        if res.get("format", "csv") != "csv":
            return bad(f"format 应为 csv，而不是“{res.get('format')}”", "format")
        if str(res.get("encoding", "utf-8")).lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
            return bad(f"encoding 应为 utf-8，而不是“{res.get('encoding')}”", "encoding")
        dialect = res.get("dialect")
        if dialect is not None and (not isinstance(dialect, dict) or dialect.get("delimiter", ",") != ","
                                    or dialect.get("header", True) is not True):
            return bad("dialect 只能是内嵌对象，且分隔符为逗号、第一行为表头；最好删除 dialect", "dialect")
        schema = res.get("schema")
        if not isinstance(schema, dict):
            return bad("schema 必须直接写在 datapackage.json 中（一个对象），不能引用外部文件或网址", "schema")
        columns = schema.get("fields")
        if not isinstance(columns, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str)
                                                    for c in columns):
            return bad("schema.fields 必须是由带 name 的对象组成的数组", "schema")
        declared = {c["name"]: c for c in columns}
        ok = True
        for column, (table_type, _) in model_columns(model).items():
            if column not in declared:
                ok = bad(f"schema 中缺少字段“{column}”", column)
            elif declared[column].get("type", "string") != table_type:
                ok = bad(f"字段“{column}”的类型应为 {table_type}，而不是 {declared[column].get('type')}", column)
        for column in columns:
            ok = self.check_constraints(column, bad) and ok
        key = schema.get("primaryKey", [])
        key = [key] if isinstance(key, str) else key
        if not isinstance(key, list) or any(k not in declared for k in key):
            ok = bad(f"primaryKey {json.dumps(key, ensure_ascii=False)} 中有 schema 里没有的字段", "primaryKey")
        return ok

    @staticmethod
    def check_constraints(column: dict, bad) -> bool:
        """Constraint values frictionless would crash on rather than report."""
        constraints = column.get("constraints", {})
        name = column["name"]
        if not isinstance(constraints, dict):
            return bad(f"字段“{name}”的 constraints 必须是对象", name)
        numeric = column.get("type") in ("integer", "number")
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            value = constraints.get(key)
            if value is not None and numeric and (isinstance(value, bool) or not isinstance(value, (int, float))):
                return bad(f"字段“{name}”的约束 {key} 必须是数字，而不是 {json.dumps(value, ensure_ascii=False)}", name)
        for key in ("minLength", "maxLength"):
            value = constraints.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                return bad(f"字段“{name}”的约束 {key} 必须是整数", name)
        pattern = constraints.get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, TypeError):
                return bad(f"字段“{name}”的约束 pattern 不是合法的正则表达式：{pattern!r}", name)
        enum = constraints.get("enum")
        if enum is not None and not isinstance(enum, list):
            return bad(f"字段“{name}”的约束 enum 必须是数组", name)
        return True

    def check_foreign_keys(self, usable: dict[str, dict], file: str, text: str) -> None:
        """Drop resources whose foreignKeys point at resources or fields that do not exist."""
        described = dict(usable)
        for res_name, res in described.items():
            keys = res["schema"].get("foreignKeys", [])
            reason = None if isinstance(keys, list) else "foreignKeys 必须是数组"
            for fk in keys if isinstance(keys, list) else []:
                reason = reason or foreign_key_problem(fk, res_name, res["schema"], described)
            if reason:
                self.add("descriptor-invalid", f"资源“{res_name}”的 foreignKeys：{reason}", file=file,
                         row=descriptor_line(text, res_name), field="foreignKeys")
                usable.pop(res_name)

    # --- paths and bytes ----------------------------------------------------------------------
    def resource_path(self, pkg_dir: Path, raw: str, *, where: dict, disk_where: dict,
                      max_bytes: int) -> Path | None:
        """The checked local file a path names, or None after reporting why it is unsafe.

        Problems with the path as written go to ``where`` (the line naming it); problems with
        the file on disk (a symlink, a directory, its size) go to ``disk_where``.
        """
        if "\x00" in raw:
            self.add("descriptor-invalid", f"路径“{raw!r}”中含有空字符", **where)
            return None
        if raw.startswith(("/", "\\")) or WINDOWS_ABSOLUTE.match(raw):
            self.add("path-absolute", f"路径“{raw}”是绝对路径", **where)
            return None
        if REMOTE_SCHEME.match(raw):
            self.add("path-remote", f"路径“{raw}”是网址或远程地址，构建只读取数据包内的本地文件", **where)
            return None
        parts = [p for p in re.split(r"[\\/]", raw) if p not in ("", ".")]
        if ".." in parts:
            self.add("path-parent", f"路径“{raw}”含有“..”，指向数据包目录之外", **where)
            return None
        return self.safe_local_file(pkg_dir, pkg_dir.joinpath(*parts), raw, max_bytes, **disk_where)

    def safe_local_file(self, pkg_dir: Path, path: Path, raw: str, max_bytes: int, *, file: str,
                        row: int | None = None, field: str | None = None) -> Path | None:
        """The resolved file if it stays inside the package, exists, is a regular file and is small enough."""
        where = {"file": file, "row": row, "field": field}
        try:
            resolved = path.resolve()
        except RuntimeError:  # a symlink loop (Python 3.11 raises RuntimeError)
            self.add("path-not-file", f"路径“{raw}”是循环的符号链接", **where)
            return None
        if not resolved.is_relative_to(pkg_dir.resolve()):
            self.add("path-symlink-escape", f"路径“{raw}”经符号链接指向数据包之外的“{resolved}”", **where)
            return None
        try:
            info = resolved.stat()
        except FileNotFoundError:
            self.add("file-missing", f"找不到文件“{raw}”{similar_name_hint(resolved)}", **where)
            return None
        if not stat.S_ISREG(info.st_mode):
            kind = "目录" if stat.S_ISDIR(info.st_mode) else "特殊文件"
            self.add("path-not-file", f"路径“{raw}”是{kind}，不是普通文件", **where)
            return None
        if info.st_size > max_bytes:
            self.add("file-too-large", f"文件“{raw}”有 {info.st_size / MB:.1f} MB，超过上限 {max_bytes // MB} MB，未读取",
                     **where)
            return None
        return resolved

    def decode(self, data: bytes, file: str) -> str | None:
        """The text of a file: UTF-8 with or without BOM; GBK and others are reported."""
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.add("encoding-invalid", "文件是 UTF-16 编码（Excel 的“Unicode 文本”），不是 UTF-8", file=file, row=line)
            return None
        try:
            gbk_text = data.decode("gb18030")
        except UnicodeDecodeError:
            gbk_text = None
        if gbk_text is not None and re.search(r"[\u4e00-\u9fff]", gbk_text):
            bad_line = gbk_text.splitlines()[line - 1] if line - 1 < len(gbk_text.splitlines()) else ""
            sample = bad_line.strip()[:30]
            self.add("encoding-gbk", f"文件不是 UTF-8，看起来是 Excel 以 GBK 编码保存的（第 {line} 行：“{sample}”）",
                     file=file, row=line)
        else:
            self.add("encoding-invalid", f"文件第 {line} 行有无法识别的字节，既不是 UTF-8 也不是 GBK", file=file, row=line)
        return None

    # --- CSV --------------------------------------------------------------------------------------
    def read_table(self, pkg_dir: Path, package: str, res: dict, descriptor_text: str) -> Table | None:
        """Check the path, decode and parse one CSV and check its header; None after reporting a problem."""
        raw = res["path"]
        descriptor_file = self.descriptor_file(package)
        if res.get("scheme", "file") != "file":
            self.add("path-remote", f"资源“{res['name']}”的 scheme 是“{res['scheme']}”，只允许本地文件（file）",
                     file=descriptor_file, row=descriptor_line(descriptor_text, res["name"]), field="scheme")
            return None
        file = join_display(self.prefix, package, normalise(raw))
        path = self.resource_path(pkg_dir, raw, max_bytes=MAX_CSV_BYTES, disk_where={"file": file},
                                  where={"file": descriptor_file, "row": descriptor_line(descriptor_text, raw),
                                         "field": "path"})
        if path is None:
            return None
        text = self.decode(path.read_bytes(), file)
        if text is None:
            return None
        parsed = self.parse_csv(text, file)
        if parsed is None:
            return None
        records, lines = parsed
        table = Table(package, res["name"], file, res["schema"], records[0], records[1:], lines)
        return table if self.check_header(table) else None

    def parse_csv(self, text: str, file: str) -> tuple[list[list[str]], list[int]] | None:
        """Records and the physical line each starts on (strict: unbalanced quotes are reported)."""
        if not text.strip():
            self.add("csv-malformed", "文件是空的，至少要有一行列名（表头）", file=file, row=1)
            return None
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        records, lines = [], []
        start = 1
        try:
            for record in reader:
                records.append(record)
                lines.append(start)
                start = reader.line_num + 1
        except csv.Error as exc:
            detail = str(exc)
            if "unexpected end of data" in detail:
                message = f"从第 {start} 行开始的双引号没有闭合，文件直到结尾都在这个单元格里"
            elif "expected after" in detail:
                message = f"第 {reader.line_num} 行：右双引号后面紧跟着其他字符（应为逗号或换行）"
            else:
                message = f"第 {start} 行无法解析：{detail}"
            self.add("csv-malformed", message, file=file, row=start)
            return None
        return records, lines

    def check_header(self, table: Table) -> bool:
        """Report missing, extra, renamed, duplicated or reordered columns; True when the header is right."""
        names = [c["name"] for c in table.schema["fields"]]
        header = table.header
        before = len(self.problems)
        at = {"file": table.file, "row": 1}
        for label in sorted({h for h in header if h and header.count(h) > 1}):
            self.add("duplicate-column", f"列名“{label}”出现了 {header.count(label)} 次", field=label, **at)
        for position, label in enumerate(header, start=1):
            if not label.strip():
                self.add("extra-column", f"第 {position} 列没有列名（常见于行尾多余的逗号）", **at)
        missing = [n for n in names if n not in header]
        extra = [h for h in dict.fromkeys(header) if h.strip() and h not in names]
        renamed = []
        for label in list(extra):  # same name but for case or spaces
            match = next((n for n in missing if n.lower() == label.strip().lower()), None)
            if match:
                renamed.append((label, match))
                extra.remove(label)
                missing.remove(match)
        if len(header) == len(names):  # a column renamed in place
            for label, name in zip(header, names):
                if label in extra and name in missing:
                    renamed.append((label, name))
                    extra.remove(label)
                    missing.remove(name)
        for label, name in renamed:
            self.add("renamed-column", f"列名“{label}”应为“{name}”", field=name, **at)
        for name in missing:
            self.add("missing-column", f"缺少列“{name}”", field=name, **at)
        for label in extra:
            self.add("extra-column", f"列“{label}”不在 schema 中", field=label, **at)
        if len(self.problems) == before and header != names:
            self.add("column-order", f"列的顺序应为：{','.join(names)}", **at)
        return len(self.problems) == before

    # --- frictionless ---------------------------------------------------------------------------
    def validate_tables(self, package: str, tables: dict[str, Table]) -> None:
        """Types, constraints, primary and foreign keys of the readable tables, via frictionless."""
        if not tables:
            return
        descriptor = frictionless_descriptor(package, tables)
        report = Package.validate_descriptor(descriptor)
        if not report.valid:
            for error in report.flatten(["type", "note"]):
                self.add("descriptor-invalid", f"frictionless 认为描述无效：{error[0]}：{error[1]}",
                         file=self.descriptor_file(package))
            return
        try:
            report = Package(descriptor).validate()
        except FrictionlessException as exc:  # frictionless rejecting the schema is a descriptor problem
            self.add("descriptor-invalid", f"frictionless 无法使用该描述：{exc.error.note or exc.error.message}",
                     file=self.descriptor_file(package))
            return
        for task in report.tasks:
            table = tables[task.name]
            self.problems.extend(map_errors(task.errors, table, tables))

    def build_objects(self, table: Table) -> list:
        """Model objects for every row of a table frictionless found valid."""
        model = MODELS[table.resource]
        columns = model_columns(model)
        schema_fields = {c["name"]: c for c in table.schema["fields"]}
        missing = set(table.schema.get("missingValues", [""]))
        position = {name: i for i, name in enumerate(table.header)}
        has_package = "package" in {f.name for f in fields(model)}
        objects = []
        for index, record in enumerate(table.records, start=2):
            line = table.line(index)
            values = {}
            errors_before = len(self.problems)
            for column, (table_type, required) in columns.items():
                cell = record[position[column]]
                where = {"file": table.file, "row": line, "field": column}
                if cell in missing:
                    if required:  # only when someone removed "required" from the schema
                        self.add("cell-constraint", "必填，不能为空", **where)
                    values[column] = None
                    continue
                try:
                    values[column] = parse_cell(cell, table_type, schema_fields[column])
                except ValueError:
                    self.add("cell-type", f"“{cell}” 不是{'有限的' if table_type == 'number' else ''}"
                             f"{TYPE_ZH[table_type]}", hint=TYPE_HINT.get(table_type), **where)
            if len(self.problems) > errors_before:
                continue
            if has_package:
                values["package"] = table.package
            objects.append(model(**values, row=line))
        return objects

    # --- the model -------------------------------------------------------------------------------
    def build_root(self, loaded: dict) -> DataRoot | None:
        """The DataRoot from every package's objects, checking each plan package has exactly one plan."""
        plans = []
        files = {}
        descriptors = {}
        for name, (descriptor, objects) in loaded.items():
            descriptors[name] = descriptor
            for res in descriptor["resources"]:
                files[(name, res["name"])] = join_display(self.prefix, name, normalise(res["path"]))
        for name in PLAN_PACKAGES:
            descriptor, objects = loaded[name]
            rows = objects["plans"]
            if len(rows) != 1:
                self.add("plan-count", f"plans 表应正好有一行，现在有 {len(rows)} 行",
                         file=files[(name, "plans")], row=rows[1].row if len(rows) > 1 else None)
                continue
            plan = rows[0]
            self.check_source_text(plan, files[(name, "plans")])
            plans.append(PlanPackage(
                name=name, descriptor=descriptor, plan=plan, areas=tuple(objects["action_areas"]),
                tasks=tuple(objects["tasks"]), departments=tuple(objects["departments"]),
                task_departments=tuple(objects["task_departments"]), indicators=tuple(objects["indicators"]),
                targets=tuple(objects["targets"]), key_projects=tuple(objects["key_projects"])))
        if self.has_errors:
            return None
        values = loaded["published-values"][1]
        return DataRoot(plans=tuple(plans), observations=tuple(values["observations"]),
                        sources=tuple(values["sources"]), descriptors=descriptors, files=files)

    def check_source_text(self, plan: Plan, file: str) -> None:
        """plans.source_text, when it names a file, must be a safe file inside the package."""
        if not SOURCE_TEXT_PATH.match(plan.source_text):
            return
        where = {"file": file, "row": plan.row, "field": "source_text"}
        self.resource_path(self.data_dir / plan.package, plan.source_text, where=where, disk_where=where,
                           max_bytes=MAX_CSV_BYTES)


# --- helpers --------------------------------------------------------------------------------------
def descriptor_line(text: str, value: str) -> int | None:
    """The first line of a descriptor's text holding this JSON string value, for messages."""
    needle = json.dumps(value, ensure_ascii=False)
    index = text.find(needle)
    if index < 0:
        needle = json.dumps(value)
        index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def parse_cell(cell: str, table_type: str, column: dict):
    """A cell frictionless accepted, as a Python value; ValueError for what the model cannot hold."""
    if table_type == "integer":
        return int(cell)
    if table_type == "number":
        value = float(cell)
        if not math.isfinite(value):
            raise ValueError(cell)
        return value
    if table_type == "boolean":
        if cell in column.get("trueValues", ["true", "True", "TRUE", "1"]):
            return True
        if cell in column.get("falseValues", ["false", "False", "FALSE", "0"]):
            return False
        raise ValueError(cell)
    if table_type == "date":
        return date.fromisoformat(cell)
    return cell


def normalise(raw: str) -> str:
    """A relative path as the maintainer would type it: forward slashes, no "." parts."""
    return "/".join(p for p in re.split(r"[\\/]", raw) if p not in ("", "."))


def similar_name_hint(path: Path) -> str:
    """A "did you mean" note naming a file with a similar name in the same folder."""
    try:
        siblings = [p.name for p in path.parent.iterdir()]
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, siblings, n=1, cutoff=0.6)
    close = close or [s for s in siblings if s.lower() == path.name.lower()]
    return f"（是否指“{close[0]}”？文件名区分大小写）" if close else ""


def as_list(value) -> list:
    """A key's fields as a list (a single name may be written as a string)."""
    return [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []


def foreign_key_problem(fk, res_name: str, schema: dict, usable: dict[str, dict]) -> str | None:
    """Why a foreignKeys entry cannot be checked, or None when it is well formed."""
    if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
        return "每一项必须是带 fields 和 reference 的对象"
    target = fk["reference"].get("resource") or res_name
    own = {c["name"] for c in schema["fields"]}
    if not as_list(fk.get("fields")) or any(f not in own for f in as_list(fk.get("fields"))):
        return f"fields {json.dumps(fk.get('fields'), ensure_ascii=False)} 不是本表的字段"
    if target not in usable:
        return f"引用的资源“{target}”不存在或无法读取"
    other = {c["name"] for c in usable[target]["schema"]["fields"]}
    ref_fields = as_list(fk["reference"].get("fields"))
    if not ref_fields or any(f not in other for f in ref_fields):
        return f"引用的字段 {json.dumps(fk['reference'].get('fields'), ensure_ascii=False)} 不在“{target}”中"
    return None


def frictionless_descriptor(package: str, tables: dict[str, Table], *, keep_foreign_keys: bool = True) -> dict:
    """An in-memory package with inline rows: frictionless never opens a file or a URL."""
    resources = []
    for name, table in tables.items():
        schema = {k: v for k, v in table.schema.items() if k != "foreignKeys"}
        if keep_foreign_keys:
            # a key into a table that could not be read is skipped; that table's own problem is reported
            schema["foreignKeys"] = [fk for fk in table.schema.get("foreignKeys", [])
                                     if (fk["reference"].get("resource") or name) in tables]
        resources.append({"name": name, "data": InlineRows([table.header, *table.records]), "schema": schema})
    return {"name": package, "resources": resources}


class InlineRows(list):
    """A table's rows handed to frictionless inline, never copied.

    frictionless deep-copies a descriptor each time it reads, checks or exports it, three or
    four times a validation: at 1,000 indicators a third of the validate stage went to copying
    rows. It only reads them, so each "copy" can be the same list.
    """

    def __deepcopy__(self, memo: dict) -> InlineRows:
        return self


def map_errors(errors: list, table: Table, tables: dict[str, Table]) -> list[Problem]:
    """Frictionless errors of one table as Problems pointing at physical lines, one per defect."""
    fields_by_name = {c["name"]: c for c in table.schema["fields"]}
    blank_rows = {e.row_number for e in errors if e.type == "blank-row"}
    missing_cells: dict[int, list[str]] = {}
    extra_cells: dict[int, int] = {}
    for e in errors:
        if e.type == "missing-cell":
            missing_cells.setdefault(e.row_number, []).append(e.field_name)
        elif e.type == "extra-cell":
            extra_cells[e.row_number] = extra_cells.get(e.row_number, 0) + 1
    problems = []
    at = {"file": table.file}
    width = len(table.header)
    for number, missing in sorted(missing_cells.items()):
        problems.append(problem("missing-cell", f"该行只有 {width - len(missing)} 个单元格，表头有 {width} 列"
                                f"（缺少 {'、'.join(missing)}）", row=table.line(number), **at))
    for number, extra in sorted(extra_cells.items()):
        problems.append(problem("extra-cell", f"该行有 {width + extra} 个单元格，比表头的 {width} 列多 {extra} 个",
                                row=table.line(number), **at))
    for e in errors:
        number = getattr(e, "row_number", None)
        if e.type in ("missing-cell", "extra-cell"):
            continue
        if number in blank_rows and e.type != "blank-row":
            continue  # a blank row also breaks its key; one message is enough
        if e.type == "constraint-error" and e.field_name in missing_cells.get(number, []):
            continue
        mapped = map_error(e, table, tables, fields_by_name)
        if mapped:
            problems.append(mapped)
    return problems


def map_error(e, table: Table, tables: dict[str, Table], fields_by_name: dict) -> Problem:
    """One frictionless error as a Problem with a stable code and a Chinese message."""
    number = getattr(e, "row_number", None)
    where = {"file": table.file, "row": table.line(number) if number else 1}
    field_name = getattr(e, "field_name", None) or None
    if e.type == "type-error":
        field_type = fields_by_name[field_name].get("type", "string")
        return problem("cell-type", f"“{e.cell}” 不是{TYPE_ZH.get(field_type, field_type)}", field=field_name,
                       hint=TYPE_HINT.get(field_type), **where)
    if e.type == "constraint-error":
        return problem("cell-constraint", constraint_message(e, fields_by_name[field_name]), field=field_name,
                       **where)
    if e.type in ("primary-key", "unique-error"):
        return problem("duplicate-key", key_message(e, table), field=field_name, **where)
    if e.type == "foreign-key":
        ref = tables.get(e.reference_name or table.resource)
        values = "、".join(f"“{c}”" for c in e.field_cells)
        return problem("broken-reference",
                       f"{'、'.join(e.field_names)} 的值 {values} 在 {e.reference_name or table.resource} 表的 "
                       f"{'、'.join(e.reference_field_names)} 中找不到",
                       field=e.field_names[0] if len(e.field_names) == 1 else None,
                       hint=f"检查拼写，或先在 {ref.file if ref else e.reference_name} 中添加该行", **where)
    if e.type == "blank-row":
        return problem("blank-row", "这一行是空行", **where)
    label_codes = {"missing-label": "missing-column", "extra-label": "extra-column",
                   "incorrect-label": "renamed-column", "duplicate-label": "duplicate-column",
                   "blank-label": "extra-column"}
    if e.type in label_codes:
        return problem(label_codes[e.type], f"表头第 {e.field_number} 列：{e.message}", field=field_name, **where)
    return problem("table-invalid", f"{e.type}：{e.message}", field=field_name, **where)


def constraint_message(e, column: dict) -> str:
    """A Chinese sentence for a frictionless constraint error, naming the value and the rule."""
    match = re.search(r'constraint "(\w+)" is "(.*)"', e.note or "")
    name = match.group(1) if match else ""
    constraints = column.get("constraints", {})
    cell = e.cell
    if name == "required":
        return "必填，不能为空"
    if name == "enum":
        return f"“{cell}” 不是允许的取值（允许：{'、'.join(map(str, constraints.get('enum', [])))}）"
    if name == "pattern":
        if constraints.get("pattern") == ID_PATTERN:
            return f"“{cell}” 格式不对：标识只能由小写字母、数字和连字符组成（如 non-fossil-share），不能有空格或大写"
        return f"“{cell}” 不符合格式 {constraints.get('pattern')}"
    if name in ("minimum", "exclusiveMinimum"):
        return f"“{cell}” 小于允许的最小值 {constraints.get(name)}"
    if name in ("maximum", "exclusiveMaximum"):
        return f"“{cell}” 大于允许的最大值 {constraints.get(name)}"
    if name == "minLength":
        return f"“{cell}” 太短，至少要 {constraints.get(name)} 个字符"
    if name == "maxLength":
        return f"“{cell}” 太长，最多 {constraints.get(name)} 个字符"
    return f"“{cell}” 不符合约束：{e.note}"


def key_message(e, table: Table) -> str:
    """A Chinese sentence for a duplicate key, naming the key and the first row holding it."""
    key = as_list(table.schema.get("primaryKey", []))
    index = {c["name"]: i for i, c in enumerate(table.schema["fields"])}
    record = table.records[e.row_number - 2] if 0 <= e.row_number - 2 < len(table.records) else []
    values = "，".join(f"{k}=“{record[index[k]]}”" for k in key if index.get(k, len(record)) < len(record))
    if e.type == "unique-error":
        return f"字段 {e.field_name} 的值“{e.cell}”与另一行重复，必须唯一"
    match = re.search(r"row at position (\d+)", e.note or "")
    if match:
        return f"主键 {values} 与第 {table.line(int(match.group(1)))} 行重复"
    return f"主键 {'、'.join(key)} 不能为空"
