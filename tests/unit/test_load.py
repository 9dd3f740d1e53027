"""Loading a data root: path safety, encodings, CSV syntax, headers, frictionless errors, the model."""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from fixtures.bad_cases import (ALL_CASES, CASE_FIELDS, OBSERVATIONS, SY, SY_DEPARTMENTS, SY_TARGETS, excel_csv_utf8,
                                read_rows, set_cell, set_resource, write_rows)
from frictionless import errors as frictionless_errors

from builder.load import MAX_CSV_BYTES, Table, display_prefix, load_data_root, map_error

D = "datapackages"
TARGETS = f"{D}/{SY_TARGETS}"
DEPARTMENTS = f"{D}/{SY_DEPARTMENTS}"
DESCRIPTOR = f"{D}/{SY}/datapackage.json"

# Cases whose problem the loader itself reports (the others are cross-resource checks).
LOAD_CASES = [name for name, case in ALL_CASES.items() if case.code in {
    "data-dir-missing", "package-missing", "unknown-package", "descriptor-missing", "json-invalid",
    "descriptor-invalid", "resource-missing", "path-absolute", "path-parent", "path-remote",
    "path-symlink-escape", "path-not-file", "file-missing", "file-too-large", "encoding-gbk", "encoding-invalid",
    "csv-malformed", "missing-column", "extra-column", "renamed-column", "duplicate-column", "column-order",
    "cell-type", "cell-constraint", "duplicate-key", "broken-reference", "blank-row", "extra-cell",
    "missing-cell", "plan-count"}]


def where(problems) -> set[tuple]:
    """(code, file, row, field) of each problem: what the tests assert."""
    return {(p.code, p.file, p.row, p.field) for p in problems}


def errors_of(problems):
    return [p for p in problems if p.is_error]


# --- the synthetic root ---------------------------------------------------------------------------
def test_synthetic_root_loads_without_problems(synthetic_root):
    data, problems = load_data_root(synthetic_root)
    assert problems == []
    assert [p.name for p in data.plans] == ["songyuan-plan", "jilin-plan"]
    assert (len(data.targets()), len(data.observations), len(data.sources)) == (10, 12, 3)


def test_model_values_are_typed_and_empty_cells_are_none(synthetic_root):
    data, _ = load_data_root(synthetic_root)
    songyuan = data.plan_package("songyuan-plan")
    assert songyuan.plan.issue_date == date(2023, 12, 26)
    headline = next(i for i in songyuan.indicators if i.indicator_id == "non-fossil-share")
    assert (headline.area_id, headline.task_id, headline.definition_en is None) == (None, None, False)
    approx = next(t for t in songyuan.targets if t.target_id == "non-fossil-2030")
    assert (approx.target_value, approx.comparator, approx.tolerance, approx.aspirational) == (25.0, "≈", 1.0, True)
    assert isinstance(approx.target_value, float)
    deferred = next(t for t in songyuan.targets if t.kind == "deferred")
    assert (deferred.target_value, deferred.comparator) == (None, None)
    assert data.sources[0].accessed == date(2024, 6, 1)


def test_every_record_knows_its_physical_line_and_file(synthetic_root):
    data, _ = load_data_root(synthetic_root)
    songyuan = data.plan_package("songyuan-plan")
    assert [t.row for t in songyuan.targets] == list(range(2, 10))
    assert data.observations[-1].row == 13
    assert songyuan.plan.row == 2
    assert data.file_for("songyuan-plan", "targets") == TARGETS
    assert data.file_for("published-values", "observations") == f"{D}/{OBSERVATIONS}"


def test_excel_csv_utf8_with_bom_and_crlf_is_accepted(tmp_path, synthetic_root):
    excel_root = excel_csv_utf8(tmp_path / "excel")
    assert (excel_root / SY_TARGETS).read_bytes().startswith(b"\xef\xbb\xbftarget_id,")
    assert b"\r\n" in (excel_root / SY_TARGETS).read_bytes()
    excel, problems = load_data_root(excel_root)
    plain, _ = load_data_root(synthetic_root)
    assert problems == []
    assert excel.plans == plain.plans
    assert excel.observations == plain.observations


# --- one defect, one problem, in the right place ---------------------------------------------------
@pytest.mark.parametrize("name", LOAD_CASES)
def test_each_bad_input_is_reported_where_it_is(name, tmp_path):
    case = ALL_CASES[name]
    data, problems = load_data_root(case.make(tmp_path))
    matching = [p for p in problems if p.code == case.code and p.file.endswith(case.file) and p.row == case.row]
    assert matching, [(p.code, p.file, p.row, p.field) for p in problems]
    if name in CASE_FIELDS:
        assert matching[0].field == CASE_FIELDS[name]
    # one defect: every error names the same file, and nothing is built from broken data
    assert {p.file for p in errors_of(problems)} <= {matching[0].file}
    assert (data is None) == bool(errors_of(problems))


def test_a_table_that_cannot_be_read_causes_no_follow_on_reference_errors(tmp_path):
    root = ALL_CASES["gbk-encoded-csv"].make(tmp_path)
    _, problems = load_data_root(root)
    assert [p.code for p in problems] == ["encoding-gbk"]  # task_departments → departments is not checked


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


def test_not_a_finite_number_is_a_type_error(synthetic_root):
    set_cell(synthetic_root, OBSERVATIONS, 2, "value", "NaN")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("cell-type", f"{D}/{OBSERVATIONS}", 2, "value")}


def test_broken_foreign_key_names_value_and_table(synthetic_root):
    set_cell(synthetic_root, SY_TARGETS, 3, "indicator_id", "no-such")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("broken-reference", TARGETS, 3, "indicator_id")}
    assert "“no-such”" in problems[0].message and "indicators" in problems[0].message


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
    rows = [r + [""] for r in read_rows(synthetic_root, SY_DEPARTMENTS)]
    write_rows(synthetic_root, SY_DEPARTMENTS, rows)
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("extra-column", DEPARTMENTS, 1, None)}
    assert "第 5 列没有列名" in problems[0].message


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


# --- descriptors and paths ----------------------------------------------------------------------
@pytest.mark.parametrize("path, code", [
    ("C:\\data\\targets.csv", "path-absolute"),
    ("\\\\server\\share\\targets.csv", "path-absolute"),
    ("file:///etc/passwd", "path-remote"),
    ("s3://bucket/targets.csv", "path-remote"),
    ("ftp://example.org/targets.csv", "path-remote"),
    ("data\\..\\..\\jilin-plan\\data\\targets.csv", "path-parent"),
    ("data/../../published-values/data/sources.csv", "path-parent"),
])
def test_unsafe_resource_paths_are_refused_before_reading(synthetic_root, path, code):
    set_resource(synthetic_root, SY, "targets", path=path)
    data, problems = load_data_root(synthetic_root)
    assert data is None
    assert [(p.code, p.file, p.field) for p in problems] == [(code, DESCRIPTOR, "path")]
    assert path in problems[0].message


def test_remote_scheme_with_local_path_is_refused(synthetic_root):
    set_resource(synthetic_root, SY, "targets", scheme="https")
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.field) for p in problems] == [("path-remote", "scheme")]


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
    data, problems = load_data_root(synthetic_root)
    assert problems == [] and data is not None


def test_a_fifo_is_refused_without_being_opened(synthetic_root):
    (synthetic_root / SY_TARGETS).unlink()
    os.mkfifo(synthetic_root / SY_TARGETS)  # opening it would block forever
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("path-not-file", TARGETS, None, None)}


def test_large_file_problem_states_the_limit(tmp_path):
    _, problems = load_data_root(ALL_CASES["very-large-file"].make(tmp_path))
    assert f"{MAX_CSV_BYTES // (1024 * 1024)} MB" in problems[0].message


@pytest.mark.parametrize("text, expected", [
    ("[1, 2]", "最外层必须是一个 JSON 对象"),
    ('{"name": "songyuan-plan"}', "缺少 resources"),
    ('{"name": "songyuan-plan", "resources": "data/targets.csv"}', "缺少 resources"),
])
def test_descriptor_structure_problems(synthetic_root, text, expected):
    (synthetic_root / SY / "datapackage.json").write_text(text, encoding="utf-8")
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.file) for p in problems] == [("descriptor-invalid", DESCRIPTOR)]
    assert expected in problems[0].message


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


def _targets_schema(root: Path) -> tuple[Path, dict]:
    path = root / SY / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    return path, descriptor


@pytest.mark.parametrize("edit, field", [
    (lambda fields: fields[4].update(type="string"), "target_value"),
    (lambda fields: fields.pop(10), "quote_zh"),
    (lambda fields: fields[3]["constraints"].update(minimum="2020"), "target_year"),
    (lambda fields: fields[0]["constraints"].update(pattern="(("), "target_id"),
    (lambda fields: fields[1].update(type="numbr"), "indicator_id"),
])
def test_schema_edits_that_would_crash_are_descriptor_problems(synthetic_root, edit, field):
    path, descriptor = _targets_schema(synthetic_root)
    targets = next(r for r in descriptor["resources"] if r["name"] == "targets")
    edit(targets["schema"]["fields"])
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    data, problems = load_data_root(synthetic_root)
    assert data is None
    assert [(p.code, p.file, p.field) for p in problems] == [("descriptor-invalid", DESCRIPTOR, field)]


def test_foreign_key_to_a_resource_that_does_not_exist(synthetic_root):
    path, descriptor = _targets_schema(synthetic_root)
    targets = next(r for r in descriptor["resources"] if r["name"] == "targets")
    targets["schema"]["foreignKeys"][0]["reference"]["resource"] = "indicator"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.field) for p in problems] == [("descriptor-invalid", "foreignKeys")]
    assert "indicator" in problems[0].message


def test_unknown_resource_in_a_package_is_refused(synthetic_root):
    path, descriptor = _targets_schema(synthetic_root)
    extra = dict(next(r for r in descriptor["resources"] if r["name"] == "departments"), name="extras")
    descriptor["resources"].append(extra)
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    _, problems = load_data_root(synthetic_root)
    assert [(p.code, p.field) for p in problems] == [("descriptor-invalid", "name")]


def test_source_text_path_is_checked_like_a_resource_path(synthetic_root):
    set_cell(synthetic_root, f"{SY}/data/plans.csv", 2, "source_text", "source/missing.txt")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("file-missing", f"{D}/{SY}/data/plans.csv", 2, "source_text")}
    set_cell(synthetic_root, f"{SY}/data/plans.csv", 2, "source_text", "../../etc/passwd.txt")
    _, problems = load_data_root(synthetic_root)
    assert where(problems) == {("path-parent", f"{D}/{SY}/data/plans.csv", 2, "source_text")}


def test_loading_never_modifies_the_data(tmp_path):
    root = ALL_CASES["duplicate-key"].make(tmp_path)
    before = {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    load_data_root(root)
    assert {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} == before


# --- small pure helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize("given, shown", [
    ("datapackages", "datapackages"), ("./datapackages", "datapackages"), ("../data/pk", "../data/pk"),
    ("/srv/carbon/datapackages", "datapackages"),
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
    missing = [p for p in problems if p.code == "package-missing"]
    assert len(missing) == 3
    assert "而不是单个数据包" in missing[0].hint
