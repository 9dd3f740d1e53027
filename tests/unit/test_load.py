"""Loading a data root: packages found by their resources, path safety, encodings, control
characters, CSV syntax, headers, frictionless errors, and the model with every record keyed
by its plan."""
from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from fixtures.bad_cases import (ALL_CASES, CASE_FIELDS, JL, LOADER_CODES, OBSERVATIONS, PV, SC, SY, SY_DEPARTMENTS,
                                SY_PLANS, SY_TARGETS, SY_TEXT, edit_descriptor, excel_csv_utf8, read_rows, set_cell,
                                set_resource, write_rows)
from frictionless import errors as frictionless_errors

from builder.checks import validate_data_root
from builder.load import MAX_CSV_BYTES, Table, display_prefix, load_data_root, map_error
from builder.load.tables import PATTERN_WORDS
from builder.model import Furniture, PlanPackage, ValuesPackage

D = "datapackages"
TARGETS = f"{D}/{SY_TARGETS}"
DEPARTMENTS = f"{D}/{SY_DEPARTMENTS}"
DESCRIPTOR = f"{D}/{SY}/datapackage.json"
PLANS = f"{D}/{SY_PLANS}"

# Cases whose problem the loader itself reports (the others are cross-resource checks).
LOAD_CASES = sorted(name for name, case in ALL_CASES.items() if case.code in LOADER_CODES)
# Cases whose one defect is, by its nature, also reported in a second file.
TWO_FILE_CASES = {"duplicate-package-name"}  # the message names the other package; one problem


def where(problems) -> set[tuple]:
    """(code, file, row, field) of each problem: what the tests assert."""
    return {(p.code, p.file, p.row, p.field) for p in problems}


def errors_of(problems):
    return [p for p in problems if p.is_error]


def loaded(root: Path):
    data, problems = load_data_root(root)
    assert problems == [] and data is not None, [(p.code, p.file, p.row, p.field) for p in problems]
    return data


# --- the synthetic root ---------------------------------------------------------------------------
def test_synthetic_root_loads_without_problems(synthetic_root):
    data = loaded(synthetic_root)
    assert [p.plan_id for p in data.plans] == ["synthetic-jilin", "synthetic-songyuan", "synthetic-second-city"]
    assert [p.name for p in data.plans] == [JL, SY, SC]
    assert (len(data.targets()), len(data.observations), len(data.sources)) == (21, 22, 3)
    assert [(p.folder, p.kind) for p in data.packages] == [(JL, "plan"), (PV, "values"), (SC, "plan"), (SY, "plan")]


def test_packages_are_found_by_their_resources_not_their_folder_names(synthetic_root, tmp_path):
    expected = loaded(synthetic_root)
    renamed = tmp_path / "renamed"
    shutil.copytree(synthetic_root, renamed)
    (renamed / SY).rename(renamed / "observations")  # a plan package in a folder named like a table
    (renamed / PV).rename(renamed / "aa-plan")  # the published values in a folder named like a plan
    data = loaded(renamed)
    assert [p.plan_id for p in data.plans] == [p.plan_id for p in expected.plans]
    assert data.plan("synthetic-songyuan").name == "observations"
    assert data.values.package.folder == "aa-plan"
    assert data.observations == expected.observations
    assert data.plan("synthetic-songyuan").targets == expected.plan("synthetic-songyuan").targets


def test_a_package_with_neither_plans_nor_published_values_is_a_descriptor_problem(synthetic_root):
    edit_descriptor(synthetic_root, SY, lambda d: d.update(resources=[r for r in d["resources"] if r["name"] == "tasks"]))
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("descriptor-invalid", DESCRIPTOR, None, "resources")}


def test_model_values_are_typed_and_empty_cells_are_none(synthetic_root):
    data = loaded(synthetic_root)
    songyuan = data.plan("synthetic-songyuan")
    assert songyuan.plan.issue_date == date(2023, 12, 26)
    assert (songyuan.plan.jurisdiction_code, songyuan.plan.jurisdiction_level) == ("220700", "city")
    assert songyuan.plan.parent_plan_id == "synthetic-jilin"
    assert data.plan("synthetic-jilin").plan.parent_plan_id is None
    headline = songyuan.indicator("non-fossil-share")
    assert (headline.area_id, headline.task_id, headline.definition_en is None) == (None, None, False)
    assert headline.comparable_indicator_id == "jl-non-fossil-share"
    approx = next(t for t in songyuan.targets if t.target_id == "non-fossil-2030")
    assert (approx.target_value, approx.comparator, approx.tolerance, approx.aspirational) == (25.0, "≈", 1.0, True)
    assert isinstance(approx.target_value, float)
    deferred = next(t for t in songyuan.targets if t.kind == "deferred")
    assert (deferred.target_value, deferred.comparator) == (None, None)
    assert data.sources[0].accessed == date(2024, 6, 1)
    assert {o.plan_id for o in data.observations} == {"synthetic-jilin", "synthetic-songyuan", "synthetic-second-city"}


def test_every_record_of_a_plan_package_carries_its_plan_id(synthetic_root):
    data = loaded(synthetic_root)
    for plan in data.plans:
        for table in (plan.areas, plan.tasks, plan.departments, plan.task_departments, plan.indicators, plan.targets,
                      plan.key_projects):
            assert {record.plan_id for record in table} <= {plan.plan_id}
            assert {record.package for record in table} <= {plan.name}
        assert plan.targets and plan.indicators


def test_every_record_knows_its_physical_line_and_file(synthetic_root):
    data = loaded(synthetic_root)
    songyuan = data.plan("synthetic-songyuan")
    assert [t.row for t in songyuan.targets] == list(range(2, 10))
    assert [o.row for o in data.observations] == list(range(2, 24))
    assert songyuan.plan.row == 2
    assert data.file_for(SY, "targets") == TARGETS
    assert data.file_for(PV, "observations") == f"{D}/{OBSERVATIONS}"
    assert songyuan.package.file_for("plans") == PLANS
    assert data.file_for("no-such-folder", "targets") is None


def test_ids_are_unique_within_a_plan_not_across_plans(synthetic_root):
    data = loaded(synthetic_root)
    city, second = data.plan("synthetic-songyuan"), data.plan("synthetic-second-city")
    shared = {i.indicator_id for i in city.indicators} & {i.indicator_id for i in second.indicators}
    assert {"non-fossil-share", "co2-intensity", "coal-share"} <= shared
    assert city.indicator("non-fossil-share").name_zh != second.indicator("non-fossil-share").name_zh
    assert city.indicator("non-fossil-share").key == ("synthetic-songyuan", "non-fossil-share")
    assert second.indicator("non-fossil-share").key == ("synthetic-second-city", "non-fossil-share")
    assert city.department("syn-fgw").name_zh == "合成发改委" and second.department("syn-fgw").name_zh == "合成乙市发改委"
    both = [t for t in data.targets() if t.target_id == "non-fossil-2025"]
    assert sorted((t.plan_id, t.target_value) for t in both) == [("synthetic-second-city", 22.0),
                                                                ("synthetic-songyuan", 20.0)]


def test_every_file_a_later_stage_needs_is_read_once_and_carried_as_bytes(synthetic_root):
    data = loaded(synthetic_root)
    second = data.package(SC)
    expected = {"datapackage.json", "README.md", "source/plan-text.txt",
                *(f"data/{name}.csv" for name in ("plans", "action_areas", "tasks", "departments", "task_departments",
                                                 "indicators", "targets", "key_projects"))}
    assert set(second.files) == expected
    for rel, content in second.files.items():
        assert content == (synthetic_root / SC / rel).read_bytes(), rel
    assert second.resources["targets"] == "data/targets.csv"
    assert "README.md" not in data.package(SY).files  # the first city ships no README
    assert data.plan("synthetic-second-city").text == (synthetic_root / SC / "source/plan-text.txt").read_text("utf-8")


def test_a_plan_without_a_transcription_has_no_text(synthetic_root):
    set_cell(synthetic_root, SY_PLANS, 2, "source_text", "")
    data = loaded(synthetic_root)
    assert data.plan("synthetic-songyuan").text is None
    assert "source/plan-text.txt" not in data.package(SY).files


def test_a_transcription_may_mark_page_breaks_with_form_feeds(synthetic_root):
    path = synthetic_root / SY_TEXT
    path.write_text(path.read_text(encoding="utf-8").replace("\n三、重点任务", "\f\n三、重点任务"), encoding="utf-8")
    assert "\f" in loaded(synthetic_root).plan("synthetic-songyuan").text


def test_excel_csv_utf8_with_bom_and_crlf_is_accepted(tmp_path, synthetic_root):
    excel_root = excel_csv_utf8(tmp_path / "excel")
    assert (excel_root / SY_TARGETS).read_bytes().startswith(b"\xef\xbb\xbftarget_id,")
    assert b"\r\n" in (excel_root / SY_TARGETS).read_bytes()
    excel = loaded(excel_root)
    plain = loaded(synthetic_root)
    for ours, theirs in zip(excel.plans, plain.plans, strict=True):
        for table in ("plan", "areas", "tasks", "departments", "task_departments", "indicators", "targets",
                      "key_projects"):
            assert getattr(ours, table) == getattr(theirs, table), (ours.plan_id, table)
    assert excel.observations == plain.observations and excel.sources == plain.sources


# --- page furniture declared by a package ------------------------------------------------------------
def test_declared_page_furniture_comes_with_the_plan(synthetic_root):
    furniture = {"lines": ["^SYNTHETIC 合成测试文本"], "fragments": ["（合成页脚\\d+）"]}
    edit_descriptor(synthetic_root, SY, lambda d: d.update(plan_text_furniture=furniture))
    data = loaded(synthetic_root)
    assert data.plan("synthetic-songyuan").furniture == Furniture(("^SYNTHETIC 合成测试文本",), ("（合成页脚\\d+）",))
    assert data.plan("synthetic-second-city").furniture == Furniture()


@pytest.mark.parametrize("declared, field", [
    (["^页脚"], "plan_text_furniture"),
    ({"lines": ["^页脚"], "headers": []}, "plan_text_furniture"),
    ({"lines": "^页脚"}, "plan_text_furniture.lines"),
    ({"fragments": ["(未闭合"]}, "plan_text_furniture.fragments"),
    ({"lines": [""]}, "plan_text_furniture.lines"),
])
def test_declared_furniture_that_cannot_be_used_is_a_descriptor_problem(synthetic_root, declared, field):
    edit_descriptor(synthetic_root, SY, lambda d: d.update(plan_text_furniture=declared))
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.file, p.field) for p in problems] == [("descriptor-invalid", DESCRIPTOR, field)]
    # the checks then run on what was read, the quotes too: the bad declaration must not crash them
    result = validate_data_root(synthetic_root)
    assert [(p.code, p.file, p.field) for p in result.problems] == [("descriptor-invalid", DESCRIPTOR, field)]


# --- one defect, one problem, in the right place ---------------------------------------------------
@pytest.mark.parametrize("name", LOAD_CASES)
def test_each_bad_input_is_reported_where_it_is(name, tmp_path):
    case = ALL_CASES[name]
    data, problems = load_data_root(case.make(tmp_path))
    matching = [p for p in problems if p.code == case.code and p.file.endswith(case.file) and p.row == case.row]
    assert matching, [(p.code, p.file, p.row, p.field) for p in problems]
    assert matching[0].field == CASE_FIELDS.get(name)
    # one defect: every error names the same file
    assert {p.file for p in errors_of(problems)} <= {matching[0].file}
    # what could be read is kept for the checks; there is no model only when there is no data root
    assert (data is None) == (case.code == "data-dir-missing")


def test_a_row_with_an_error_is_left_out_and_the_rest_of_the_table_kept(synthetic_root):
    set_cell(synthetic_root, SY_TARGETS, 3, "target_year", "2025年")
    data, problems = load_data_root(synthetic_root)
    assert where(problems) == {("cell-type", TARGETS, 3, "target_year")}
    targets = data.plan("synthetic-songyuan").targets
    assert [t.row for t in targets] == [2, 4, 5, 6, 7, 8, 9]
    assert not data.complete(SY, "targets") and data.complete(SY, "indicators") and data.complete(SC, "targets")
    assert not data.unreadable


def test_a_package_that_cannot_be_read_at_all_makes_every_id_uncertain(tmp_path):
    data, _ = load_data_root(ALL_CASES["invalid-json"].make(tmp_path))
    assert data.plan("synthetic-songyuan") is None and data.unreadable
    assert not data.complete(SC, "indicators")
    assert [p.plan_id for p in data.plans] == ["synthetic-jilin", "synthetic-second-city"]


def test_a_table_that_cannot_be_read_causes_no_follow_on_reference_errors(tmp_path):
    root = ALL_CASES["gbk-encoded-csv"].make(tmp_path)
    _, problems = load_data_root(root)
    assert [p.code for p in problems] == ["encoding-gbk"]  # task_departments → departments is not checked


def test_a_broken_package_does_not_hide_the_problems_of_another(synthetic_root):
    set_cell(synthetic_root, SY_TARGETS, 2, "target_value", "二十")
    set_cell(synthetic_root, f"{SC}/data/targets.csv", 3, "target_year", "2025年")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("cell-type", TARGETS, 2, "target_value"),
                               ("cell-type", f"{D}/{SC}/data/targets.csv", 3, "target_year")}


def test_a_cell_spanning_lines_shifts_later_rows_to_their_physical_line(synthetic_root):
    set_cell(synthetic_root, SY_TARGETS, 2, "note", "第一行\n第二行")
    set_cell(synthetic_root, SY_TARGETS, 3, "target_value", "abc")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("cell-type", TARGETS, 4, "target_value")}


def test_type_error_message_names_the_value_and_says_what_is_expected(synthetic_root):
    set_cell(synthetic_root, OBSERVATIONS, 3, "year", "2021年")
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.row, p.field) for p in problems] == [("cell-type", 3, "year")]
    assert "“2021年”" in problems[0].message and "整数" in problems[0].message


@pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity"])
def test_not_a_finite_number_is_a_type_error(synthetic_root, value):
    set_cell(synthetic_root, OBSERVATIONS, 2, "value", value)
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("cell-type", f"{D}/{OBSERVATIONS}", 2, "value")}


def test_broken_foreign_key_names_value_and_table(synthetic_root):
    set_cell(synthetic_root, SY_TARGETS, 3, "indicator_id", "no-such")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("broken-reference", TARGETS, 3, "indicator_id")}
    assert "“no-such”" in problems[0].message and "indicators" in problems[0].message


def test_a_reference_resolves_within_its_own_plan_only(synthetic_root):
    # energy-intensity is an indicator of the second city, not of the first
    set_cell(synthetic_root, SY_TARGETS, 2, "indicator_id", "energy-intensity")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("broken-reference", TARGETS, 2, "indicator_id")}


def test_missing_and_extra_columns_are_named_not_reported_row_by_row(synthetic_root):
    rows = [[r[0], r[2], "x"] for r in read_rows(synthetic_root, SY_DEPARTMENTS)]
    rows[0][2] = "remark"
    write_rows(synthetic_root, SY_DEPARTMENTS, rows)
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("missing-column", DEPARTMENTS, 1, "name_zh"),
                               ("missing-column", DEPARTMENTS, 1, "full_name_zh"),
                               ("extra-column", DEPARTMENTS, 1, "remark")}


def test_a_column_renamed_by_case_or_spaces_is_a_renamed_column(synthetic_root):
    rows = read_rows(synthetic_root, SY_DEPARTMENTS)
    rows[0] = ["department_id", "Name_ZH ", "name_en", "full_name_zh"]
    write_rows(synthetic_root, SY_DEPARTMENTS, rows)
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("renamed-column", DEPARTMENTS, 1, "name_zh")}


def test_trailing_comma_in_header_is_an_unnamed_extra_column(synthetic_root):
    rows = read_rows(synthetic_root, SY_DEPARTMENTS)
    write_rows(synthetic_root, SY_DEPARTMENTS, [rows[0] + [""]] + [r + ["x"] for r in rows[1:]])
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("extra-column", DEPARTMENTS, 1, None)}
    assert "第 5 列没有列名" in problems[0].message


def test_empty_columns_and_rows_excel_leaves_around_a_table_are_ignored(synthetic_root):
    rows = read_rows(synthetic_root, SY_DEPARTMENTS)
    write_rows(synthetic_root, SY_DEPARTMENTS, [r + ["", ""] for r in rows] + [[""] * 6, [""] * 6])
    data = loaded(synthetic_root)
    assert len(data.plan("synthetic-songyuan").departments) == 3


def test_stray_character_after_closing_quote_is_malformed(synthetic_root):
    path = synthetic_root / SY_DEPARTMENTS
    path.write_text(path.read_text(encoding="utf-8").replace("syn-jiaotong,", '"syn-jiaotong"x,'), encoding="utf-8")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("csv-malformed", DEPARTMENTS, 4, None)}


def test_empty_csv_is_malformed(synthetic_root):
    (synthetic_root / SY_DEPARTMENTS).write_bytes(b"")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("csv-malformed", DEPARTMENTS, 1, None)}


def test_utf16_is_an_encoding_problem_that_says_so(synthetic_root):
    path = synthetic_root / SY_DEPARTMENTS
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.file) for p in problems] == [("encoding-invalid", DEPARTMENTS)]
    assert "UTF-16" in problems[0].message


def test_gbk_problem_tells_how_to_save_as_utf8(tmp_path):
    _, problems = load_data_root(ALL_CASES["gbk-encoded-csv"].make(tmp_path))
    assert "GBK" in problems[0].message
    assert "CSV UTF-8（逗号分隔）" in problems[0].hint


def test_a_gbk_plan_text_names_the_text_file_and_quotes_the_line(tmp_path):
    _, problems = load_data_root(ALL_CASES["gbk-encoded-plan-text"].make(tmp_path))
    assert where(problems) == {("encoding-gbk", f"{D}/{SY_TEXT}", 1, None)}
    assert "SYNTHETIC 合成测试文本" in problems[0].message


# --- control characters and oversized cells ---------------------------------------------------------
@pytest.mark.parametrize("char, name", [("\x00", "NUL"), ("\x1b", "ESC"), ("\x08", "BS"), ("\x7f", "DEL"),
                                        ("\x85", "C1"), ("\x0c", "U+000C")])
def test_a_control_character_in_a_cell_is_named_with_its_row_and_field(synthetic_root, char, name):
    set_cell(synthetic_root, OBSERVATIONS, 4, "note", f"合成{char}说明")
    data, problems = load_data_root(synthetic_root)
    assert 4 not in [o.row for o in data.observations] and len(data.observations) == 21  # the row is left out
    assert not data.complete(PV, "observations")
    assert where(problems) == {("control-character", f"{D}/{OBSERVATIONS}", 4, "note")}
    assert name in problems[0].message and char not in problems[0].message


def test_every_cell_with_a_control_character_is_reported(synthetic_root):
    set_cell(synthetic_root, SY_TARGETS, 2, "note", "a\x1bb")
    set_cell(synthetic_root, SY_TARGETS, 5, "quote_zh", "（合成）\x00引文")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("control-character", TARGETS, 2, "note"), ("control-character", TARGETS, 5, "quote_zh")}


def test_tabs_and_line_breaks_in_a_cell_are_text_not_control_characters(synthetic_root):
    set_cell(synthetic_root, SY_TARGETS, 2, "note", "第一段\t说明\r\n第二段")
    assert loaded(synthetic_root).plan("synthetic-songyuan").targets[0].note == "第一段\t说明\r\n第二段"


def test_a_control_character_in_the_plan_text_names_the_text_file_and_line(tmp_path):
    case = ALL_CASES["control-character-in-plan-text"]
    _, problems = load_data_root(case.make(tmp_path))
    assert where(problems) == {("control-character", f"{D}/{SY_TEXT}", case.row, None)}
    assert "退格符 BS" in problems[0].message


def test_a_control_character_in_a_readme_is_reported(synthetic_root):
    (synthetic_root / SC / "README.md").write_text("# 合成\n\n说明\x1b[2J\n", encoding="utf-8")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("control-character", f"{D}/{SC}/README.md", 3, None)}


def test_a_control_character_in_the_descriptor_names_the_property(synthetic_root):
    edit_descriptor(synthetic_root, SY, lambda d: d.update(title="合成\x1b[31m标题"))
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("control-character", DESCRIPTOR, None, "title")}


def test_a_control_character_in_a_folder_name_is_reported_escaped(synthetic_root):
    (synthetic_root / SC).rename(synthetic_root / "second\ncity")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("path-control-character", f"{D}/second\\x0acity", None, None)}


def test_a_cell_over_the_limit_is_reported_not_read(tmp_path):
    case = ALL_CASES["cell-too-large"]
    data, problems = load_data_root(case.make(tmp_path))
    assert where(problems) == {("cell-too-large", TARGETS, 3, "note")}
    targets = data.plan("synthetic-songyuan").targets
    assert len(targets) == 7 and 3 not in {t.row for t in targets}  # that row is left out, the rest read
    assert not data.complete(SY, "targets")
    assert "131,072" in problems[0].message


def test_a_cell_just_under_the_limit_is_read(synthetic_root):
    set_cell(synthetic_root, SY_TARGETS, 3, "note", "长" * 131_000)
    assert len(loaded(synthetic_root).plan("synthetic-songyuan").targets[1].note) == 131_000


# --- descriptors and paths ----------------------------------------------------------------------
@pytest.mark.parametrize("path, code", [
    ("C:\\data\\targets.csv", "path-absolute"),
    ("\\\\server\\share\\targets.csv", "path-absolute"),
    ("file:///etc/passwd", "path-remote"),
    ("s3://bucket/targets.csv", "path-remote"),
    ("ftp://example.org/targets.csv", "path-remote"),
    ("data\\..\\..\\jilin-plan\\data\\targets.csv", "path-parent"),
    ("data/../../published-values/data/sources.csv", "path-parent"),
    ("data/targets\n.csv", "path-control-character"),
    ("data/tar\tgets.csv", "path-control-character"),
])
def test_unsafe_resource_paths_are_refused_before_reading(synthetic_root, path, code):
    set_resource(synthetic_root, SY, "targets", path=path)
    data, problems = load_data_root(synthetic_root)
    assert [(p.code, p.file, p.field) for p in problems] == [(code, DESCRIPTOR, "path")]
    assert data.plan("synthetic-songyuan").targets == () and not data.complete(SY, "targets")


def test_a_nul_in_a_descriptor_string_is_a_control_character_of_the_descriptor(synthetic_root):
    set_resource(synthetic_root, SY, "targets", path="data/\x00targets.csv")
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.file) for p in problems] == [("control-character", DESCRIPTOR)]
    assert problems[0].field.endswith(".path") and "\x00" not in problems[0].message


def test_a_path_is_shown_with_its_control_characters_escaped(synthetic_root):
    set_resource(synthetic_root, SY, "targets", path="data/tar\tgets.csv")
    _, problems = load_data_root(synthetic_root)
    assert "data/tar\\x09gets.csv" in problems[0].message and "\t" not in problems[0].message


def test_a_file_name_with_a_control_character_is_refused_even_through_a_symlink(synthetic_root):
    data_dir = synthetic_root / SY / "data"
    (data_dir / "targets.csv").rename(data_dir / "targets\x1b.csv")
    os.symlink("targets\x1b.csv", data_dir / "targets.csv")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("path-control-character", TARGETS, None, None)}


def test_remote_scheme_with_local_path_is_refused(synthetic_root):
    set_resource(synthetic_root, SY, "targets", scheme="https")
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.field) for p in problems] == [("descriptor-invalid", "scheme")]


def test_symlinked_folder_leading_outside_is_refused(tmp_path, synthetic_root):
    outside = tmp_path / "elsewhere"
    (synthetic_root / SY / "data").rename(outside)
    os.symlink(outside, synthetic_root / SY / "data")
    _, problems = load_data_root(synthetic_root)
    assert {p.code for p in problems} == {"path-symlink-escape"}
    assert len(problems) == 8  # every songyuan-plan table


def test_symlink_inside_the_package_is_fine(synthetic_root):
    data_dir = synthetic_root / SY / "data"
    (data_dir / "targets.csv").rename(data_dir / "targets-real.csv")
    os.symlink("targets-real.csv", data_dir / "targets.csv")
    loaded(synthetic_root)


def test_a_fifo_is_refused_without_being_opened(synthetic_root):
    (synthetic_root / SY_TARGETS).unlink()
    os.mkfifo(synthetic_root / SY_TARGETS)  # opening it would block forever
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("path-not-file", TARGETS, None, None)}


def test_large_file_problem_states_the_limit(tmp_path):
    _, problems = load_data_root(ALL_CASES["very-large-file"].make(tmp_path))
    assert f"{MAX_CSV_BYTES // (1024 * 1024)} MB" in problems[0].message


def test_a_missing_file_suggests_a_name_differing_only_in_case(synthetic_root):
    (synthetic_root / SY_TARGETS).rename(synthetic_root / SY / "data" / "Targets.csv")
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.file, p.field) for p in problems] == [("file-missing", DESCRIPTOR, "path")]
    assert "Targets.csv" in problems[0].message


@pytest.mark.parametrize("text, expected", [
    ("[1, 2]", "最外层必须是一个 JSON 对象"),
    ('{"name": "songyuan-plan"}', "缺少 resources"),
    ('{"name": "songyuan-plan", "resources": "data/targets.csv"}', "缺少 resources"),
    ('{"name": "songyuan-plan", "resources": []}', "缺少 resources"),
])
def test_descriptor_structure_problems(synthetic_root, text, expected):
    (synthetic_root / SY / "datapackage.json").write_text(text, encoding="utf-8")
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.file) for p in problems] == [("descriptor-invalid", DESCRIPTOR)]
    assert expected in problems[0].message


def test_a_descriptor_nested_too_deeply_to_parse_is_reported_not_a_crash(tmp_path):
    _, problems = load_data_root(ALL_CASES["deeply-nested-json"].make(tmp_path))
    assert where(problems) == {("json-invalid", DESCRIPTOR, None, None)}
    assert "嵌套" in problems[0].message


def test_a_descriptor_nested_deeper_than_a_descriptor_ever_is_refused(synthetic_root):
    edit_descriptor(synthetic_root, SY, lambda d: d.update(keywords=json.loads("[" * 40 + "]" * 40)))
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("descriptor-invalid", DESCRIPTOR, None, None)}


def test_a_json_syntax_error_is_located_and_explained_in_chinese(tmp_path):
    case = ALL_CASES["invalid-json"]
    _, problems = load_data_root(case.make(tmp_path))
    assert where(problems) == {("json-invalid", DESCRIPTOR, case.row, None)}
    assert "缺少逗号" in problems[0].message


@pytest.mark.parametrize("change, field", [
    ({"data": [["a"], ["1"]]}, "data"),
    ({"path": ["data/targets.csv", "data/more.csv"]}, "path"),
    ({"format": "xlsx"}, "format"),
    ({"encoding": "gbk"}, "encoding"),
    ({"dialect": {"delimiter": ";"}}, "dialect"),
])
def test_resource_properties_we_cannot_honour_are_descriptor_problems(synthetic_root, change, field):
    set_resource(synthetic_root, SY, "targets", **change)
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.field) for p in problems] == [("descriptor-invalid", field)]


def _edit_targets_schema(root: Path, edit) -> None:
    def change(descriptor: dict) -> None:
        targets = next(r for r in descriptor["resources"] if r["name"] == "targets")
        edit(targets["schema"])
    edit_descriptor(root, SY, change)


@pytest.mark.parametrize("edit, field", [
    (lambda schema: schema["fields"][4].update(type="string"), "target_value"),
    (lambda schema: schema["fields"].pop(10), "quote_zh"),
    (lambda schema: schema["fields"][3]["constraints"].update(minimum="2020"), "target_year"),
    (lambda schema: schema["fields"][0]["constraints"].update(pattern="(("), "target_id"),
    (lambda schema: schema["fields"][1].update(type="numbr"), "indicator_id"),
    (lambda schema: schema.update(primaryKey=["no_such_field"]), "primaryKey"),
])
def test_schema_edits_that_would_crash_are_descriptor_problems(synthetic_root, edit, field):
    _edit_targets_schema(synthetic_root, edit)
    data, problems = load_data_root(synthetic_root)
    assert not data.complete(SY, "targets")
    assert [(p.code, p.file, p.field) for p in problems] == [("descriptor-invalid", DESCRIPTOR, field)]


def test_foreign_key_to_a_resource_that_does_not_exist(synthetic_root):
    _edit_targets_schema(synthetic_root,
                         lambda schema: schema["foreignKeys"][0]["reference"].update(resource="indicator"))
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.field) for p in problems] == [("descriptor-invalid", "foreignKeys")]
    assert "indicator" in problems[0].message


def test_unknown_resource_in_a_package_is_refused(synthetic_root):
    def add(descriptor: dict) -> None:
        extra = dict(next(r for r in descriptor["resources"] if r["name"] == "departments"), name="extras")
        descriptor["resources"].append(extra)
    edit_descriptor(synthetic_root, SY, add)
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.field) for p in problems] == [("descriptor-invalid", "name")]


def test_source_text_path_is_checked_like_a_resource_path(synthetic_root):
    set_cell(synthetic_root, SY_PLANS, 2, "source_text", "source/missing.txt")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("file-missing", PLANS, 2, "source_text")}
    (synthetic_root / SY / "source" / "link.txt").symlink_to(synthetic_root / SC / "source" / "plan-text.txt")
    set_cell(synthetic_root, SY_PLANS, 2, "source_text", "source/link.txt")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("path-symlink-escape", f"{D}/{SY}/source/link.txt", None, None)}


def test_loading_never_modifies_the_data(tmp_path):
    root = ALL_CASES["duplicate-key"].make(tmp_path)
    before = {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    load_data_root(root)
    assert {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} == before


# --- the folders of a data root ------------------------------------------------------------------
def test_a_folder_of_text_only_is_not_a_package_and_is_ignored(synthetic_root):
    notes = synthetic_root / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("合成", encoding="utf-8")
    data, problems = load_data_root(synthetic_root)
    assert where(problems) == {("unknown-package", f"{D}/notes", None, None)}
    assert problems[0].severity == "warning" and data is not None


def test_hidden_folders_and_loose_files_are_not_packages(synthetic_root):
    (synthetic_root / ".git").mkdir()
    (synthetic_root / ".git" / "config.json").write_text("{}", encoding="utf-8")
    (synthetic_root / "notes.csv").write_text("a,b\n", encoding="utf-8")
    loaded(synthetic_root)


def test_two_packages_of_one_name_name_each_other(tmp_path):
    _, problems = load_data_root(ALL_CASES["duplicate-package-name"].make(tmp_path))
    assert [p.code for p in problems] == ["duplicate-package-name"]
    assert f"{D}/{SC}" in problems[0].message


def test_two_plans_of_one_plan_id_name_each_other(tmp_path):
    _, problems = load_data_root(ALL_CASES["duplicate-plan-id"].make(tmp_path))
    assert [p.code for p in problems] == ["duplicate-plan-id"]
    assert f"{D}/{SC}/data/plans.csv" in problems[0].message


def test_the_kinds_of_packages_are_told_apart(synthetic_root):
    data = loaded(synthetic_root)
    assert all(isinstance(p, PlanPackage) for p in data.plans)
    assert isinstance(data.values, ValuesPackage) and data.values.package.kind == "values"


def test_a_data_root_without_published_values_loads(synthetic_root):
    shutil.rmtree(synthetic_root / PV)
    data = loaded(synthetic_root)
    assert data.values is None and data.observations == () and data.sources == ()


# --- small pure helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize("given, shown", [
    ("datapackages", "datapackages"), ("./datapackages", "datapackages"), ("../data/pk", "../data/pk"),
    ("/srv/carbon/datapackages", "datapackages"), (".", ""),
])
def test_files_are_named_as_the_maintainer_typed_the_data_dir(given, shown):
    assert display_prefix(Path(given)) == shown


def test_unmapped_frictionless_error_is_table_invalid():
    table = Table("songyuan-plan", "targets", TARGETS, {"fields": [{"name": "a"}]}, ["a"], [["1"], ["2"]],
                  [1, 2, 4])
    error = frictionless_errors.RowConstraintError(note="a > 1", cells=["2"], row_number=3)
    mapped = map_error(error, table, {"targets": table}, {"a": {"name": "a"}})
    assert (mapped.code, mapped.file, mapped.row) == ("table-invalid", TARGETS, 4)
    assert "row-constraint" in mapped.message


def test_pointing_at_one_package_instead_of_the_root_says_so(synthetic_root):
    _, problems = load_data_root(synthetic_root / SY)
    hints = [p.hint or "" for p in problems]
    assert any("而不是单个数据包" in hint for hint in hints), [(p.code, p.file, p.hint) for p in problems]


def test_every_format_the_schema_uses_is_described_in_words():
    # The data dictionary and the validation messages say what a format asks for; a new pattern in the
    # descriptors carbon-site init writes must come with its words.
    scaffold = Path(__file__).resolve().parents[2] / "builder" / "scaffold"
    patterns = set()
    for descriptor in scaffold.glob("*.json"):
        for resource in json.loads(descriptor.read_text(encoding="utf-8")).get("resources", []):
            for field in resource.get("schema", {}).get("fields", []):
                pattern = (field.get("constraints") or {}).get("pattern")
                if pattern:
                    patterns.add(pattern)
    assert patterns and patterns <= set(PATTERN_WORDS), patterns - set(PATTERN_WORDS)
