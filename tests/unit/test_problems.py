"""The Problem type, the catalogue of codes, and the text and JSON reports; every code has a
fixture that triggers it."""
from __future__ import annotations

import json
import re

import pytest
from fixtures.bad_cases import (ALL_CASES, LOADER_CODES, PROJECT_CASES, WARNING_CASES, WORKBOOK_CASES,
                                project_problems)

from builder.problems import (CATALOGUE, DataInvalid, Problem, Report, format_json, format_text, json_text, printable,
                              problem, summary_line)

HAN = re.compile(r"[\u4e00-\u9fff]")
# Codes no bad input by itself can produce. table-invalid: a frictionless error the loader has no specific
# mapping for (tests/unit/test_load.py::test_unmapped_frictionless_error_is_table_invalid); import-conflict:
# a data file changed by someone else during an import
# (tests/unit/test_workbook.py::test_a_data_file_changed_while_importing_is_not_overwritten).
UNIT_ONLY_CODES = {"table-invalid", "import-conflict"}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_entry_is_kebab_case_and_explained_in_chinese(code):
    info = CATALOGUE[code]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code)
    for text in (info.title, info.description, info.hint):
        assert HAN.search(text), (code, text)
    assert info.severity in ("error", "warning")


def test_every_code_has_a_fixture_that_triggers_it():
    triggered = {case.code for cases in (ALL_CASES, PROJECT_CASES, WORKBOOK_CASES) for case in cases.values()}
    triggered |= UNIT_ONLY_CODES
    assert sorted(set(CATALOGUE) - triggered) == []
    assert sorted(triggered - set(CATALOGUE)) == []


def test_the_loader_codes_are_catalogue_codes():
    assert LOADER_CODES <= set(CATALOGUE)


def test_warning_cases_are_exactly_the_cases_of_warning_codes():
    warning_codes = {code for code, info in CATALOGUE.items() if info.severity == "warning"}
    assert {name for name, case in ALL_CASES.items() if case.code in warning_codes} == WARNING_CASES


def test_every_config_code_has_a_project_case_of_its_own_name():
    config_codes = {code for code in CATALOGUE if code.startswith("config-")}
    assert config_codes <= set(PROJECT_CASES)
    assert all(case.code == name for name, case in PROJECT_CASES.items())


@pytest.mark.parametrize("name", sorted(PROJECT_CASES))
def test_each_bad_project_is_reported_where_it_is(name, tmp_path):
    case = PROJECT_CASES[name]
    problems = project_problems(case.make(tmp_path))
    found = {(p.code, p.file, p.row, p.field) for p in problems}
    assert (case.code, case.file, case.row, case.field) in found, found
    assert all(HAN.search(p.message) for p in problems)


def test_problem_takes_the_catalogue_hint_and_severity_unless_given_them():
    assert problem("blank-row", "空行", file="a.csv", row=3).hint == CATALOGUE["blank-row"].hint
    assert problem("blank-row", "空行", hint="删掉它").hint == "删掉它"
    assert problem("quote-not-found", "找不到").severity == "warning"
    assert problem("quote-not-found", "找不到", severity="error").is_error


def test_problem_refuses_a_code_missing_from_the_catalogue():
    with pytest.raises(KeyError):
        problem("no-such-code", "x")


def test_report_collects_in_order_and_counts_errors():
    report = Report()
    report.add("blank-row", "空行", file="b.csv", row=3)
    report.add("unknown-package", "不是数据包", file="d/x")
    report.extend([problem("cell-type", "不是数字", file="a.csv", row=2, field="year")])
    assert [p.code for p in report.problems] == ["blank-row", "unknown-package", "cell-type"]
    assert (report.error_count, report.has_errors) == (2, True)
    warnings_only = Report()
    warnings_only.add("quote-untrimmed", "空白")
    assert (warnings_only.error_count, warnings_only.has_errors) == (0, False)


def test_text_report_is_sorted_by_file_and_row_with_hints_and_a_summary():
    problems = [
        problem("cell-type", "“abc” 不是数字", file="d/b.csv", row=14, field="target_value"),
        problem("blank-row", "这一行是空行", file="d/b.csv", row=3),
        problem("unknown-package", "子目录“x”不是已知的数据包", file="d/x"),
        problem("missing-column", "缺少列“note”", file="d/a.csv", row=1, field="note"),
    ]
    lines = format_text(problems).splitlines()
    firsts = [line for line in lines if not line.startswith("    ")]
    assert firsts == [
        "d/a.csv:1 [missing-column] 缺少列“note”",
        "d/b.csv:3 [blank-row] 这一行是空行",
        "d/b.csv:14 [cell-type] 字段 target_value：“abc” 不是数字",
        "d/x [unknown-package] 警告 子目录“x”不是已知的数据包",
        "validate: 3 个错误，1 个警告（3 个文件）",
    ]
    assert lines[1] == f"    提示：{CATALOGUE['missing-column'].hint}"


def test_a_problem_without_a_file_is_about_the_data_directory():
    assert format_text([problem("package-missing", "没有规划数据包")]).splitlines()[0] == \
        "(数据目录) [package-missing] 没有规划数据包"


def test_clean_report_says_so():
    assert format_text([]) == "validate: 没有发现问题"
    assert summary_line([], "build") == "build: 没有发现问题"


def test_text_report_cannot_send_control_sequences_to_a_terminal():
    hostile = problem("control-character", "“\x1b[31m红\x1b[0m”含有转义符", file="d/\x07a.csv", row=2,
                      hint="删除\x1b]0;title\x07")
    text = format_text([hostile])
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[31m" in text and "d/\\x07a.csv:2" in text


@pytest.mark.parametrize("raw, shown", [
    ("a\x00b", "a\\x00b"), ("\x1b[2J", "\\x1b[2J"), ("c\x9bd", "c\\x9bd"), ("del\x7f", "del\\x7f"),
    ("bidi\u202eevil", "bidi\\u202eevil"), ("zero\u200bwidth", "zero\\u200bwidth"), ("line\nbreak", "line\\x0abreak"),
    ("中文，全角", "中文，全角"),
])
def test_printable_escapes_every_control_and_invisible_character(raw, shown):
    assert printable(raw) == shown


def test_printable_may_keep_line_breaks():
    assert printable("一\n二\x1b", keep_newlines=True) == "一\n二\\x1b"


def test_json_report_parses_and_counts():
    problems = [problem("blank-row", "空行", file="b.csv", row=3),
                problem("quote-untrimmed", "空白", file="a.csv", row=2)]
    doc = json.loads(format_json(problems))
    assert (doc["valid"], doc["errors"], doc["warnings"]) == (False, 1, 1)
    assert [(p["code"], p["file"], p["row"], p["severity"]) for p in doc["problems"]] == [
        ("quote-untrimmed", "a.csv", 2, "warning"), ("blank-row", "b.csv", 3, "error")]
    assert json.loads(format_json([]))["valid"] is True


def test_json_text_keeps_chinese_readable_but_escapes_every_control_character():
    text = json_text({"message": "中文\x1b[31m\x9b\u202e"})
    assert "中文" in text
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202e]", text.replace("\n", ""))
    assert json.loads(text) == {"message": "中文\x1b[31m\x9b\u202e"}


def test_data_invalid_carries_every_problem():
    problems = [Problem("blank-row", "空行"), Problem("quote-untrimmed", "空白", severity="warning")]
    error = DataInvalid(problems)
    assert error.problems == problems
    assert "1" in str(error)
