"""The data-entry workbook: a template generated from the data, and the import of a filled one.

Civil servants keep the published values current in Excel or WPS. ``write_template`` writes
a workbook (.xlsx) listing every indicator of every plan, with columns to fill in a new value
and a sheet for its source; ``import_workbook`` reads a filled one back, turns the filled rows
into rows of ``observations.csv`` and ``sources.csv``, and validates the result with exactly
the rules of ``carbon-site validate`` on a temporary copy of the data root (the real files are
never touched while checking). Problems with the new rows point at the workbook: its sheet,
row and column. Only when asked (``apply``) and only when nothing is wrong are the two CSVs
replaced, each atomically and both or neither, keeping every existing row byte for byte and
the rows sorted by primary key.

How a filled row is read: a row whose key (plan, indicator, year, status, source) is already
in the data with the same value, quote and note is skipped (so importing a workbook twice
changes nothing); a row with an existing key but a different value corrects that row; any
other row is new. The same holds for sources, keyed by ``source_id``.

No Click here: the command line is in ``cli.py``. Nothing is printed; problems are data.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.writer.excel import ExcelWriter

from builder import clock
from builder.config import SiteConfig
from builder.excel import cell_text
from builder.load import display_prefix, load_data_root
from builder.model import (REVISION_RANK, DataRoot, Indicator, Observation, Source, latest_observation,
                           preferred_observations)
from builder.problems import DataInvalid, Problem, problem
from builder.text import zh

VALUES_SHEET = "新增数值"
SOURCES_SHEET = "来源"
README_SHEET = "说明"
LISTS_SHEET = "选项"  # hidden: the lists the drop-downs offer
SPARE_VALUE_ROWS = 100  # open rows below the indicators, for a second year of the same indicator
SPARE_SOURCE_ROWS = 50  # open rows below the existing sources
FIRST_LISTED_YEAR = 2005  # the drop-down offers years from here (or the data's earliest) to this year
MAX_WORKBOOK_BYTES = 50 * 1024 * 1024  # as for a CSV: a data-entry workbook is far smaller
STATUS_WORDS = {"初步数": "preliminary", "最终数": "final", "修订数": "revised"}  # drop-down word -> code

GREY = PatternFill("solid", fgColor="F2F2F2")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
OPEN = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the CSV field it fills (or a reference it shows) and its header."""

    field: str  # CSV column of observations/sources; for a reference column, a name of ours
    header: str  # row 1 of the sheet, as written by the template
    width: int
    kind: str = "text"  # "text" | "integer" | "number" | "date" | "status": how a cell is read and formatted
    fill: bool = True  # False: a reference written from the data, locked, not read back (but its ids are)
    required: bool = True  # an import needs this column


VALUE_COLUMNS: tuple[Column, ...] = (
    Column("plan_title", "规划名称", 34, fill=False, required=False),
    Column("plan_id", "plan_id", 22, fill=False),
    Column("indicator_name", "指标名称", 30, fill=False, required=False),
    Column("unit", "单位", 10, fill=False, required=False),
    Column("indicator_id", "indicator_id", 24, fill=False),
    Column("latest", "已有最新数值（参考）", 24, fill=False, required=False),
    Column("year", "年份（year）", 12, "integer"),
    Column("value", "数值（value）", 14, "number"),
    Column("status", "数据状态（status）", 16, "status"),
    Column("source_id", "来源标识（source_id）", 28),
    Column("source_quote_zh", "来源原文（source_quote_zh）", 44),
    Column("note", "备注（note）", 28),
)
SOURCE_COLUMNS: tuple[Column, ...] = (
    Column("source_id", "来源标识（source_id）", 28),
    Column("publisher", "发布者（publisher）", 24),
    Column("title", "标题（title）", 44),
    Column("date", "发布日期（date）", 16, "date"),
    Column("url", "网址（url）", 44),
    Column("accessed", "查阅日期（accessed）", 16, "date"),
    Column("note", "备注（note）", 30),
)
SHEETS = {VALUES_SHEET: VALUE_COLUMNS, SOURCES_SHEET: SOURCE_COLUMNS}
# A row counts as filled when one of these holds something (the reference columns always do).
FILLED_FIELDS = {VALUES_SHEET: tuple(c.field for c in VALUE_COLUMNS if c.fill),
                 SOURCES_SHEET: tuple(c.field for c in SOURCE_COLUMNS)}


# ---------------------------------------------------------------------------------------------------
# The template
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateResult:
    """What write_template wrote."""

    path: Path
    indicators: int  # rows listing an indicator
    sources: int  # existing sources listed for reference
    years: tuple[int, int]  # the first and last year the drop-down offers


def write_template(config: SiteConfig, data_dir: Path, out: Path, *, today: date | None = None) -> TemplateResult:
    """Write the data-entry workbook for data_dir to out, atomically; DataInvalid when the data has errors."""
    from builder.build import validate

    data, problems = validate(config, data_dir)
    if data is None or any(p.is_error for p in problems):
        raise DataInvalid(problems)
    content, result = template_bytes(data, today or date.today())
    write_files_atomically([(out, None, content)])
    return TemplateResult(out, *result)


def template_bytes(data: DataRoot, today: date) -> tuple[bytes, tuple[int, int, tuple[int, int]]]:
    """The workbook's bytes and (indicators, sources, years); the same data on the same year gives the same bytes."""
    years = listed_years(data, today)
    workbook = Workbook()
    readme = workbook.active
    readme.title = README_SHEET
    values = workbook.create_sheet(VALUES_SHEET)
    sources = workbook.create_sheet(SOURCES_SHEET)
    lists = workbook.create_sheet(LISTS_SHEET)
    source_rows = _write_sources_sheet(sources, data)
    _write_lists_sheet(lists, years)
    indicators = _write_values_sheet(values, data, len(years), source_rows)
    _write_readme(readme, data, years)
    stamp = datetime.combine(clock.as_of(data), time())
    workbook.properties.creator = "carbon-site"
    workbook.properties.lastModifiedBy = "carbon-site"
    workbook.properties.title = "碳达峰实施方案公开数值填报工作簿"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.active = 0
    return _fixed_zip(_save(workbook), stamp), (indicators, len(data.sources), (years[-1], years[0]))


def listed_years(data: DataRoot, today: date) -> list[int]:
    """The years the drop-down offers, newest first: from 2005 (or the data's earliest year) to this year."""
    known = [o.year for o in data.observations] + [t.baseline_year for t in data.targets() if t.baseline_year]
    first = min([FIRST_LISTED_YEAR, *known])
    last = max([today.year, *(o.year for o in data.observations)])
    return list(range(last, first - 1, -1))


def _header(sheet, columns: Sequence[Column]) -> None:
    for number, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=number, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32


def _protect(sheet) -> None:
    """Locked cells cannot be typed over; widths, heights and the filter still work.

    No password: the protection guards against slips, not against a maintainer who means it.
    """
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.autoFilter = False


def _number_format(column: Column) -> str:
    # Text cells keep what is typed: Excel would turn 2023-12-26 into a date and 8.6% into 0.086.
    return {"integer": "0", "number": "General"}.get(column.kind, "@")


def _write_values_sheet(sheet, data: DataRoot, year_count: int, source_rows: int) -> int:
    _header(sheet, VALUE_COLUMNS)
    row = 1
    for plan in data.plans:
        for indicator in plan.indicators:
            row += 1
            latest = latest_observation(data.observations_for(indicator.key))
            reference = {
                "plan_title": plan.plan.title_zh, "plan_id": plan.plan_id, "indicator_name": indicator.name_zh,
                "unit": indicator.unit, "indicator_id": indicator.indicator_id,
                "latest": zh.observation_text(latest, indicator) if latest else zh.NO_VALUE,
            }
            for number, column in enumerate(VALUE_COLUMNS, start=1):
                cell = _put(sheet, row, number, reference.get(column.field))
                cell.number_format = _number_format(column)
                if column.fill:
                    cell.protection = OPEN
                else:
                    cell.fill = GREY
    indicators = row - 1
    for row in range(indicators + 2, indicators + 2 + SPARE_VALUE_ROWS):
        for number, column in enumerate(VALUE_COLUMNS, start=1):
            cell = sheet.cell(row=row, column=number)
            cell.number_format = _number_format(column)
            cell.protection = OPEN
    last = indicators + 1 + SPARE_VALUE_ROWS
    letter = {c.field: get_column_letter(n) for n, c in enumerate(VALUE_COLUMNS, start=1)}
    lists = quote_sheetname(LISTS_SHEET)
    _drop_down(sheet, f"{lists}!$A$2:$A${1 + year_count}", f"{letter['year']}2:{letter['year']}{last}",
               "年份", "选择数值所属的年份（来源发布的是哪一年的数值）", strict=False)
    _drop_down(sheet, f"{lists}!$B$2:$B${1 + len(STATUS_WORDS)}", f"{letter['status']}2:{letter['status']}{last}",
               "数据状态", "初步数、最终数或修订数，照来源的说法选择", strict=True)
    _drop_down(sheet, f"{quote_sheetname(SOURCES_SHEET)}!$A$2:$A${1 + source_rows}",
               f"{letter['source_id']}2:{letter['source_id']}{last}",
               "来源", "选择发布该数值的来源；新来源请先填到“来源”工作表", strict=False)
    prompt = DataValidation(allow_blank=True, showInputMessage=True, promptTitle="数值",
                            prompt="阿拉伯数字，按指标的单位，不带单位和百分号：8.6% 填 8.6")
    prompt.add(f"{letter['value']}2:{letter['value']}{last}")
    sheet.add_data_validation(prompt)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(VALUE_COLUMNS))}{last}"
    _protect(sheet)
    return indicators


def _put(sheet, row: int, column: int, value):
    """Write a value into a cell; text is always text (openpyxl would take text starting with = for a formula)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _drop_down(sheet, source: str, cells: str, title: str, prompt: str, *, strict: bool) -> None:
    """A list drop-down; strict refuses anything else, otherwise Excel only warns."""
    check = DataValidation(type="list", formula1=source, allow_blank=True, showInputMessage=True,
                           showErrorMessage=True, promptTitle=title, prompt=prompt,
                           errorStyle="stop" if strict else "warning", errorTitle=title,
                           error=f"请从下拉列表中选择{title}")
    check.add(cells)
    sheet.add_data_validation(check)


def _write_sources_sheet(sheet, data: DataRoot) -> int:
    """Existing sources (locked, for reference), then open rows; returns how many rows the list spans."""
    _header(sheet, SOURCE_COLUMNS)
    row = 1
    for source in sorted(data.sources, key=lambda s: s.source_id):
        row += 1
        for number, column in enumerate(SOURCE_COLUMNS, start=1):
            cell = _put(sheet, row, number, cell_text(getattr(source, column.field), guard=False) or None)
            cell.number_format = "@"
            cell.fill = GREY
    existing = row - 1
    for row in range(existing + 2, existing + 2 + SPARE_SOURCE_ROWS):
        for number, _ in enumerate(SOURCE_COLUMNS, start=1):
            cell = sheet.cell(row=row, column=number)
            cell.number_format = "@"
            cell.protection = OPEN
    last = existing + 1 + SPARE_SOURCE_ROWS
    letter = {c.field: get_column_letter(n) for n, c in enumerate(SOURCE_COLUMNS, start=1)}
    prompts = {"source_id": ("来源标识", "小写字母、数字和连字符，例如 stats-bureau-2024"),
               "date": ("发布日期", "按 YYYY-MM-DD 填写，例如 2024-03-15"),
               "url": ("网址", "以 http:// 或 https:// 开头的完整网址"),
               "accessed": ("查阅日期", "打开、核对该来源的日期，按 YYYY-MM-DD 填写")}
    for name, (title, text) in prompts.items():
        hint = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=title, prompt=text)
        hint.add(f"{letter[name]}{existing + 2}:{letter[name]}{last}")
        sheet.add_data_validation(hint)
    _protect(sheet)
    return existing + SPARE_SOURCE_ROWS


def _write_lists_sheet(sheet, years: list[int]) -> None:
    sheet["A1"], sheet["B1"] = "年份", "数据状态"
    for row, year in enumerate(years, start=2):
        sheet.cell(row=row, column=1, value=year)
    for row, word in enumerate(STATUS_WORDS, start=2):
        sheet.cell(row=row, column=2, value=word)
    sheet.sheet_state = "hidden"
    _protect(sheet)


def _write_readme(sheet, data: DataRoot, years: list[int]) -> None:
    sheet.column_dimensions["A"].width = 110
    as_of = clock.as_of(data).isoformat()
    lines = readme_lines(as_of, years)
    for row, text in enumerate(lines, start=1):
        cell = sheet.cell(row=row, column=1, value=text)
        cell.alignment = WRAP
        if row == 1:
            cell.font = Font(bold=True, size=14)
        elif text[:2] in ("一、", "二、", "三、", "四、"):
            cell.font = Font(bold=True)
    _protect(sheet)


def readme_lines(as_of: str, years: list[int]) -> list[str]:
    """The read-me sheet, line by line (Chinese)."""
    return [
        "碳达峰实施方案公开数值填报工作簿",
        f"本工作簿由 carbon-site template 根据数据目录生成（数据截至 {as_of}），用于填报新的公开数值及其来源。"
        "填好后用 carbon-site import 检查，确认无误后再写入数据。",
        "",
        "一、填什么",
        f"1. “{VALUES_SHEET}”工作表：每行是一个规划的一个指标。灰色的列（规划名称、plan_id、指标名称、单位、indicator_id、"
        "已有最新数值）由数据生成，不能修改。在有新公开数值的指标行填写：年份、数值、数据状态、来源标识，"
        "最好把来源中给出该数值的原话复制到“来源原文”，需要时写备注。没有填写的行导入时会被忽略。",
        "2. 同一指标要填多个年份时：复制整行（包括灰色部分），粘贴到表格下方的空白行（这些行都可以编辑），再改年份和数值。",
        f"3. “{SOURCES_SHEET}”工作表：上方灰色行是已有来源，只供参考和选择。新来源填在下方空白行："
        "来源标识（小写字母、数字和连字符，例如 stats-bureau-2024）、发布者、标题、发布日期、网址、查阅日期，需要时写备注。"
        f"填好后，“{VALUES_SHEET}”的“来源标识”下拉列表中就能选到它。",
        f"4. 年份的下拉列表为 {years[-1]}—{years[0]} 年；数据状态的下拉列表为 初步数、最终数、修订数。",
        "",
        "二、规则",
        "1. 只填写有名称的公开来源已经发布的数值：每个数值都要有来源，来源要写明发布者、标题、发布日期和网址，"
        "并尽量引用来源中给出该数值的原话。",
        "2. 不得填写估算、推算、插值或自行计算的数值；来源没有发布的年份就空着，不要补。",
        "3. 数值按指标的单位填写阿拉伯数字，不带单位、百分号或千位分隔符：比重 8.6% 填 8.6（不要输入 8.6%，Excel 会把它变成 0.086）。",
        "4. 日期写成 YYYY-MM-DD，例如 2023-12-26。",
        "5. 数据状态：初步数（preliminary，年初公布、以后可能修订）、最终数（final，如统计公报、年鉴）、修订数（revised，对已公布数值的修订）。"
        "同一指标同一年只能有一个最终数。",
        "6. 不要使用公式，不要改动列名和工作表名称，不要增删列。",
        "7. 如果某一行的规划、指标、年份、数据状态和来源与已有数值完全相同，导入时视为更正该数值；与已有数值完全一致的行会被跳过。",
        "",
        "三、导入",
        "1. 保存工作簿，保持 .xlsx 格式（WPS 请选择“Excel 文件（*.xlsx）”）。",
        "2. 运行 carbon-site import 文件名.xlsx：按与 carbon-site validate 相同的规则检查所填内容，"
        "每个问题都指明工作表、行和列；没有问题时列出将要写入的变化（指标、年份、原数值 → 新数值、来源）。这一步不会改动任何文件。",
        "3. 确认无误后运行 carbon-site import 文件名.xlsx --apply，写入公开数值数据包的 observations.csv 和 sources.csv。",
        "4. 运行 carbon-site build 重新生成网站，并把数据的改动提交到版本库。",
    ]


def _save(workbook: Workbook) -> bytes:
    """The workbook's bytes, keeping the timestamps set on its properties (openpyxl's save_workbook overwrites them)."""
    buffer = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return buffer.getvalue()


def _fixed_zip(content: bytes, stamp: datetime) -> bytes:
    """The same archive with every entry dated stamp, so the same workbook gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------
# Reading a filled workbook
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetRow:
    """A filled row of a sheet, as the CSV cells it becomes."""

    sheet: str
    row: int  # the sheet's row (header = 1)
    cells: Mapping[str, str]  # CSV field -> text, "" when empty
    unread: frozenset[str] = frozenset()  # fields whose cell could not be taken (reported; left empty here)


@dataclass(frozen=True)
class FilledWorkbook:
    """What a workbook holds to import: its filled rows and where each column was found."""

    display: str  # the workbook as named in messages
    rows: Mapping[str, tuple[SheetRow, ...]]  # sheet -> filled rows
    columns: Mapping[str, Mapping[str, tuple[str, str]]]  # sheet -> CSV field -> (column letter, header as found)


def read_workbook(path: Path, display: str) -> tuple[FilledWorkbook | None, list[Problem]]:
    """The filled rows of a workbook and every problem reading it; None when it cannot be used at all."""
    at = {"file": display}
    try:
        size = path.stat().st_size
        if size > MAX_WORKBOOK_BYTES:
            return None, [problem("workbook-invalid", f"工作簿有 {size // (1024 * 1024)} MB，超过上限 "
                                  f"{MAX_WORKBOOK_BYTES // (1024 * 1024)} MB，不像填报工作簿", **at)]
        content = path.read_bytes()
    except IsADirectoryError:
        return None, [problem("workbook-invalid", "这是一个目录，不是 Excel 工作簿", **at)]
    try:
        # From bytes, so the file's name (e.g. .XLSX or no suffix) does not decide whether it is read.
        workbook = load_workbook(io.BytesIO(content), data_only=False)
    except (zipfile.BadZipFile, KeyError, InvalidFileException, ParseError, ValueError, EOFError) as error:
        return None, [problem("workbook-invalid", _not_xlsx_reason(content, error), **at)]
    problems: list[Problem] = []
    rows: dict[str, tuple[SheetRow, ...]] = {}
    found_columns: dict[str, dict[str, tuple[str, str]]] = {}
    for sheet_name, columns in SHEETS.items():
        if sheet_name not in workbook.sheetnames:
            names = "、".join(f"“{n}”" for n in workbook.sheetnames)
            problems.append(problem("workbook-sheet-missing", f"缺少工作表“{sheet_name}”（工作簿中有：{names}）", **at))
            continue
        sheet = workbook[sheet_name]
        positions, found, header_problems = _find_columns(sheet, sheet_name, columns, display)
        problems += header_problems
        if header_problems:
            continue
        found_columns[sheet_name] = {f: (get_column_letter(positions[f]), found[f]) for f in found}
        kept, cell_problems = _read_rows(sheet, sheet_name, columns, positions, found, display)
        problems += cell_problems
        rows[sheet_name] = tuple(kept)
    if any(p.code in ("workbook-sheet-missing", "workbook-column-missing") for p in problems):
        return None, problems
    return FilledWorkbook(display, rows, found_columns), problems


def _not_xlsx_reason(content: bytes, error: Exception) -> str:
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        return "文件是旧的 .xls 格式（或 WPS 的 .et 格式、加了打开密码的工作簿），不是 .xlsx"
    if not content.startswith(b"PK"):
        return "文件不是 Excel 工作簿（.xlsx），也许是 CSV 或其他文件改了扩展名"
    return f"文件不是可以读取的 .xlsx 工作簿（已损坏或不完整：{type(error).__name__}）"


def _normal(text: object) -> str:
    """A header as compared: no spaces, half-width brackets, lower case."""
    return re.sub(r"\s+", "", str(text or "")).replace("（", "(").replace("）", ")").lower()


def _matches(header: object, column: Column) -> bool:
    text = _normal(header)
    return bool(text) and (text == _normal(column.header) or text == column.field or text.endswith(f"({column.field})"))


def _find_columns(sheet, sheet_name: str, columns: Sequence[Column], display: str):
    """Column number of each field, the header as found, and a problem per required column not found."""
    header_cells = next(sheet.iter_rows(min_row=1, max_row=1), ())
    positions: dict[str, int] = {}
    found: dict[str, str] = {}
    problems = []
    for column in columns:
        cell = next((c for c in header_cells if c.value is not None and _matches(c.value, column)), None)
        if cell is not None:
            positions[column.field] = cell.column
            found[column.field] = str(cell.value).strip()
        elif column.required:
            problems.append(problem("workbook-column-missing", f"工作表“{sheet_name}”第 1 行缺少列“{column.header}”",
                                    file=display, row=1, field=column.header))
    return positions, found, problems


def _read_rows(sheet, sheet_name: str, columns: Sequence[Column], positions: Mapping[str, int],
               headers: Mapping[str, str], display: str):
    """Every filled row, and a problem for each cell that cannot be taken as typed."""
    kept: list[SheetRow] = []
    problems: list[Problem] = []
    wanted = [c for c in columns if c.field in positions and (c.fill or c.field in ("plan_id", "indicator_id"))]
    filled_fields = FILLED_FIELDS[sheet_name]
    for row, line in enumerate(sheet.iter_rows(min_row=2, max_col=max(positions.values())), start=2):
        cells = {c.field: line[positions[c.field] - 1] for c in wanted}
        if not any(_holds_something(cells[f]) for f in filled_fields if f in cells):
            continue
        texts: dict[str, str] = {}
        unread = set()
        for column in wanted:
            text = read_cell(cells[column.field], column.kind)
            if isinstance(text, CellProblem):
                # Reported here; the rest of the row is still checked, this cell as if empty.
                where = cell_words(sheet_name, row, get_column_letter(positions[column.field]), headers[column.field])
                problems.append(problem("workbook-cell-type", f"{where}：{text.message}", file=display, row=row,
                                        field=headers[column.field], hint=text.hint))
                unread.add(column.field)
                text = ""
            texts[column.field] = text
        if sheet_name == VALUES_SHEET:
            texts["status"] = STATUS_WORDS.get(texts["status"].strip(), texts["status"])
        kept.append(SheetRow(sheet_name, row, texts, frozenset(unread)))
    return kept, problems


def cell_words(sheet: str, row: int, letter: str | None, header: str | None) -> str:
    """Where a cell is, as a person finds it in Excel: 工作表“新增数值”第 5 行“年份（year）”列（G5）."""
    if not header:
        return f"工作表“{sheet}”第 {row} 行"
    return f"工作表“{sheet}”第 {row} 行“{header}”列" + (f"（{letter}{row}）" if letter else "")


def _holds_something(cell) -> bool:
    value = cell.value
    return value is not None and not (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class CellProblem:
    """Why a cell's value cannot be taken as typed (the end of a sentence naming the cell)."""

    message: str
    hint: str | None = None


def read_cell(cell, kind: str) -> str | CellProblem:
    """A cell's value as the CSV text it stands for, or why it cannot be taken.

    Text is taken as typed (validation judges it, as for a CSV); a number as its shortest form;
    a date only in a date column (Excel makes dates of what looks like one). Formulas, error
    values and percent-formatted numbers are refused: what the cell shows is not what it holds.
    """
    value = cell.value
    if cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula)):
        formula = str(getattr(value, "text", value))
        return CellProblem(f"是公式“{formula[:40]}”，导入只读取填写的值，不计算公式",
                           "复制该单元格，在原处用“选择性粘贴 → 数值”粘贴，或直接输入数值")
    if cell.data_type == "e":
        return CellProblem(f"是错误值“{value}”", "改正或清空该单元格")
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""  # a cell holding only spaces looks empty, and is taken as empty
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date, time, timedelta)):
        return _date_text(value, kind)
    if isinstance(value, (int, float)):
        if "%" in (cell.number_format or ""):
            shown = zh.number(value * 100)
            return CellProblem(f"是百分比格式的数字（显示为 {shown}%，实际存的是 {zh.number(value)}），导入无法知道原来填的是什么",
                               f"填写百分数本身，不带百分号：显示 {shown}% 的填 {shown}；"
                               "先把单元格格式设为“常规”或“文本”再输入")
        return cell_text(value, guard=False)
    return str(value)


def _date_text(value, kind: str) -> str | CellProblem:
    if kind == "date" and isinstance(value, (datetime, date)):
        if isinstance(value, datetime) and value.time() != time():
            return CellProblem(f"是带时间的日期时间（{value.isoformat(sep=' ')}），这一列只要日期",
                               "按 YYYY-MM-DD 填写日期，不带时间，例如 2023-12-26")
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if isinstance(value, (datetime, date)):
        shown = value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
        return CellProblem(f"被 Excel 当成了日期（{shown}），这一列应填{_expected(kind)}",
                           "把单元格格式设为“文本”（或“常规”）后重新输入；以文字输入时可在前面加英文单引号 '")
    return CellProblem(f"被 Excel 当成了时间（{value}），这一列应填{_expected(kind)}",
                       "把单元格格式设为“文本”（或“常规”）后重新输入")


def _expected(kind: str) -> str:
    return {"integer": "年份（四位整数）", "number": "数字", "status": "数据状态", "date": "日期"}.get(kind, "文字")


# ---------------------------------------------------------------------------------------------------
# CSV files: the rows as they are on disk, and the rows of the workbook merged into them
# ---------------------------------------------------------------------------------------------------

LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class RawRecord:
    """One CSV record as it is in the file: its exact text (with its line end) and its cells."""

    text: str
    cells: tuple[str, ...]
    line: int  # the physical line it starts on (header = 1)


@dataclass(frozen=True)
class CsvTable:
    """A CSV as Excel or a person left it, kept exactly so the rows nobody changed stay byte for byte."""

    bom: bool
    newline: str  # the line end of the header: "\r\n" (Excel) or "\n"
    header: RawRecord
    records: tuple[RawRecord, ...]  # data records
    tail: str  # what follows the last data record: empty rows Excel pads a table with

    @property
    def columns(self) -> tuple[str, ...]:
        return self.header.cells

    def row(self, record: RawRecord) -> dict[str, str]:
        """A record's cells by column name."""
        return dict(zip(self.columns, record.cells))


def parse_csv_table(content: bytes) -> CsvTable:
    """The records of a CSV with their exact text; ValueError when it is not a readable CSV with a header."""
    text = content.decode("utf-8")
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    physical = LINE.findall(text)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    parsed: list[tuple[list[str], int, int]] = []  # cells, first physical line, line after
    start = 1
    for cells in reader:
        parsed.append((cells, start, reader.line_num + 1))
        start = reader.line_num + 1
    if not parsed:
        raise ValueError("empty CSV")
    records = [RawRecord("".join(physical[first - 1:after - 1]), tuple(cells), first) for cells, first, after in parsed]
    end = len(records)
    while end > 1 and not any(c.strip() for c in records[end - 1].cells):
        end -= 1
    header = records[0]
    match = LINE_BREAK.search(header.text)
    newline = match.group() if match else "\r\n"
    return CsvTable(bom, newline, header, tuple(records[1:end]), "".join(r.text for r in records[end:]))


@dataclass(frozen=True)
class Merged:
    """A CSV with the workbook's rows in it, and where each of its physical lines came from."""

    content: bytes
    origins: tuple[tuple[int, SheetRow | int], ...]  # (first line, the sheet row or the original line), by line


def merge_rows(table: CsvTable, replaced: Mapping[int, SheetRow], added: Sequence[SheetRow],
               key_fields: Sequence[str], integer_fields: Iterable[str], *, sort: bool) -> Merged:
    """The table with records replaced (by index) and rows added: at the end, or sorted in by key.

    Sorted in, a row goes after the last row whose key is not greater than its own.

    Every record nobody changed keeps its exact text; a new row is written as the file writes
    its rows (its line end, minimal quoting).
    """
    integers = set(integer_fields)

    def key_of(cells: Mapping[str, str]) -> tuple:
        return tuple(_key_part(cells.get(f, ""), f in integers) for f in key_fields)

    entries: list[tuple[str, SheetRow | int]] = []
    keys: list[tuple] = []
    for index, record in enumerate(table.records):
        row = replaced.get(index)
        entries.append((_record_text(table, row.cells), row) if row else (record.text, record.line))
        keys.append(key_of(row.cells if row else table.row(record)))
    new = [(_record_text(table, row.cells), row) for row in added]
    if sort:
        for text, row in sorted(new, key=lambda item: key_of(item[1].cells)):
            position = _after_last_not_greater(keys, key_of(row.cells))
            keys.insert(position, key_of(row.cells))
            entries.insert(position, (text, row))
    else:
        entries += new
    # A file whose last row had no line end gets one where a row now follows it.
    entries = [(text if n == len(entries) - 1 or _ends_line(text) else text + table.newline, origin)
               for n, (text, origin) in enumerate(entries)]
    header_text = table.header.text
    if (entries or table.tail) and not _ends_line(header_text):
        header_text += table.newline
    origins: list[tuple[int, SheetRow | int]] = [(1, 1)]
    line = 1 + len(LINE_BREAK.findall(header_text))
    for text, origin in entries:
        origins.append((line, origin))
        line += len(LINE_BREAK.findall(text))
    body = header_text + "".join(text for text, _ in entries) + table.tail
    return Merged((("\ufeff" if table.bom else "") + body).encode("utf-8"), tuple(origins))


def _ends_line(text: str) -> bool:
    return text.endswith(("\n", "\r"))


def _key_part(cell: str, integer: bool) -> tuple:
    """One part of a sort key: an integer column by its number (as the data tests sort), text as text."""
    if integer:
        try:
            return (0, int(cell), "")
        except ValueError:
            pass
    return (1, 0, cell)


def _after_last_not_greater(keys: list, key: tuple) -> int:
    """Where a row goes: after the last row whose key is not greater (in sorted rows, after its equals)."""
    for index in range(len(keys) - 1, -1, -1):
        if keys[index] <= key:
            return index + 1
    return 0


def _record_text(table: CsvTable, cells: Mapping[str, str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=table.newline).writerow([cells.get(c, "") for c in table.columns])
    return buffer.getvalue()


def origin_of(merged: Merged, line: int) -> tuple[SheetRow | None, int]:
    """Where a physical line of a merged CSV came from: (the sheet row, its row) or (None, the original line)."""
    starts = [first for first, _ in merged.origins]
    index = bisect_right(starts, line) - 1
    if index < 0:
        return None, line
    first, origin = merged.origins[index]
    if isinstance(origin, SheetRow):
        return origin, origin.row
    return None, origin + (line - first)


# ---------------------------------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValueChange:
    """One published value the import adds or corrects."""

    sheet_row: int
    plan_title: str
    indicator: Indicator
    new: Observation
    old: Observation | None  # the row it corrects, or the value shown for that year before
    corrects: bool  # True: the same plan, indicator, year, status and source was already there with another value
    shown: Observation | None  # the value the site shows for that year afterwards


@dataclass(frozen=True)
class SourceChange:
    """One source the import adds or corrects."""

    sheet_row: int
    new: Source
    old: Source | None  # the source with the same id it corrects


@dataclass(frozen=True)
class ImportResult:
    """What an import found and (with apply) wrote."""

    workbook: str  # as named in messages
    values: tuple[ValueChange, ...]
    sources: tuple[SourceChange, ...]
    unchanged: int  # filled rows of values already in the data exactly as filled
    warnings: tuple[Problem, ...]
    files: tuple[str, ...]  # the data files that change, as shown in messages
    applied: bool  # whether they were written


@dataclass(frozen=True)
class _ValuesFile:
    """One CSV of the published values as read before the import: where it is and what it holds."""

    resource: str
    sheet: str  # the sheet whose rows go into it
    path: Path
    display: str  # as shown in messages
    content: bytes  # its bytes when read: written back only if still these
    table: CsvTable
    key_fields: tuple[str, ...]
    types: Mapping[str, str]  # column -> table schema type

    def key_of(self, cells: Mapping[str, str]) -> tuple:
        return tuple(_key_part(cells.get(f, ""), self.types.get(f) == "integer") for f in self.key_fields)

    def sort_out(self, rows: Sequence[SheetRow]) -> tuple[dict[int, SheetRow], list[SheetRow], int]:
        """(records the rows correct, by index; rows to add; how many rows are already there as filled)."""
        by_key: dict[tuple, int] = {}
        for index, record in enumerate(self.table.records):
            by_key.setdefault(self.key_of(self.table.row(record)), index)
        replaced: dict[int, SheetRow] = {}
        added: list[SheetRow] = []
        same = 0
        for row in rows:
            index = by_key.get(self.key_of(row.cells))
            if index is not None and self._same(self.table.row(self.table.records[index]), row.cells):
                same += 1
            elif index is not None and index not in replaced:
                replaced[index] = row
            else:
                added.append(row)
        return replaced, added, same

    def _same(self, existing: Mapping[str, str], cells: Mapping[str, str]) -> bool:
        """Whether a row says what a record says: numbers by value (18.0 is 18), everything else as text."""
        for column in self.table.columns:
            a, b = existing.get(column, ""), cells.get(column, "")
            if a == b:
                continue
            if self.types.get(column) not in ("number", "integer"):
                return False
            try:
                if float(a) != float(b):
                    return False
            except ValueError:
                return False
        return True

    def merged(self, replaced: Mapping[int, SheetRow], added: Sequence[SheetRow], *, sort: bool) -> Merged:
        integers = [c for c, t in self.types.items() if t == "integer"]
        return merge_rows(self.table, replaced, added, self.key_fields, integers, sort=sort)


def _values_files(data: DataRoot, data_dir: Path) -> dict[str, _ValuesFile] | None:
    """The observations and sources CSVs as they are now; None when they cannot be read (validation says why)."""
    package = data.values.package
    files = {}
    for resource, sheet in (("observations", VALUES_SHEET), ("sources", SOURCES_SHEET)):
        relative = package.resources.get(resource)
        schema = next((r.get("schema") for r in package.descriptor.get("resources", [])
                       if isinstance(r, dict) and r.get("name") == resource), None)
        if relative is None or not isinstance(schema, dict):
            return None
        path = data_dir / package.folder / relative
        content = path.read_bytes()
        try:
            table = parse_csv_table(content)
        except (ValueError, csv.Error):
            return None
        key = schema.get("primaryKey", [])
        types = {f["name"]: f.get("type", "string") for f in schema.get("fields", [])}
        files[resource] = _ValuesFile(resource, sheet, path, package.file_for(resource), content, table,
                                      tuple([key] if isinstance(key, str) else key), types)
    return files


def import_workbook(config: SiteConfig, data_dir: Path, path: Path, *, display: str | None = None,
                    apply: bool = False) -> ImportResult:
    """Read a filled workbook, validate the data with its rows added, and with apply write the CSVs.

    Raises DataInvalid with every problem (those of the workbook's rows pointing at its sheet,
    row and column) when anything is wrong; then nothing is written.
    """
    from builder.build import validate

    display = display or str(path)
    filled, problems = read_workbook(path, display)
    if filled is None:
        raise DataInvalid(problems)
    data, _ = load_data_root(data_dir)
    if data is None or data.values is None:
        raise DataInvalid(problems + [problem(
            "import-no-values-package", "数据目录中没有公开数值数据包（含 observations 和 sources 表），导入的数值无处可写",
            file=display_prefix(data_dir) or str(data_dir))])
    files = _values_files(data, data_dir)
    if files is None:  # the values package itself is broken: validation says where
        raise DataInvalid(problems + validate(config, data_dir)[1])
    sorted_out = {r: f.sort_out(filled.rows.get(f.sheet, ())) for r, f in files.items()}
    appended = {r: f.merged(*sorted_out[r][:2], sort=False) for r, f in files.items()}
    result_data, found = _validate_copy(config, data_dir, files, appended)
    problems += _to_workbook(found, files, appended, filled)
    if any(p.is_error for p in problems):
        raise DataInvalid(problems)
    final = {r: f.merged(*sorted_out[r][:2], sort=True) for r, f in files.items()}
    if final != appended:
        # What is written is what was checked: the sorted files are validated too (no rule depends on the order).
        _, found = _validate_copy(config, data_dir, files, final)
        if any(p.is_error for p in found):
            raise DataInvalid(_to_workbook(found, files, final, filled))
    changes = _value_changes(data, result_data, appended["observations"], sorted_out["observations"][0],
                             files["observations"])
    new_sources = _source_changes(data, result_data, appended["sources"], sorted_out["sources"][0])
    changed = [f for r, f in files.items() if final[r].content != f.content]
    if apply and changed:
        try:
            write_files_atomically([(f.path, f.content, final[f.resource].content) for f in changed])
        except FilesChanged as error:
            shown = next((f.display for f in changed if f.path.resolve() == error.path.resolve()), str(error.path))
            raise DataInvalid([problem("import-conflict", f"{shown} 在检查之后、写入之前被改动了；为免覆盖这些改动，"
                                       "没有写入任何文件", file=shown)]) from None
    unchanged = sorted_out["observations"][2]  # the 来源 sheet lists every existing source: those are not news
    return ImportResult(display, changes, new_sources, unchanged, tuple(p for p in problems if not p.is_error),
                        tuple(f.display for f in changed), apply and bool(changed))


def _validate_copy(config: SiteConfig, data_dir: Path, files: Mapping[str, _ValuesFile],
                   merged: Mapping[str, Merged]) -> tuple[DataRoot | None, list[Problem]]:
    """Validate a temporary copy of the data root holding the merged CSVs; problems named as in the real data root."""
    from builder.build import validate

    with tempfile.TemporaryDirectory(prefix="carbon-site-import-") as tmp:
        copy = Path(tmp) / (data_dir.resolve().name or "data")
        shutil.copytree(data_dir, copy, symlinks=True)
        for resource, result in merged.items():
            target = _own_file(copy, files[resource].path.relative_to(data_dir))
            target.write_bytes(result.content)
        data, problems = validate(config, copy)
    real, shown = display_prefix(data_dir), display_prefix(copy)
    return data, [_renamed(p, shown, real) for p in problems]


def _own_file(root: Path, relative: Path) -> Path:
    """root/relative, made safe to write: a symbolic link on the way (copied as a link) is replaced by a copy of
    what it points to, so writing into the copy can never write through a link into the real data."""
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            target = current.resolve()
            current.unlink()
            if target.is_dir():
                shutil.copytree(target, current, symlinks=True)
    return current


def _renamed(p: Problem, shown: str, real: str) -> Problem:
    """A problem of the copy as named in the real data root."""
    if shown == real:
        return p

    def fix(text: str | None) -> str | None:
        if text is None:
            return None
        if text == shown:
            return real or text
        return text.replace(f"{shown}/", f"{real}/" if real else "")

    return Problem(p.code, fix(p.message), fix(p.file), p.row, p.field, fix(p.hint), p.severity)


LINE_REFERENCE = re.compile(r"第 (\d+) 行")


def _to_workbook(problems: list[Problem], files: Mapping[str, _ValuesFile], merged: Mapping[str, Merged],
                 filled: FilledWorkbook) -> list[Problem]:
    """Problems of the merged CSVs: those of a workbook row moved to its sheet, row and column; the rest at their line.

    A line named in a message ("与第 7 行重复") is renamed the same way.
    """
    by_file = {f.display: (f, merged[r]) for r, f in files.items()}
    out = []
    for p in problems:
        if p.file not in by_file or p.row is None:
            out.append(p)
            continue
        values_file, result = by_file[p.file]
        origin, row = origin_of(result, p.row)
        if origin is None:
            message = _lines_renamed(p.message, result, None)
            out.append(Problem(p.code, message, p.file, row, p.field, p.hint, p.severity))
            continue
        if p.field in origin.unread:
            continue  # that cell's own problem is reported; it was checked as if empty
        letter, header = filled.columns[origin.sheet].get(p.field or "", (None, p.field))
        message = f"{cell_words(origin.sheet, row, letter, header)}：{_lines_renamed(p.message, result, p.file)}"
        # a hint naming a CSV means the row in its sheet, since that is where this row is fixed
        hint = p.hint or ""
        for f in files.values():
            hint = hint.replace(f" {f.display} ", f"“{f.sheet}”工作表").replace(f.display, f"“{f.sheet}”工作表")
        hint = hint or None
        out.append(Problem(p.code, message, filled.display, row, header, hint, p.severity))
    return out


def _lines_renamed(message: str, merged: Merged, file: str | None) -> str:
    """Lines of the merged CSV named in a message, renamed: a workbook row by sheet and row, others by original line
    (and by file when the message is moved into the workbook)."""
    def rename(match: re.Match) -> str:
        origin, row = origin_of(merged, int(match.group(1)))
        if origin is not None:
            return f"工作表“{origin.sheet}”第 {row} 行"
        return f"{file} 第 {row} 行" if file else f"第 {row} 行"

    return LINE_REFERENCE.sub(rename, message)


def _value_changes(before: DataRoot, after: DataRoot, merged: Merged, replaced: Mapping[int, SheetRow],
                   observations: _ValuesFile) -> tuple[ValueChange, ...]:
    """Every value the workbook adds or corrects, with the value it replaces or the one shown for that year before."""
    by_line = {o.row: o for o in before.observations}
    corrected = {row.row: by_line.get(observations.table.records[index].line) for index, row in replaced.items()}
    changes = []
    for obs in after.observations:
        origin, sheet_row = origin_of(merged, obs.row)
        if origin is None:
            continue
        plan = after.plan(obs.plan_id)
        indicator = plan.indicator(obs.indicator_id)
        old = corrected.get(sheet_row) or _value_of_year(before, obs)
        changes.append(ValueChange(sheet_row, plan.plan.title_zh, indicator, obs, old, sheet_row in corrected,
                                   _value_of_year(after, obs)))
    order = {(i.plan_id, i.indicator_id): n for n, i in enumerate(after.indicators())}
    return tuple(sorted(changes, key=lambda c: (order.get(c.new.indicator_key, 0), c.new.year, c.sheet_row)))


def _value_of_year(data: DataRoot, obs: Observation) -> Observation | None:
    """The value the site shows for obs's indicator and year in data (revised over final over preliminary)."""
    return next((o for o in preferred_observations(data.observations_for(obs.indicator_key)) if o.year == obs.year),
                None)


def _source_changes(before: DataRoot, after: DataRoot, merged: Merged,
                    replaced: Mapping[int, SheetRow]) -> tuple[SourceChange, ...]:
    changes = []
    corrected = {row.row for row in replaced.values()}
    for source in after.sources:
        origin, sheet_row = origin_of(merged, source.row)
        if origin is None:
            continue
        old = before.source(source.source_id) if sheet_row in corrected else None
        changes.append(SourceChange(sheet_row, source, old))
    return tuple(sorted(changes, key=lambda c: c.new.source_id))


# ---------------------------------------------------------------------------------------------------
# Writing: every file or none
# ---------------------------------------------------------------------------------------------------

class FilesChanged(Exception):
    """A file changed on disk after it was read; nothing was written."""

    def __init__(self, path: Path):
        super().__init__(str(path))
        self.path = path


def write_files_atomically(updates: Sequence[tuple[Path, bytes | None, bytes]]) -> None:
    """Replace each file with new bytes: all of them or none.

    Each update is (path, the bytes it was read with, or None for a file that may be new or
    replaced whatever it holds, new bytes); a symbolic link is followed, so the file it points
    to is updated and the link kept. Every new file is first written in full beside its target,
    then each is moved into place with os.replace. A file whose bytes are no longer
    those it was read with stops everything before any is replaced (FilesChanged); should a
    move fail, the files already replaced get their old bytes back.
    """
    staged: list[tuple[Path, Path, bytes | None]] = []
    try:
        for path, expected, content in updates:
            path = path.resolve() if path.is_symlink() else path  # a linked file is updated where it is
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((path, Path(name), expected))
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(name, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        before = {}
        for path, _, expected in staged:
            current = path.read_bytes() if path.exists() else None
            if expected is not None and current != expected:
                raise FilesChanged(path)
            before[path] = current
        done: list[Path] = []
        try:
            for path, temp, _ in staged:
                os.replace(temp, path)
                done.append(path)
        except BaseException:
            for path in reversed(done):
                if before[path] is None:
                    path.unlink(missing_ok=True)
                else:
                    write_files_atomically([(path, None, before[path])])
            raise
        for directory in sorted({path.parent for path, _, _ in staged}):
            _sync_directory(directory)
    finally:
        for _, temp, _ in staged:
            temp.unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    """Make the renames durable (POSIX); a file system that cannot is no reason to fail."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


# ---------------------------------------------------------------------------------------------------
# What a person reads
# ---------------------------------------------------------------------------------------------------

def describe_import(result: ImportResult) -> str:
    """The changes an import makes (or made), one line each, then what to do next (Chinese)."""
    lines = []
    if not result.values and not result.sources:
        already = f"（{result.unchanged} 行与数据中已有的完全相同，已跳过）" if result.unchanged else ""
        return f"工作簿 {result.workbook} 中没有需要导入的新数值或来源{already}，数据没有改动。"
    counts = [f"{len(result.values)} 个数值", f"{len(result.sources)} 个来源"]
    skipped = f"；{result.unchanged} 行与已有数据完全相同，已跳过" if result.unchanged else ""
    lines.append(f"工作簿 {result.workbook}：{'，'.join(counts)}{skipped}")
    if result.values:
        lines.append("数值：")
        lines += [f"  {value_change_line(c)}" for c in result.values]
    if result.sources:
        lines.append("来源：")
        lines += [f"  {source_change_line(c)}" for c in result.sources]
    files = "、".join(result.files)
    if result.applied:
        lines.append(f"已写入 {files}。下一步：运行 carbon-site build 重新生成网站，并把数据的改动提交到版本库。")
    else:
        lines.append(f"以上改动尚未写入（将写入 {files}）。确认无误后运行：carbon-site import {result.workbook} --apply")
    return "\n".join(lines)


def value_change_line(change: ValueChange) -> str:
    """One value: plan, indicator (name and id), year, old value → new value (or 新增), source, the sheet row."""
    indicator, new, old = change.indicator, change.new, change.old
    what = f"{change.plan_title}（{new.plan_id}）· {indicator.name_zh}（{indicator.indicator_id}）{new.year} 年"
    new_text = f"{zh.value_of(new.value, indicator)}（{zh.VALUE_STATUS.get(new.status, new.status)}）"
    if old is None:
        change_text = f"新增 {new_text}"
    else:
        old_status = zh.VALUE_STATUS.get(old.status, old.status)
        old_text = f"{zh.value_of(old.value, indicator)}（{old_status}，来源 {old.source_id}）"
        change_text = f"{old_text} → {new_text}" + ("，更正同一来源的数值" if change.corrects else "")
    line = f"{what}：{change_text}，来源 {new.source_id}"
    shown = change.shown
    if shown is not None and (shown.value, shown.status, shown.source_id) != (new.value, new.status, new.source_id):
        why = ("同一年修订数优先于最终数，最终数优先于初步数" if REVISION_RANK.get(shown.status, 0)
               > REVISION_RANK.get(new.status, 0) else "同一年同一状态的数值按来源标识的顺序取第一个")
        shown_status = zh.VALUE_STATUS.get(shown.status, shown.status)
        line += f"（网站仍显示来源 {shown.source_id} 的 {zh.value_of(shown.value, indicator)}（{shown_status}）：{why}）"
    return f"{line}  [{VALUES_SHEET} 第 {change.sheet_row} 行]"


def source_change_line(change: SourceChange) -> str:
    """One source: its id, publisher, title, date and URL (and what it corrects)."""
    s = change.new
    text = f"{s.source_id}：{s.publisher}《{s.title}》，{s.date.isoformat()} 发布，{s.url}（{s.accessed.isoformat()} 查阅）"
    if change.old is None:
        return f"新增 {text}  [{SOURCES_SHEET} 第 {change.sheet_row} 行]"
    fields_changed = [c.header for c in SOURCE_COLUMNS if cell_text(getattr(change.old, c.field), guard=False)
                      != cell_text(getattr(s, c.field), guard=False)]
    return f"更正 {text}（改动：{'、'.join(fields_changed)}）  [{SOURCES_SHEET} 第 {change.sheet_row} 行]"
