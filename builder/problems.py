"""The single ``Problem`` type for every validation finding, the catalogue of codes,
and the text and JSON renderings of a list of problems."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    code: str  # stable, kebab-case, a key of CATALOGUE
    message: str  # one sentence in Chinese, naming the offending value
    file: str | None = None  # path as the maintainer would type it
    row: int | None = None  # physical line, header = 1 (as frictionless counts)
    field: str | None = None
    hint: str | None = None  # how to fix it, imperative; defaults to the catalogue's hint
    severity: str = "error"  # or "warning"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class CodeInfo:
    title: str  # Chinese title
    description: str  # what the code means, Chinese
    hint: str  # default fix, Chinese, imperative


# Every code a Problem may carry. Tests check each has a fixture that triggers it.
CATALOGUE: dict[str, CodeInfo] = {}


def problem(code: str, message: str, *, file: str | None = None, row: int | None = None,
            field: str | None = None, hint: str | None = None, severity: str = "error") -> Problem:
    """Make a Problem, taking the hint from the catalogue when none is given."""
    info = CATALOGUE[code]  # an unknown code is a programming error, not a data problem
    return Problem(code, message, file, row, field, hint or info.hint, severity)


def sort_key(p: Problem) -> tuple:
    return (p.file or "", p.row or 0, p.field or "", p.code, p.message)


def format_text(problems: list[Problem], command: str = "validate") -> str:
    """Compiler-style lines, sorted by file and row, then one summary line."""
    lines = []
    for p in sorted(problems, key=sort_key):
        where = p.file or "(数据目录)"
        if p.row is not None:
            where += f":{p.row}"
        field = f"字段 {p.field}：" if p.field and p.field not in p.message else ""
        level = "" if p.is_error else "警告 "
        lines.append(f"{where} [{p.code}] {level}{field}{p.message}")
        if p.hint:
            lines.append(f"    提示：{p.hint}")
    lines.append(summary_line(problems, command))
    return "\n".join(lines)


def summary_line(problems: list[Problem], command: str = "validate") -> str:
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    files = len({p.file for p in problems if p.file})
    if not problems:
        return f"{command}: 没有发现问题"
    return f"{command}: {errors} 个错误，{warnings} 个警告（{files} 个文件）"


def format_json(problems: list[Problem]) -> str:
    """A JSON document: the problems (sorted) and counts, for machines."""
    items = [asdict(p) for p in sorted(problems, key=sort_key)]
    errors = sum(p.is_error for p in problems)
    doc = {"valid": errors == 0, "errors": errors, "warnings": len(problems) - errors, "problems": items}
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)


class DataInvalid(Exception):
    """The data has errors, so nothing was built. Carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{sum(p.is_error for p in problems)} data errors")
        self.problems = problems
