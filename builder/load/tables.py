"""One package's descriptor and CSV tables into model objects, via frictionless.

The only user of frictionless. Nothing is handed to frictionless by path: the
descriptor is parsed here, every resource path is checked (``paths``), the bytes are
decoded here (``decode``) and parsed with ``csv`` in strict mode. Frictionless then
validates the rows as inline data (types, constraints, primary and foreign keys), so
it never opens a file, follows a symlink or fetches a URL. Errors this module did not
anticipate are not caught: a crash must not look like a data problem.
"""
from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
import types
import typing
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

from frictionless import FrictionlessException, Package

from builder.load.decode import DecodeProblem, control_name, decode, first_control, mojibake, visible
from builder.load.paths import MAX_DESCRIPTOR_BYTES, MAX_TEXT_BYTES, PathProblem, local_file, member_file, normalise
from builder.model import (ActionArea, Department, Indicator, KeyProject, Observation, Plan, Source, Target, Task,
                           TaskDepartment)
from builder.problems import Problem, Report, problem

PLAN_RESOURCES = ("plans", "action_areas", "tasks", "departments", "task_departments", "indicators",
                  "targets", "key_projects")
VALUES_RESOURCES = ("observations", "sources")
MODELS: dict[str, type] = {
    "plans": Plan, "action_areas": ActionArea, "tasks": Task, "departments": Department,
    "task_departments": TaskDepartment, "indicators": Indicator, "targets": Target,
    "key_projects": KeyProject, "observations": Observation, "sources": Source,
}
PYTHON_TO_TABLE_TYPE = {str: "string", int: "integer", float: "number", bool: "boolean", date: "date"}
ID_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
CELL_LIMIT = 131072  # characters in one CSV cell (the csv module's default limit)
MAX_DESCRIPTOR_DEPTH = 32  # nesting of objects and arrays in a datapackage.json
TYPE_ZH = {"number": "数字", "integer": "整数", "boolean": "true 或 false", "date": "YYYY-MM-DD 格式的日期",
           "string": "文字", "year": "年份"}
TYPE_HINT = {
    "number": "填写阿拉伯数字，不带单位、百分号或千位分隔符，例如 8.6",
    "integer": "填写不带小数点的整数，例如 2025",
    "boolean": "填写 true 或 false",
    "date": "按 YYYY-MM-DD 填写日期，例如 2023-12-26（Excel 可能把日期改成 2023/12/26，请改回）",
}
# What each code of a closed vocabulary means, shown with it when a cell holds something else.
ENUM_MEANINGS = {
    "level": "水平", "reduction": "比基准年下降", "addition": "新增", "count": "计数", "deferred": "完成上级下达目标",
    "qualitative": "定性", ">=": "不低于", "<=": "不高于", ">": "高于", "<": "低于", "≈": "左右", "=": "等于",
    "preliminary": "初步数", "final": "最终数", "revised": "修订数", "unknown": "未知", "planned": "规划中",
    "under-construction": "在建", "completed": "已建成", "cancelled": "已取消", "lead": "牵头", "support": "配合",
    "higher": "越高越好", "lower": "越低越好", "state": "国家", "province": "省级", "city": "地级市", "county": "县级",
    "true": "是", "false": "否",
}
# What each format (a field's constraints.pattern) asks for, in words: for messages and the data dictionary.
PATTERN_WORDS = {
    ID_PATTERN: "小写字母、数字和连字符（-），例如 forest-coverage",
    "^[0-9]{6}$": "6 位数字（行政区划代码），例如 220700",
    "^source/[A-Za-z0-9._-]+\\.txt$": "source/ 文件夹中的 .txt 文件，文件名只用字母、数字、点、下划线和连字符",
    "^https?://\\S+$": "以 http:// 或 https:// 开头的完整网址，不含空格",
    "^[一二三四五六七八九十]+(（[一二三四五六七八九十]+）)?([0-9]{1,3})?$":
        "条款编号：中文数字，可接全角括号中的中文数字和阿拉伯数字，例如 三、三（一）、二（十一）3",
}
CONSTRAINT_HINTS = {
    "required": "这一格必填：按规划原文或来源填写；确实没有的，请先确认该字段是否允许留空（见数据字典）",
    "enum": "从括号中列出的取值里选一个，照原样填写（区分大小写，不要加空格）",
    "minimum": "核对数值：它小于该字段允许的最小值",
    "exclusiveMinimum": "核对数值：它必须大于消息中的下限",
    "maximum": "核对数值：它大于该字段允许的最大值",
    "exclusiveMaximum": "核对数值：它必须小于消息中的上限",
    "minLength": "补全文字：它比允许的最短长度还短",
    "maxLength": "缩短文字：它超过了允许的最大长度",
}
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

    package: str  # package folder
    resource: str
    file: str  # as shown in messages
    schema: dict
    header: list[str]
    records: list[list[str]]  # data rows, without the header
    lines: list[int]  # physical line on which each record starts; lines[0] is the header
    bad_rows: set[int] = field(default_factory=set)  # frictionless row numbers (header = 1) found invalid
    misread: bool = False  # frictionless guessed another header (a file cut off): its key checks are not trusted

    def line(self, row_number: int) -> int:
        """Physical line of a frictionless row number (header = 1); differs when a cell spans lines."""
        index = row_number - 1
        return self.lines[index] if 0 <= index < len(self.lines) else row_number


def model_columns(model: type) -> dict[str, tuple[str, bool]]:
    """Column name -> (table schema type, required) for a model dataclass."""
    hints = typing.get_type_hints(model)
    columns = {}
    for f in fields(model):
        if f.name in model.FILLED:
            continue
        hint = hints[f.name]
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        base = next(a for a in args if a is not type(None))
        columns[f.name] = (PYTHON_TO_TABLE_TYPE[base], type(None) not in args)
    return columns


def descriptor_line(text: str, value: str) -> int | None:
    """The first line of a descriptor's text holding this JSON string value, for messages."""
    needle = json.dumps(value, ensure_ascii=False)
    index = text.find(needle)
    if index < 0:
        needle = json.dumps(value)
        index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def read_text_file(report: Report, pkg_dir: Path, raw: str, *, file: str, path_where: dict,
                   max_bytes: int = MAX_TEXT_BYTES) -> tuple[str, bytes] | None:
    """A package file's text and bytes, checked like every file the build reads; None after reporting why not.

    path_where: where a problem with the path as written is reported (the line that names it);
    problems with the file itself (its encoding, a control character) are reported against file.
    """
    found = member_file(pkg_dir, raw, max_bytes)
    if isinstance(found, PathProblem):
        report.add(found.code, found.message, **({"file": file} if found.on_disk else path_where))
        return None
    data = found.read_bytes()
    text = decode(data)
    if isinstance(text, DecodeProblem):
        report.add(text.code, text.message, file=file, row=text.line)
        return None
    control = first_control(text)
    if control is not None:
        line, ch = control
        report.add("control-character", f"第 {line} 行含有{control_name(ch)}", file=file, row=line)
        return None
    return text, data


class PackageReader:
    """Reads one package folder into its descriptor, files and model objects, reporting every problem."""

    def __init__(self, report: Report, pkg_dir: Path, display: str):
        self.report = report
        self.pkg_dir = pkg_dir
        self.folder = pkg_dir.name
        self.display = display  # the folder as shown in messages
        self.descriptor_file = f"{display}/datapackage.json"
        self.files: dict[str, bytes] = {}
        self.resource_paths: dict[str, str] = {}
        self.incomplete: set[str] = set()  # resources missing or with rows left out because of errors

    def add(self, code: str, message: str, **where) -> None:
        self.report.add(code, message, **where)

    # --- datapackage.json ---------------------------------------------------------------------
    def read_descriptor(self) -> tuple[dict, str] | None:
        """The parsed datapackage.json and its text, or None after reporting why it cannot be used."""
        file = self.descriptor_file
        found = local_file(self.pkg_dir, self.pkg_dir / "datapackage.json", "datapackage.json", MAX_DESCRIPTOR_BYTES)
        if isinstance(found, PathProblem):
            self.add(found.code, found.message, file=file)
            return None
        data = found.read_bytes()
        text = decode(data)
        if isinstance(text, DecodeProblem):
            self.add(text.code, text.message, file=file, row=text.line)
            return None
        try:
            descriptor = json.loads(text)
        except json.JSONDecodeError as exc:
            reason = next((zh for en, zh in JSON_MESSAGES_ZH.items() if exc.msg.startswith(en)), exc.msg)
            self.add("json-invalid", f"第 {exc.lineno} 行第 {exc.colno} 列：{reason}（{exc.msg}）", file=file,
                     row=exc.lineno)
            return None
        except RecursionError:
            self.add("json-invalid", f"JSON 的方括号或花括号嵌套太深，无法解析（本项目的描述文件最多嵌套 "
                     f"{MAX_DESCRIPTOR_DEPTH} 层）", file=file)
            return None
        if not isinstance(descriptor, dict):
            self.add("descriptor-invalid", "datapackage.json 的最外层必须是一个 JSON 对象（{ … }）", file=file)
            return None
        if _depth(descriptor) > MAX_DESCRIPTOR_DEPTH:
            self.add("descriptor-invalid", f"JSON 嵌套超过 {MAX_DESCRIPTOR_DEPTH} 层，不像数据包描述文件", file=file)
            return None
        control = _control_in_strings(descriptor)
        if control is not None:
            where, ch = control
            self.add("control-character", f"{where} 中含有{control_name(ch)}", file=file,
                     row=None, field=where)
            return None
        self.files["datapackage.json"] = data
        return descriptor, text

    def check_descriptor(self, descriptor: dict, text: str, expected: tuple[str, ...]) -> dict[str, dict]:
        """The usable resource descriptors by name, after reporting structural problems."""
        file = self.descriptor_file
        resources = descriptor.get("resources")
        if not isinstance(descriptor.get("name", ""), str):
            self.add("descriptor-invalid", "name 必须是文字", file=file, field="name")
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
            if self.check_resource_descriptor(res, text, MODELS[res_name]):
                usable[res_name] = res
        for res_name in expected:
            declared = any(isinstance(r, dict) and r.get("name") == res_name for r in resources)
            if not declared:
                self.add("resource-missing", f"resources 中缺少资源“{res_name}”", file=file, field="resources")
        self.check_foreign_keys(usable, text)
        self.incomplete.update(name for name in expected if name not in usable)
        return usable

    def check_resource_descriptor(self, res: dict, text: str, model: type) -> bool:
        """Whether a resource descriptor is something the loader can honour; reports why not."""
        res_name = res["name"]
        line = descriptor_line(text, res_name)

        def bad(message: str, field: str) -> bool:
            self.add("descriptor-invalid", f"资源“{res_name}”：{message}", file=self.descriptor_file, row=line,
                     field=field)
            return False

        if "data" in res:
            return bad("不能用 data 内嵌数据，请用 path 指向 data/ 中的 CSV 文件", "data")
        if not isinstance(res.get("path"), str) or not res["path"].strip():
            return bad("path 必须是一个文件路径（字符串），例如 data/targets.csv", "path")
        if res.get("format", "csv") != "csv":
            return bad(f"format 应为 csv，而不是“{res.get('format')}”", "format")
        if str(res.get("encoding", "utf-8")).lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
            return bad(f"encoding 应为 utf-8，而不是“{res.get('encoding')}”", "encoding")
        if res.get("scheme", "file") != "file":
            return bad(f"scheme 是“{res.get('scheme')}”，只允许本地文件（file）", "scheme")
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
        if not isinstance(key, list) or not all(isinstance(k, str) for k in key) or any(k not in declared for k in key):
            ok = bad(f"primaryKey {json.dumps(key, ensure_ascii=False)} 中有 schema 里没有的字段", "primaryKey")
        missing_values = schema.get("missingValues", [""])
        if not isinstance(missing_values, list) or not all(isinstance(v, str) for v in missing_values):
            ok = bad("missingValues 必须是文字组成的数组", "missingValues")
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
            except (re.error, TypeError, RecursionError):
                return bad(f"字段“{name}”的约束 pattern 不是合法的正则表达式：{pattern!r}", name)
        enum = constraints.get("enum")
        if enum is not None and not isinstance(enum, list):
            return bad(f"字段“{name}”的约束 enum 必须是数组", name)
        for key in ("trueValues", "falseValues"):
            value = column.get(key)
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
                return bad(f"字段“{name}”的 {key} 必须是文字组成的数组", name)
        return True

    def check_foreign_keys(self, usable: dict[str, dict], text: str) -> None:
        """Drop resources whose foreignKeys point at resources or fields that do not exist."""
        described = dict(usable)
        for res_name, res in described.items():
            keys = res["schema"].get("foreignKeys", [])
            reason = None if isinstance(keys, list) else "foreignKeys 必须是数组"
            for fk in keys if isinstance(keys, list) else []:
                reason = reason or foreign_key_problem(fk, res_name, res["schema"], described)
            if reason:
                self.add("descriptor-invalid", f"资源“{res_name}”的 foreignKeys：{reason}", file=self.descriptor_file,
                         row=descriptor_line(text, res_name), field="foreignKeys")
                usable.pop(res_name)

    # --- CSV --------------------------------------------------------------------------------------
    def read_table(self, res: dict, descriptor_text: str) -> Table | None:
        """Check the path, decode and parse one CSV and check its header; None after reporting a problem."""
        raw = res["path"]
        file = f"{self.display}/{normalise(raw)}"
        found = member_file(self.pkg_dir, raw, MAX_TEXT_BYTES)
        if isinstance(found, PathProblem):
            where = {"file": file} if found.on_disk else {
                "file": self.descriptor_file, "row": descriptor_line(descriptor_text, raw), "field": "path"}
            self.add(found.code, found.message, **where)
            return None
        data = found.read_bytes()
        text = decode(data)
        if isinstance(text, DecodeProblem):
            self.add(text.code, text.message, file=file, row=text.line)
            return None
        parsed = self.parse_csv(text, file)
        if parsed is None:
            return None
        records, lines = trim_excel_padding(*parsed)
        table = Table(self.folder, res["name"], file, res["schema"], records[0], records[1:], lines)
        if not self.check_header(table):
            return None
        self.check_characters(table)
        self.files[normalise(raw)] = data
        self.resource_paths[res["name"]] = normalise(raw)
        return table

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
            if "field larger than field limit" in detail:
                self.add("cell-too-large", f"从第 {start} 行开始的一个单元格超过 {CELL_LIMIT:,} 个字符", file=file,
                         row=start)
                return None
            if "unexpected end of data" in detail:
                message = f"从第 {start} 行开始的双引号没有闭合，文件直到结尾都在这个单元格里"
            elif "expected after" in detail:
                message = f"第 {reader.line_num} 行：右双引号后面紧跟着其他字符（应为逗号或换行）"
            elif "line contains NUL" in detail or "NUL" in detail:
                message = f"第 {start} 行含有空字符 NUL（U+0000）"
                self.add("control-character", message, file=file, row=start)
                return None
            else:
                message = f"第 {start} 行无法解析：{detail}"
            self.add("csv-malformed", message, file=file, row=start)
            return None
        return records, lines

    def check_header(self, table: Table) -> bool:
        """Report missing, extra, renamed, duplicated or reordered columns; True when the header is right."""
        names = [c["name"] for c in table.schema["fields"]]
        header = table.header
        before = len(self.report.problems)
        at = {"file": table.file, "row": 1}
        for label in sorted({h for h in header if h and header.count(h) > 1}):
            self.add("duplicate-column", f"列名“{visible(label)}”出现了 {header.count(label)} 次", field=label, **at)
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
            self.add("renamed-column", f"列名“{visible(label)}”应为“{name}”", field=name, **at)
        for name in missing:
            self.add("missing-column", f"缺少列“{name}”", field=name, **at)
        for label in extra:
            self.add("extra-column", f"列“{visible(label)}”不在 schema 中", field=visible(label), **at)
        if len(self.report.problems) == before and header != names:
            self.add("column-order", f"列的顺序应为：{','.join(names)}", **at)
        return len(self.report.problems) == before

    def check_characters(self, table: Table) -> None:
        """Report every cell that is too long, holds a control character (NUL, ESC, C1 ...) or is mojibake;
        such rows are left out."""
        for number, (record, start) in enumerate(zip(table.records, table.lines[1:]), start=2):
            for name, cell in zip(table.header, record):
                if len(cell) > CELL_LIMIT:  # checked here: another library may have raised csv's own limit
                    self.add("cell-too-large", f"这个单元格有 {len(cell):,} 个字符，超过上限 {CELL_LIMIT:,}", file=table.file,
                             row=start, field=name)
                    table.bad_rows.add(number)
                    continue
                found = first_control(cell, cell=True)
                if found is not None:
                    line, ch = found
                    self.add("control-character", f"“{visible(cell[:30])}”含有{control_name(ch)}",
                             file=table.file, row=start + line - 1, field=name)
                    table.bad_rows.add(number)
                    continue
                garbled = mojibake(cell)
                if garbled is not None:
                    self.add("encoding-mojibake", garbled.message(cell), file=table.file, row=start, field=name,
                             hint=garbled.hint(table.file))
                    table.bad_rows.add(number)

    # --- frictionless ---------------------------------------------------------------------------
    def validate_tables(self, tables: dict[str, Table]) -> None:
        """Types, constraints, primary and foreign keys of the readable tables, via frictionless."""
        if not tables:
            return
        descriptor = frictionless_descriptor(self.folder, tables)
        report = Package.validate_descriptor(descriptor)
        if not report.valid:
            for error in report.flatten(["type", "note"]):
                self.add("descriptor-invalid", f"frictionless 认为描述无效：{error[0]}：{error[1]}",
                         file=self.descriptor_file)
            self.incomplete.update(tables)
            tables.clear()
            return
        try:
            report = Package(descriptor).validate()
        except FrictionlessException as exc:  # frictionless rejecting the schema is a descriptor problem
            self.add("descriptor-invalid", f"frictionless 无法使用该描述：{exc.error.note or exc.error.message}",
                     file=self.descriptor_file)
            self.incomplete.update(tables)
            tables.clear()
            return
        for task in report.tasks:
            table = tables[task.name]
            table.bad_rows.update(e.row_number for e in task.errors if getattr(e, "row_number", None))
            # Our header check passed (a table with a bad header never gets here): a label error now means
            # frictionless guessed the header of a cut-off file and read the table wrongly.
            table.misread = any(e.type in LABEL_ERRORS for e in task.errors)
            # A row shorter than the header that frictionless did not report (a file cut off in its
            # last row, where it guesses the header wrongly) is reported here and left out too.
            reported = {e.row_number for e in task.errors if e.type == "missing-cell"}
            for number, record in enumerate(table.records, start=2):
                if len(record) < len(table.header) and number not in reported:
                    self.add("missing-cell", f"该行只有 {len(record)} 个单元格，表头有 {len(table.header)} 列",
                             file=table.file, row=table.line(number))
                    table.bad_rows.add(number)
        for task in report.tasks:
            table = tables[task.name]
            # Label errors and key checks against a misread table say nothing about the data: the short
            # row is reported instead, and the keys are checked again once it is fixed.
            errors = [e for e in task.errors if e.type not in LABEL_ERRORS
                      and not (e.type == "foreign-key" and (table.misread or getattr(
                          tables.get(e.reference_name or table.resource), "misread", False)))]
            self.report.extend(map_errors(errors, table, tables))
        for name, table in tables.items():
            if table.bad_rows:
                self.incomplete.add(name)

    def build_objects(self, table: Table, filled: dict | None = None) -> list:
        """Model objects for every row frictionless found valid (others are left out); filled: loader-set fields."""
        model = MODELS[table.resource]
        columns = model_columns(model)
        schema_fields = {c["name"]: c for c in table.schema["fields"]}
        missing = set(table.schema.get("missingValues", [""]))
        position = {name: i for i, name in enumerate(table.header)}
        extra = {"package": table.package, **(filled or {})}
        objects = []
        for index, record in enumerate(table.records, start=2):
            if index in table.bad_rows:  # short rows among them (validate_tables): never indexed past the end
                continue
            line = table.line(index)
            values = {}
            errors_before = len(self.report.problems)
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
                    self.add("cell-type", f"“{visible(cell)}” 不是{'有限的' if table_type == 'number' else ''}"
                             f"{TYPE_ZH[table_type]}", hint=TYPE_HINT.get(table_type), **where)
            if len(self.report.problems) > errors_before:
                self.incomplete.add(table.resource)
                continue
            objects.append(model(**values, **extra, row=line))
        return objects


# --- helpers --------------------------------------------------------------------------------------
def trim_excel_padding(records: list[list[str]], lines: list[int]) -> tuple[list[list[str]], list[int]]:
    """Drop what Excel adds around a table: empty rows at the end, and empty columns at the right.

    A column is padding only when its header cell and every cell below it are empty; an
    empty row in the middle of the data stays (it is reported as a blank row).
    """
    end = len(records)
    while end > 1 and not any(cell.strip() for cell in records[end - 1]):
        end -= 1
    records, lines = records[:end], lines[:end]
    header = records[0]
    width = len(header)
    while width > 1 and not header[width - 1].strip() and all(
            len(r) < width or not r[width - 1].strip() for r in records[1:]):
        width -= 1
    if width < len(header):
        records = [r[:width] if len(r) >= width else r for r in records]
    return records, lines


def _depth(value, limit: int = MAX_DESCRIPTOR_DEPTH + 1) -> int:
    """How deeply objects and arrays nest in a parsed JSON value (stops counting past limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _control_in_strings(value, where: str = "") -> tuple[str, str] | None:
    """(JSON path, character) of the first control character in any key or string of a descriptor."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                found = first_control(key, cell=True)
                if found is not None:
                    return (path or "(根)"), found[1]
                stack.append((child, f"{path}.{key}" if path else key))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
        elif isinstance(item, str):
            found = first_control(item, cell=True)
            if found is not None:
                return (path or "(根)"), found[1]
    return None


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


def as_list(value) -> list:
    """A key's fields as a list (a single name may be written as a string); [] unless every name is text."""
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else []


def foreign_key_problem(fk, res_name: str, schema: dict, usable: dict[str, dict]) -> str | None:
    """Why a foreignKeys entry cannot be checked, or None when it is well formed."""
    if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
        return "每一项必须是带 fields 和 reference 的对象"
    target = fk["reference"].get("resource") or res_name
    own = {c["name"] for c in schema["fields"]}
    if not as_list(fk.get("fields")) or any(f not in own for f in as_list(fk.get("fields"))):
        return f"fields {json.dumps(fk.get('fields'), ensure_ascii=False)} 不是本表的字段"
    if not isinstance(target, str) or target not in usable:
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
    return {"name": _frictionless_name(package), "resources": resources}


def _frictionless_name(folder: str) -> str:
    """A package name frictionless accepts, whatever the folder is called (names carry no meaning)."""
    name = re.sub(r"[^a-z0-9._-]+", "-", folder.lower()).strip("-._")
    return name or "package"


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
        problems.append(map_error(e, table, tables, fields_by_name))
    return problems


def map_error(e, table: Table, tables: dict[str, Table], fields_by_name: dict) -> Problem:
    """One frictionless error as a Problem with a stable code and a Chinese message."""
    number = getattr(e, "row_number", None)
    where = {"file": table.file, "row": table.line(number) if number else 1}
    field_name = getattr(e, "field_name", None) or None
    if e.type == "type-error":
        field_type = fields_by_name[field_name].get("type", "string")
        return problem("cell-type", f"“{visible(str(e.cell))}” 不是{TYPE_ZH.get(field_type, field_type)}",
                       field=field_name, hint=TYPE_HINT.get(field_type), **where)
    if e.type == "constraint-error":
        column = fields_by_name[field_name]
        return problem("cell-constraint", constraint_message(e, column), field=field_name,
                       hint=constraint_hint(_constraint_name(e), column), **where)
    if e.type in ("primary-key", "unique-error"):
        return problem("duplicate-key", key_message(e, table), field=field_name, **where)
    if e.type == "foreign-key":
        ref = tables.get(e.reference_name or table.resource)
        values = "、".join(f"“{visible(str(c))}”" for c in e.field_cells)
        return problem("broken-reference",
                       f"{'、'.join(e.field_names)} 的值 {values} 在 {e.reference_name or table.resource} 表的 "
                       f"{'、'.join(e.reference_field_names)} 中找不到{_nearest(e, ref)}",
                       field=e.field_names[0] if len(e.field_names) == 1 else None,
                       hint=f"检查拼写，或先在 {ref.file if ref else e.reference_name} 中添加该行", **where)
    if e.type == "blank-row":
        return problem("blank-row", "这一行是空行", **where)
    return problem("table-invalid", f"表格无法通过校验（{e.type}）：{visible(e.message)}", field=field_name, **where)


# frictionless's header errors; never reported, since the header was checked before (check_header)
LABEL_ERRORS = frozenset({"missing-label", "extra-label", "incorrect-label", "duplicate-label", "blank-label"})


def _constraint_name(e) -> str:
    match = re.search(r'constraint "(\w+)" is "(.*)"', e.note or "")
    return match.group(1) if match else ""


def _nearest(e, ref: Table | None) -> str:
    """"（是否指“x”？）" naming the closest value of the referenced column, or ""."""
    if ref is None or len(e.field_cells) != 1 or len(e.reference_field_names) != 1:
        return ""
    try:
        column = ref.header.index(e.reference_field_names[0])
    except ValueError:
        return ""
    candidates = sorted({r[column] for r in ref.records if column < len(r)})
    close = difflib.get_close_matches(str(e.field_cells[0]), candidates, n=1, cutoff=0.6)
    return f"（是否指“{visible(close[0])}”？）" if close else ""


def constraint_hint(name: str, column: dict) -> str | None:
    """How to fix a cell that breaks one constraint, saying what that field needs."""
    if name == "pattern":
        pattern = (column.get("constraints") or {}).get("pattern", "")
        if pattern == ID_PATTERN:
            return "标识只用小写字母、数字和连字符，例如 forest-coverage；不要用空格、下划线或中文"
        if pattern.startswith("^https?"):
            return "网址要以 http:// 或 https:// 开头，中间不能有空格；从浏览器地址栏复制完整网址"
        if pattern in PATTERN_WORDS:
            return f"按格式填写：{PATTERN_WORDS[pattern]}"
        return f"按该字段的格式填写（见数据字典中“{column.get('title') or column.get('name')}”的说明）"
    return CONSTRAINT_HINTS.get(name)


def enum_text(values) -> str:
    """The allowed values of a closed vocabulary, each with its meaning: level（水平）、reduction（比基准年下降）."""
    return "、".join(f"{v}（{ENUM_MEANINGS[str(v)]}）" if str(v) in ENUM_MEANINGS else str(v) for v in values)


def constraint_message(e, column: dict) -> str:
    """A Chinese sentence for a frictionless constraint error, naming the value and the rule."""
    name = _constraint_name(e)
    constraints = column.get("constraints", {})
    cell = visible(str(e.cell))
    if name == "required":
        return "必填，不能为空"
    if name == "enum":
        return f"“{cell}” 不是允许的取值（允许：{enum_text(constraints.get('enum', []))}）"
    if name == "pattern":
        if constraints.get("pattern") == ID_PATTERN:
            return f"“{cell}” 格式不对：标识只能由小写字母、数字和连字符组成（如 non-fossil-share），不能有空格或大写"
        words = PATTERN_WORDS.get(constraints.get("pattern"))
        if words:
            return f"“{cell}” 格式不对，应为{words}"
        return f"“{cell}” 不符合格式 {visible(str(constraints.get('pattern')))}"
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
    values = "，".join(f"{k}=“{visible(record[index[k]])}”" for k in key if index.get(k, len(record)) < len(record))
    if e.type == "unique-error":
        return f"字段 {e.field_name} 的值“{visible(str(e.cell))}”与另一行重复，必须唯一"
    match = re.search(r"row at position (\d+)", e.note or "")
    if match:
        return f"主键 {values} 与第 {table.line(int(match.group(1)))} 行重复"
    return f"主键 {'、'.join(key)} 不能为空"
