"""The Problem type, the catalogue of codes, and the text and JSON reports."""
from __future__ import annotations

import json
import re

import pytest
from fixtures.bad_cases import ALL_CASES

from builder.problems import CATALOGUE, DataInvalid, Problem, format_json, format_text, problem, summary_line

HAN = re.compile(r"[\u4e00-\u9fff]")
# Codes no data root can produce: frictionless errors the loader has no specific mapping for.
# Triggered by tests/unit/test_load.py::test_unmapped_frictionless_error_is_table_invalid.
UNIT_ONLY_CODES = {"table-invalid"}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_entry_is_kebab_case_and_explained_in_chinese(code):
    info = CATALOGUE[code]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code)
    for text in (info.title, info.description, info.hint):
        assert HAN.search(text), (code, text)


def test_every_code_has_a_fixture_or_test_that_triggers_it():
    triggered = {case.code for case in ALL_CASES.values()} | UNIT_ONLY_CODES
    assert sorted(set(CATALOGUE) - triggered) == []
    assert sorted(triggered - set(CATALOGUE)) == []


def test_problem_takes_the_catalogue_hint_unless_given_one():
    assert problem("blank-row", "空行", file="a.csv", row=3).hint == CATALOGUE["blank-row"].hint
    assert problem("blank-row", "空行", hint="删掉它").hint == "删掉它"


def test_problem_refuses_a_code_missing_from_the_catalogue():
    with pytest.raises(KeyError):
        problem("no-such-code", "x")


def test_text_report_is_sorted_by_file_and_row_with_hints_and_a_summary():
    problems = [
        problem("cell-type", "“abc” 不是数字", file="d/b.csv", row=14, field="target_value"),
        problem("blank-row", "这一行是空行", file="d/b.csv", row=3),
        problem("unknown-package", "子目录“x”不是已知的数据包", file="d/x", severity="warning"),
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


def test_clean_report_says_so():
    assert format_text([]) == "validate: 没有发现问题"
    assert summary_line([], "build") == "build: 没有发现问题"


def test_json_report_parses_and_counts():
    problems = [problem("blank-row", "空行", file="b.csv", row=3),
                problem("quote-untrimmed", "空白", file="a.csv", row=2, severity="warning")]
    doc = json.loads(format_json(problems))
    assert (doc["valid"], doc["errors"], doc["warnings"]) == (False, 1, 1)
    assert [(p["code"], p["file"], p["row"]) for p in doc["problems"]] == [
        ("quote-untrimmed", "a.csv", 2), ("blank-row", "b.csv", 3)]
    assert json.loads(format_json([]))["valid"] is True


def test_data_invalid_carries_every_problem():
    problems = [Problem("blank-row", "空行"), Problem("quote-untrimmed", "空白", severity="warning")]
    error = DataInvalid(problems)
    assert error.problems == problems
    assert "1" in str(error)
