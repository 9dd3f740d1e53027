"""The data-entry workbook: ``carbon-site template`` and ``carbon-site import``.

A maintainer's whole round trip on a private copy of the SYNTHETIC project (its CSVs saved as
Excel's "CSV UTF-8", as the real packages are): template → fill (with openpyxl, and the same
workbook re-saved by LibreOffice Calc, as WPS or Excel would re-save it) → import (the diff,
nothing written) → import --apply (the CSVs written, every existing row byte for byte) →
build (the value on the indicator page). Then every way an import can fail: each problem
names the workbook, the sheet, the row and the column, and nothing is written.

Nothing is written into the repository: every project, workbook and LibreOffice profile lives
under tmp_path.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from builder import workbook as wb
from builder.cli import main
from builder.config import load_config
from builder.load import load_data_root
from builder.problems import CATALOGUE, DataInvalid
from builder.site.urls import Urls, page_url

HOME_PLAN = "synthetic-songyuan"
VALUES = "published-values/data/observations.csv"
SOURCES = "published-values/data/sources.csv"
OBSERVATIONS_SHOWN = "datapackages/published-values/data/observations.csv"
BOOK = "填报.xlsx"
H = {c.field: c.header for c in wb.VALUE_COLUMNS}  # observations field -> header of 新增数值
S = {c.field: c.header for c in wb.SOURCE_COLUMNS}  # sources field -> header of 来源
NEW_SOURCE = {"source_id": "syn-stats-2024", "publisher": "合成统计局（SYNTHETIC）",
              "title": "合成2024年国民经济和社会发展统计公报", "date": "2025-03-01",
              "url": "https://example.org/synthetic/stats-2024", "accessed": "2025-03-10", "note": None}
# Two real-looking values from the new source: one on the home plan's indicator page, one whose
# row belongs in the middle of observations.csv (sorted by plan, indicator, year, status, source).
NEW_VALUES = (
    {"plan_id": HOME_PLAN, "indicator_id": "non-fossil-share", "year": 2024, "value": 17.1, "status": "最终数",
     "source_id": "syn-stats-2024", "source_quote_zh": "（合成）2024年非化石能源消费比重为17.1%"},
    {"plan_id": "synthetic-second-city", "indicator_id": "co2-intensity", "year": 2023, "value": 2.5,
     "status": "final", "source_id": "syn-stats-2024"},
)
NEW_LINES = (
    "synthetic-songyuan,non-fossil-share,2024,17.1,final,syn-stats-2024,（合成）2024年非化石能源消费比重为17.1%,",
    "synthetic-second-city,co2-intensity,2023,2.5,final,syn-stats-2024,,",
)
SOFFICE_TIMEOUT_SECONDS = 300


# ---------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------

@pytest.fixture
def project(synthetic_project: Path) -> Path:
    """A private copy of the SYNTHETIC project whose CSVs are Excel's "CSV UTF-8" (BOM, CRLF), like the real ones."""
    for path in sorted((synthetic_project / "datapackages").glob("*/data/*.csv")):
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    return synthetic_project


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def make_template(project: Path, out: Path) -> Path:
    result = cli("template", "--config", str(project / "carbon-site.toml"), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def import_book(project: Path, book: str | Path, *extra: str):
    return cli("import", str(book), "--config", str(project / "carbon-site.toml"), *extra)


def data_bytes(project: Path) -> dict[str, bytes]:
    """Every file of the data root, by relative path."""
    root = project / "datapackages"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def fill(template: Path, out: Path, values=(), sources=(), edit=None) -> Path:
    """The template filled as a maintainer would: each value in its indicator's row (a second one of the
    same indicator in an open row below the list, ids copied), each source in the next open row of 来源."""
    book = load_workbook(template)
    sheet = book[wb.VALUES_SHEET]
    column = {cell.value: cell.column for cell in sheet[1]}
    used: set[int] = set()
    for value in values:
        def listed(r):
            return (sheet.cell(r, column["plan_id"]).value, sheet.cell(r, column["indicator_id"]).value) == (
                value["plan_id"], value["indicator_id"])
        row = next((r for r in range(2, sheet.max_row + 1) if listed(r) and r not in used), None)
        if row is None:
            row = next(r for r in range(2, sheet.max_row + 1)
                       if sheet.cell(r, column["plan_id"]).value is None and r not in used)
        used.add(row)
        for field, cell_value in value.items():
            sheet.cell(row, column[H[field]]).value = cell_value
    sources_sheet = book[wb.SOURCES_SHEET]
    for source in sources:
        row = next(r for r in range(2, sources_sheet.max_row + 2) if sources_sheet.cell(r, 1).value is None)
        for number, c in enumerate(wb.SOURCE_COLUMNS, start=1):
            sources_sheet.cell(row, number).value = source.get(c.field)
    if edit is not None:
        edit(book)
    book.save(out)
    return out


def row_of(book_path: Path, plan_id: str, indicator_id: str) -> int:
    """The row listing an indicator in 新增数值."""
    sheet = load_workbook(book_path)[wb.VALUES_SHEET]
    column = {cell.value: cell.column for cell in sheet[1]}
    return next(r for r in range(2, sheet.max_row + 1)
                if (sheet.cell(r, column["plan_id"]).value, sheet.cell(r, column["indicator_id"]).value)
                == (plan_id, indicator_id))


def resave_with_libreoffice(book: Path, out_dir: Path, profile: Path) -> Path:
    """The workbook opened and saved again by LibreOffice Calc, with a private profile."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice Calc is needed (Debian package libreoffice-calc; scripts/bootstrap.sh installs it)"
    out_dir.mkdir()
    proc = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                           "xlsx", "--outdir", str(out_dir), str(book)],
                          capture_output=True, text=True, timeout=SOFFICE_TIMEOUT_SECONDS)
    resaved = out_dir / book.name
    assert proc.returncode == 0 and resaved.is_file(), proc.stdout + proc.stderr
    assert resaved.read_bytes() != book.read_bytes()
    return resaved


def problems_of(project: Path, book: Path, display: str = BOOK) -> list:
    """What import_workbook reports for a workbook (it must refuse it)."""
    config, _ = load_config(project / "carbon-site.toml")
    with pytest.raises(DataInvalid) as raised:
        wb.import_workbook(config, project / "datapackages", book, display=display)
    return raised.value.problems


def where(problems) -> set[tuple]:
    return {(p.code, p.file, p.row, p.field) for p in problems}


def csv_lines(content: bytes) -> list[str]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM"
    text = content[3:].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CRLF line ends, as Excel writes them"
    return text.split("\r\n")[:-1]


# ---------------------------------------------------------------------------------------------------
# the template
# ---------------------------------------------------------------------------------------------------

def test_template_lists_every_indicator_with_ids_locked_and_drop_downs(project, tmp_path):
    book_path = make_template(project, tmp_path / BOOK)
    data, _ = load_data_root(project / "datapackages")
    book = load_workbook(book_path)
    assert book.sheetnames[:3] == [wb.README_SHEET, wb.VALUES_SHEET, wb.SOURCES_SHEET]
    sheet = book[wb.VALUES_SHEET]
    assert [c.value for c in sheet[1]] == [c.header for c in wb.VALUE_COLUMNS]
    column = {c.field: n for n, c in enumerate(wb.VALUE_COLUMNS, start=1)}
    listed = [(sheet.cell(r, column["plan_id"]).value, sheet.cell(r, column["indicator_id"]).value)
              for r in range(2, sheet.max_row + 1) if sheet.cell(r, column["plan_id"]).value]
    assert listed == [i.key for i in data.indicators()]
    row = row_of(book_path, HOME_PLAN, "non-fossil-share")
    indicator = data.indicator((HOME_PLAN, "non-fossil-share"))
    assert sheet.cell(row, column["indicator_name"]).value == indicator.name_zh
    assert sheet.cell(row, column["unit"]).value == "%"
    assert sheet.cell(row, column["plan_title"]).value == data.plan(HOME_PLAN).plan.title_zh
    assert sheet.protection.sheet
    for field in ("plan_title", "plan_id", "indicator_name", "unit", "indicator_id", "latest"):
        assert sheet.cell(row, column[field]).protection.locked, field
    for field in ("year", "value", "status", "source_id", "source_quote_zh", "note"):
        assert not sheet.cell(row, column[field]).protection.locked, field
    drop_downs = {dv.promptTitle: dv for dv in sheet.data_validations.dataValidation if dv.type == "list"}
    assert set(drop_downs) == {"年份", "数据状态", "来源"}
    lists = book[wb.LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    years = [lists.cell(r, 1).value for r in range(2, lists.max_row + 1) if lists.cell(r, 1).value]
    assert years[0] >= datetime.now().year and 2020 in years and years == sorted(years, reverse=True)
    assert [lists.cell(r, 2).value for r in range(2, 5)] == ["初步数", "最终数", "修订数"]
    assert drop_downs["来源"].formula1.startswith("'来源'!$A$2:$A$")
    sources = book[wb.SOURCES_SHEET]
    assert [sources.cell(r, 1).value for r in range(2, 2 + len(data.sources))] == sorted(
        s.source_id for s in data.sources)
    assert sources.cell(2, 1).protection.locked and not sources.cell(2 + len(data.sources), 1).protection.locked
    readme = "\n".join(str(c.value) for c in book[wb.README_SHEET]["A"] if c.value)
    for words in ("carbon-site import", "--apply", "carbon-site build", "估算", "发布者", "网址", "原话", "8.6"):
        assert words in readme, words


def test_the_same_data_gives_the_same_workbook_dated_by_the_data(project, tmp_path):
    first = make_template(project, tmp_path / "a.xlsx").read_bytes()
    second = make_template(project, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        core = archive.read("docProps/core.xml").decode("utf-8")
        dates = {info.date_time for info in archive.infolist()}
    assert "2024-06-01T00:00:00Z" in core  # the latest date the SYNTHETIC data vouches for (a source's access)
    assert dates == {(2024, 6, 1, 0, 0, 0)}


def test_template_refuses_to_overwrite_or_to_write_other_than_xlsx(project, tmp_path):
    book = make_template(project, tmp_path / BOOK)
    before = book.read_bytes()
    refused = cli("template", "--config", str(project / "carbon-site.toml"), "--out", str(book))
    assert refused.exit_code == 2 and "--force" in refused.output
    assert book.read_bytes() == before
    assert cli("template", "--config", str(project / "carbon-site.toml"), "--out",
               str(tmp_path / "填报.csv")).exit_code == 2
    forced = cli("template", "--config", str(project / "carbon-site.toml"), "--out", str(book), "--force")
    assert forced.exit_code == 0, forced.output


# ---------------------------------------------------------------------------------------------------
# a maintainer's round trip
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("saved_by", ["openpyxl", "libreoffice"])
def test_a_maintainers_round_trip_from_template_to_site(saved_by, project, tmp_path, monkeypatch, build_project):
    monkeypatch.chdir(tmp_path)  # the workbook is named as the maintainer types it
    template = make_template(project, tmp_path / "template.xlsx")
    filled = fill(template, tmp_path / BOOK, NEW_VALUES, [NEW_SOURCE])
    if saved_by == "libreoffice":
        resaved = resave_with_libreoffice(filled, tmp_path / "lo", tmp_path / "lo-profile")
        shutil.copyfile(resaved, filled)
    before = data_bytes(project)

    checked = import_book(project, BOOK)
    assert checked.exit_code == 0, checked.output
    assert data_bytes(project) == before, "without --apply nothing is written"
    diff = checked.stdout
    non_fossil_row = row_of(template, HOME_PLAN, "non-fossil-share")
    assert ("合成测试规划：松原市碳达峰实施方案（SYNTHETIC）（synthetic-songyuan）· 非化石能源消费比重（合成）"
            f"（non-fossil-share）2024 年：新增 17.1%（最终数），来源 syn-stats-2024  [新增数值 第 {non_fossil_row} 行]") in diff
    # second-city's co2-intensity had a 2022 value, not a 2023 one: new; the source is new
    assert "（co2-intensity）2023 年：新增 2.5" in diff
    assert "新增 syn-stats-2024：合成统计局（SYNTHETIC）《合成2024年国民经济和社会发展统计公报》，2025-03-01 发布" in diff
    assert "--apply" in diff and "尚未写入" in diff

    applied = import_book(project, BOOK, "--apply")
    assert applied.exit_code == 0, applied.output
    assert "已写入" in applied.stdout
    after = data_bytes(project)
    assert {k for k in after if after[k] != before[k]} == {VALUES, SOURCES}
    old_lines, new_lines = csv_lines(before[VALUES]), csv_lines(after[VALUES])
    assert [line for line in new_lines if line not in NEW_LINES] == old_lines, "existing rows byte for byte, in order"
    assert sorted(set(new_lines) - set(old_lines)) == sorted(NEW_LINES)
    rows = list(csv.DictReader(io.StringIO("\n".join(new_lines))))
    key = [(r["plan_id"], r["indicator_id"], int(r["year"]), r["status"], r["source_id"]) for r in rows]
    assert key == sorted(key), "rows stay sorted by primary key"
    assert new_lines.index(NEW_LINES[1]) < len(new_lines) - 1  # inserted in the middle, not appended
    assert csv_lines(after[SOURCES]) == csv_lines(before[SOURCES]) + [
        "syn-stats-2024,合成统计局（SYNTHETIC）,合成2024年国民经济和社会发展统计公报,2025-03-01,"
        "https://example.org/synthetic/stats-2024,2025-03-10,"]
    assert not [p for p in (project / "datapackages").rglob("*") if p.name.endswith(".tmp")]

    again = import_book(project, BOOK)
    assert again.exit_code == 0 and "没有需要导入" in again.stdout and data_bytes(project) == after

    built = build_project(project, tmp_path / "work")
    page = built.out / page_url(Urls(HOME_PLAN).indicator(HOME_PLAN, "non-fossil-share"))
    html = page.read_text(encoding="utf-8")
    assert "17.1%" in html and "合成2024年国民经济和社会发展统计公报" in html
    # its target now has a status judged from published values, not "nothing published"
    assert re.search(r'class="status status--(?!no-data)[a-z-]+"', html)
    # the import is a new release: newest first on 更新记录 and in the feed, naming the value
    changelog = (built.out / "changelog.html").read_text(encoding="utf-8")
    newest = changelog.split("<h2", 2)[1]
    assert "非化石能源消费比重（合成）" in newest and "2024" in newest and "17.1%" in newest
    feed = (built.out / "feed.xml").read_text(encoding="utf-8")
    first_entry = feed.split("<entry>", 2)[1]
    assert "非化石能源消费比重（合成）" in first_entry and "17.1%" in first_entry


def test_a_value_with_an_existing_key_corrects_that_row_in_place(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = make_template(project, tmp_path / "template.xlsx")
    correction = {"plan_id": HOME_PLAN, "indicator_id": "coal-share", "year": 2022, "value": 65.5,
                  "status": "final", "source_id": "syn-stats-2022"}
    fill(template, tmp_path / BOOK, [correction])
    before = data_bytes(project)
    checked = import_book(project, BOOK)
    assert checked.exit_code == 0, checked.output
    assert "2022 年：66%（最终数，来源 syn-stats-2022） → 65.5%（最终数），更正同一来源的数值" in checked.stdout
    assert import_book(project, BOOK, "--apply").exit_code == 0
    old_lines, new_lines = csv_lines(before[VALUES]), csv_lines(data_bytes(project)[VALUES])
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert len(old_lines) == len(new_lines)
    assert changed == [("synthetic-songyuan,coal-share,2022,66,final,syn-stats-2022,,",
                        "synthetic-songyuan,coal-share,2022,65.5,final,syn-stats-2022,,")]


def test_the_diff_says_when_the_site_keeps_showing_another_value(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    earlier = {"plan_id": HOME_PLAN, "indicator_id": "non-fossil-share", "year": 2022, "value": 14.9,
               "status": "初步数", "source_id": "syn-stats-2021"}
    fill(make_template(project, tmp_path / "template.xlsx"), tmp_path / BOOK, [earlier])
    checked = import_book(project, BOOK)
    assert checked.exit_code == 0, checked.output
    assert ("2022 年：15%（最终数，来源 syn-stats-2022） → 14.9%（初步数），来源 syn-stats-2021"
            "（网站仍显示来源 syn-stats-2022 的 15%（最终数）：同一年修订数优先于最终数，最终数优先于初步数）") in checked.stdout


def test_a_real_date_cell_in_a_date_column_is_taken_as_its_date(project, tmp_path):
    source = {**NEW_SOURCE, "date": datetime(2025, 3, 1), "accessed": datetime(2025, 3, 10)}
    book = fill(make_template(project, tmp_path / "template.xlsx"), tmp_path / BOOK, NEW_VALUES[:1], [source])
    config, _ = load_config(project / "carbon-site.toml")
    result = wb.import_workbook(config, project / "datapackages", book, display=BOOK)
    assert [(s.new.source_id, s.new.date.isoformat(), s.new.accessed.isoformat()) for s in result.sources] == [
        ("syn-stats-2024", "2025-03-01", "2025-03-10")]


def test_a_csv_without_bom_and_with_lf_line_ends_keeps_its_format(synthetic_project, tmp_path):
    """The SYNTHETIC fixture's CSVs have no BOM and LF line ends: an import keeps them so, every row as it was."""
    before = data_bytes(synthetic_project)
    book = fill(make_template(synthetic_project, tmp_path / "template.xlsx"), tmp_path / BOOK, NEW_VALUES,
                [NEW_SOURCE])
    assert import_book(synthetic_project, book, "--apply").exit_code == 0
    after = data_bytes(synthetic_project)[VALUES]
    assert not after.startswith(b"\xef\xbb\xbf") and b"\r" not in after
    assert [line for line in after.decode("utf-8").splitlines() if line not in NEW_LINES] == \
        before[VALUES].decode("utf-8").splitlines()


# ---------------------------------------------------------------------------------------------------
# an import with problems changes nothing, and every problem points into the workbook
# ---------------------------------------------------------------------------------------------------

def test_one_error_changes_nothing_and_names_sheet_row_and_column(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = make_template(project, tmp_path / "template.xlsx")
    bad = {**NEW_VALUES[0], "value": "17.1%"}  # typed into a text cell: not a number
    fill(template, tmp_path / BOOK, [bad], [NEW_SOURCE])
    before = data_bytes(project)
    result = import_book(project, BOOK, "--apply")
    assert result.exit_code == 1
    assert data_bytes(project) == before
    row = row_of(template, HOME_PLAN, "non-fossil-share")
    assert (f"{BOOK}:{row} [cell-type] 工作表“新增数值”第 {row} 行“数值（value）”列（H{row}）：“17.1%” 不是数字"
            in result.output)
    assert "import: 1 个错误" in result.output
    assert "已写入" not in result.output


def test_problems_of_new_rows_name_the_sheet_row_and_column(project, tmp_path):
    template = make_template(project, tmp_path / "template.xlsx")
    values = [
        {"plan_id": HOME_PLAN, "indicator_id": "coal-share", "year": 2023, "value": "abc", "status": "最终数",
         "source_id": "syn-stats-2023"},
        {"plan_id": HOME_PLAN, "indicator_id": "co2-intensity", "year": 2023, "value": 2.8, "status": "最终",
         "source_id": "syn-stats-2023"},
        {"plan_id": HOME_PLAN, "indicator_id": "charging-stations", "year": 2023, "value": 15, "status": "最终数",
         "source_id": "syn-stats-2099"},
        # a second final value for 2022 beside the one already in observations.csv
        {"plan_id": HOME_PLAN, "indicator_id": "non-fossil-share", "year": 2022, "value": 15.1, "status": "最终数",
         "source_id": "syn-stats-2021"},
        # the same new row twice: the second is a duplicate key
        {"plan_id": HOME_PLAN, "indicator_id": "new-energy-capacity", "year": 2024, "value": 600, "status": "初步数",
         "source_id": "syn-stats-2023"},
        {"plan_id": HOME_PLAN, "indicator_id": "new-energy-capacity", "year": 2024, "value": 600, "status": "初步数",
         "source_id": "syn-stats-2023"},
    ]
    source = {**NEW_SOURCE, "source_id": "syn-bad-url", "url": "ftp://example.org/x"}
    book = fill(template, tmp_path / BOOK, values, [source])
    problems = problems_of(project, book)
    rows = {v["indicator_id"]: row_of(template, HOME_PLAN, v["indicator_id"]) for v in values}
    sheet = load_workbook(book)[wb.VALUES_SHEET]
    column = {c.field: n for n, c in enumerate(wb.VALUE_COLUMNS, start=1)}
    second = next(r for r in range(2, sheet.max_row + 1) if r != rows["new-energy-capacity"]
                  and sheet.cell(r, column["indicator_id"]).value == "new-energy-capacity"
                  and sheet.cell(r, column["year"]).value == 2024)  # in an open row below the list
    n_sources = len(load_data_root(project / "datapackages")[0].sources)
    found = where(problems)
    expected = {
        ("cell-type", BOOK, rows["coal-share"], H["value"]),
        ("cell-constraint", BOOK, rows["co2-intensity"], H["status"]),
        ("broken-reference", BOOK, rows["charging-stations"], H["source_id"]),
        ("duplicate-final-value", BOOK, rows["non-fossil-share"], H["status"]),
        ("duplicate-key", BOOK, second, None),
        ("cell-constraint", BOOK, 2 + n_sources, S["url"]),
    }
    assert expected <= found, found
    for p in problems:
        if p.file == BOOK:
            assert "工作表“" in p.message, p.message
    final = next(p for p in problems if p.code == "duplicate-final-value")
    assert f"{OBSERVATIONS_SHOWN} 第 " in final.message  # the value already there, named where it is
    duplicate = next(p for p in problems if p.code == "duplicate-key")
    assert f"与工作表“新增数值”第 {rows['new-energy-capacity']} 行重复" in duplicate.message
    assert next(p for p in problems if p.code == "broken-reference").hint.count("“来源”工作表") == 1


def test_usage_errors_exit_2(project, tmp_path):
    assert import_book(project, tmp_path / "missing.xlsx").exit_code == 2
    assert import_book(project, tmp_path).exit_code == 2


# ---------------------------------------------------------------------------------------------------
# the workbook's own problem codes: one case each
# ---------------------------------------------------------------------------------------------------

def _not_a_workbook(project: Path, tmp_path: Path) -> tuple[Path, set]:
    book = tmp_path / BOOK
    shutil.copyfile(project / "datapackages" / VALUES, book)  # a CSV with the wrong name
    return book, {("workbook-invalid", BOOK, None, None)}


def _old_xls(project: Path, tmp_path: Path) -> tuple[Path, set]:
    book = tmp_path / BOOK
    book.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return book, {("workbook-invalid", BOOK, None, None)}


def _sheet_deleted(project: Path, tmp_path: Path) -> tuple[Path, set]:
    def delete(book):
        del book[wb.SOURCES_SHEET]
    book = fill(make_template(project, tmp_path / "template.xlsx"), tmp_path / BOOK, NEW_VALUES[:1], edit=delete)
    return book, {("workbook-sheet-missing", BOOK, None, None)}


def _column_renamed(project: Path, tmp_path: Path) -> tuple[Path, set]:
    def rename(book):
        sheet = book[wb.VALUES_SHEET]
        next(c for c in sheet[1] if c.value == H["year"]).value = "年度"
    book = fill(make_template(project, tmp_path / "template.xlsx"), tmp_path / BOOK, NEW_VALUES[:1], edit=rename)
    return book, {("workbook-column-missing", BOOK, 1, H["year"])}


def _excel_made_a_date_a_percent_and_a_formula(project: Path, tmp_path: Path) -> tuple[Path, set]:
    template = make_template(project, tmp_path / "template.xlsx")
    row = row_of(template, HOME_PLAN, "non-fossil-share")

    def excel(book):
        sheet = book[wb.VALUES_SHEET]
        column = {c.value: c.column for c in sheet[1]}
        sheet.cell(row, column[H["value"]]).number_format = "0.0%"  # 17.1% typed into a General cell
        sheet.cell(row, column[H["value"]]).value = 0.171
        sheet.cell(row, column[H["year"]]).value = datetime(2024, 1, 1)
        sheet.cell(row, column[H["note"]]).value = "=A1"
    book = fill(template, tmp_path / BOOK, NEW_VALUES[:1], [NEW_SOURCE], edit=excel)
    return book, {("workbook-cell-type", BOOK, row, H["value"]), ("workbook-cell-type", BOOK, row, H["year"]),
                  ("workbook-cell-type", BOOK, row, H["note"])}


# name -> (the code it triggers, the case: a workbook and the (code, file, row, field) it must be reported at)
WORKBOOK_CASES = {
    "not-a-workbook": ("workbook-invalid", _not_a_workbook),
    "old-xls": ("workbook-invalid", _old_xls),
    "sheet-deleted": ("workbook-sheet-missing", _sheet_deleted),
    "column-renamed": ("workbook-column-missing", _column_renamed),
    "excel-made-a-date-a-percent-and-a-formula": ("workbook-cell-type", _excel_made_a_date_a_percent_and_a_formula),
}


@pytest.mark.parametrize("name", sorted(WORKBOOK_CASES))
def test_each_workbook_problem_is_reported_where_it_is_and_changes_nothing(name, project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, make = WORKBOOK_CASES[name]
    book, expected = make(project, tmp_path)
    problems = problems_of(project, book)
    assert expected <= where(problems), where(problems)
    assert {e[0] for e in expected} == {code}
    assert all(p.code in CATALOGUE for p in problems)
    before = data_bytes(project)
    result = import_book(project, BOOK, "--apply")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output
    assert data_bytes(project) == before


def test_a_cell_excel_changed_is_explained(project, tmp_path):
    book, _ = _excel_made_a_date_a_percent_and_a_formula(project, tmp_path)
    messages = {p.field: p.message for p in problems_of(project, book) if p.code == "workbook-cell-type"}
    assert "显示为 17.1%，实际存的是 0.171" in messages[H["value"]]
    assert "被 Excel 当成了日期（2024-01-01）" in messages[H["year"]]
    assert "是公式“=A1”" in messages[H["note"]]
    assert all(m.startswith("工作表“新增数值”第 ") for m in messages.values())


def test_a_csv_changed_during_the_import_is_not_overwritten(project, tmp_path, monkeypatch):
    book = fill(make_template(project, tmp_path / "template.xlsx"), tmp_path / BOOK, NEW_VALUES, [NEW_SOURCE])
    observations = project / "datapackages" / VALUES
    check = wb._validate_copy

    def someone_edits_meanwhile(*args, **kwargs):
        found = check(*args, **kwargs)
        observations.write_bytes(observations.read_bytes() + b"edited meanwhile\r\n")
        return found

    monkeypatch.setattr(wb, "_validate_copy", someone_edits_meanwhile)
    before = data_bytes(project)
    config, _ = load_config(project / "carbon-site.toml")
    with pytest.raises(DataInvalid) as raised:
        wb.import_workbook(config, project / "datapackages", book, display=BOOK, apply=True)
    assert where(raised.value.problems) == {("import-conflict", OBSERVATIONS_SHOWN, None, None)}
    after = data_bytes(project)
    assert after[VALUES].endswith(b"edited meanwhile\r\n") and after[SOURCES] == before[SOURCES]
    assert not [p for p in observations.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_data_root_without_published_values_has_nowhere_to_import_to(project, tmp_path):
    book = fill(make_template(project, tmp_path / "template.xlsx"), tmp_path / BOOK, NEW_VALUES[:1])
    shutil.rmtree(project / "datapackages" / "published-values")
    before = data_bytes(project)
    assert where(problems_of(project, book)) == {("import-no-values-package", "datapackages", None, None)}
    assert data_bytes(project) == before


def test_every_code_of_the_workbook_has_a_case_here():
    """The workbook cases above, and the import codes by the two tests before this one."""
    triggered = {code for code, _ in WORKBOOK_CASES.values()} | {"import-conflict", "import-no-values-package"}
    assert {code for code in CATALOGUE if code.startswith(("workbook-", "import-"))} == triggered


# ---------------------------------------------------------------------------------------------------
# writing: all files or none, and never through the real files while checking
# ---------------------------------------------------------------------------------------------------

def test_a_failed_move_puts_back_the_files_already_replaced(tmp_path, monkeypatch):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(b"old a\r\n")
    second.write_bytes(b"old b\r\n")
    real_replace = os.replace
    calls = []

    def failing_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_second)
    with pytest.raises(OSError):
        wb.write_files_atomically([(first, b"old a\r\n", b"new a\r\n"), (second, b"old b\r\n", b"new b\r\n")])
    monkeypatch.undo()
    assert (first.read_bytes(), second.read_bytes()) == (b"old a\r\n", b"old b\r\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]


def test_checking_never_writes_through_a_link_into_the_real_data_and_applying_keeps_the_link(project, tmp_path):
    data = project / "datapackages" / "published-values"
    real = data / "observations-kept-here.csv"
    (data / "data" / "observations.csv").rename(real)
    (data / "data" / "observations.csv").symlink_to(real.resolve())  # an absolute link, inside the package
    before = real.read_bytes()
    book = fill(make_template(project, tmp_path / "template.xlsx"), tmp_path / BOOK, NEW_VALUES, [NEW_SOURCE])
    import_book(project, book)
    assert real.read_bytes() == before
    assert (data / "data" / "observations.csv").is_symlink()
    applied = import_book(project, book, "--apply")
    assert applied.exit_code == 0, applied.output
    assert (data / "data" / "observations.csv").is_symlink(), "the link is kept; the file it points to is updated"
    assert NEW_LINES[0] in csv_lines(real.read_bytes())
