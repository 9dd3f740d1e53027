"""Cross-resource rules: pure checks on the model, and each bad fixture reported where it is."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from fixtures.bad_cases import ALL_CASES, CASE_FIELDS, SYNTHETIC_DIR, WARNING_CASES

from builder import checks
from builder.checks import ValidationResult, run_checks, validate_data_root
from builder.load import load_data_root
from builder.model import DataRoot, Observation

# The fixture is loaded in place by absolute path, so files are named from its folder "synthetic".
SY_FILES = "synthetic/songyuan-plan/data"
PV_FILES = "synthetic/published-values/data"
TARGETS = f"{SY_FILES}/targets.csv"
OBSERVATIONS = f"{PV_FILES}/observations.csv"
CHECK_CASES = [name for name, case in ALL_CASES.items() if case.code in {
    "unknown-indicator", "unknown-source", "duplicate-indicator-id", "indicator-id-prefix", "area-mismatch",
    "target-year-before-baseline", "baseline-year-missing", "target-value-missing", "target-value-unexpected",
    "tolerance-invalid", "implausible-year", "observation-after-source", "share-out-of-range", "missing-unit",
    "comparable-unit-mismatch", "duplicate-final-value", "quote-empty", "quote-untrimmed",
    "task-without-department", "task-lead-count", "status-without-source", "formula-injection"}]


@pytest.fixture(scope="module")
def data() -> DataRoot:
    """The SYNTHETIC root, loaded once from the repository (reading never writes)."""
    loaded, problems = load_data_root(SYNTHETIC_DIR)
    assert problems == []
    return loaded


def where(problems) -> set[tuple]:
    return {(p.code, p.file, p.row, p.field) for p in problems}


def with_targets(data: DataRoot, *changes: tuple[str, dict]) -> DataRoot:
    """The data with some songyuan-plan targets changed (by target_id)."""
    songyuan = data.plan_package("songyuan-plan")
    edits = dict(changes)
    targets = tuple(replace(t, **edits[t.target_id]) if t.target_id in edits else t for t in songyuan.targets)
    return replace(data, plans=(replace(songyuan, targets=targets), data.plan_package("jilin-plan")))


def with_package(data: DataRoot, **attributes) -> DataRoot:
    songyuan = data.plan_package("songyuan-plan")
    return replace(data, plans=(replace(songyuan, **attributes), data.plan_package("jilin-plan")))


def observation(**values) -> Observation:
    base = dict(indicator_id="non-fossil-share", year=2022, value=15.0, status="final", source_id="syn-stats-2022",
                row=20)
    return Observation(**{**base, **values})


def test_the_synthetic_root_passes_every_check(data):
    assert list(run_checks(data)) == []


# --- targets -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("target_year, flagged", [(2019, True), (2020, True), (2021, False)])
def test_target_year_must_come_after_the_baseline_year(data, target_year, flagged):
    changed = with_targets(data, ("co2-intensity-2025", {"target_year": target_year}))
    expected = {("target-year-before-baseline", TARGETS, 4, "target_year")} if flagged else set()
    assert where(checks.check_targets(changed)) == expected


@pytest.mark.parametrize("kind", ["reduction", "addition"])
def test_reduction_and_addition_need_a_baseline_year(data, kind):
    target = "co2-intensity-2025" if kind == "reduction" else "new-energy-2025"
    changed = with_targets(data, (target, {"baseline_year": None}))
    row = 4 if kind == "reduction" else 7
    assert where(checks.check_targets(changed)) == {("baseline-year-missing", TARGETS, row, "baseline_year")}


def test_a_level_target_needs_a_value_and_a_comparator(data):
    changed = with_targets(data, ("coal-share-2025", {"target_value": None, "comparator": None}))
    assert where(checks.check_targets(changed)) == {("target-value-missing", TARGETS, 6, "target_value"),
                                                    ("target-value-missing", TARGETS, 6, "comparator")}


@pytest.mark.parametrize("target, field", [("co2-intensity-2030", "comparator"), ("charging-network-2030", "tolerance")])
def test_deferred_and_qualitative_targets_carry_no_number(data, target, field):
    changed = with_targets(data, (target, {field: ">=" if field == "comparator" else 1.0}))
    row = 5 if target == "co2-intensity-2030" else 9
    assert where(checks.check_targets(changed)) == {("target-value-unexpected", TARGETS, row, field)}


@pytest.mark.parametrize("comparator, tolerance, flagged", [
    ("≈", 1.0, False), ("≈", None, False), ("≈", 24.9, False), ("≈", 25.0, True), (">=", 1.0, True)])
def test_tolerance_only_with_about_and_smaller_than_the_target(data, comparator, tolerance, flagged):
    changed = with_targets(data, ("non-fossil-2030", {"comparator": comparator, "tolerance": tolerance}))
    expected = {("tolerance-invalid", TARGETS, 3, "tolerance")} if flagged else set()
    assert where(checks.check_targets(changed)) == expected


@pytest.mark.parametrize("value, flagged", [(0.0, False), (100.0, False), (100.5, True), (-0.1, True)])
def test_share_targets_and_reductions_stay_within_0_and_100(data, value, flagged):
    changed = with_targets(data, ("non-fossil-2025", {"target_value": value}),
                           ("co2-intensity-2025", {"target_value": value}))
    expected = {("share-out-of-range", TARGETS, 2, "target_value"),
                ("share-out-of-range", TARGETS, 4, "target_value")} if flagged else set()
    assert where(checks.check_targets(changed)) == expected


def test_level_of_a_non_share_indicator_may_exceed_100(data):
    changed = with_targets(data, ("new-energy-2025", {"target_value": 500.0, "baseline_value": 300.0}))
    assert list(checks.check_targets(changed)) == []


def test_baseline_value_of_a_share_is_a_share(data):
    changed = with_targets(data, ("non-fossil-2025", {"baseline_value": 120.0}))
    assert where(checks.check_targets(changed)) == {("share-out-of-range", TARGETS, 2, "baseline_value")}


@pytest.mark.parametrize("quote, code", [("   ", "quote-empty"), ("\u3000", "quote-empty"),
                                         ("（合成）引文 ", "quote-untrimmed"), ("\n（合成）引文", "quote-untrimmed")])
def test_quotes_are_not_blank_and_have_no_stray_spaces(data, quote, code):
    changed = with_targets(data, ("charging-2025", {"quote_zh": quote}))
    problems = list(checks.check_quotes(changed))
    assert where(problems) == {(code, TARGETS, 8, "quote_zh")}
    assert problems[0].is_error == (code == "quote-empty")


# --- observations --------------------------------------------------------------------------------
def test_latest_accessed_year_bounds_observation_years(data):
    assert checks.as_of_year(data) == 2024
    fine = replace(data, observations=(observation(year=2025, source_id="syn-stats-2023", status="preliminary"),))
    late = replace(data, observations=(observation(year=2026, source_id="syn-stats-2023", status="preliminary"),))
    early = replace(data, observations=(observation(year=1948),))
    assert [p.code for p in checks.check_observations(fine)] == ["observation-after-source"]
    assert where(checks.check_observations(late)) == {("implausible-year", OBSERVATIONS, 20, "year")}
    assert where(checks.check_observations(early)) == {("implausible-year", OBSERVATIONS, 20, "year")}


def test_without_sources_the_plan_issue_year_bounds_observations(data):
    assert checks.as_of_year(replace(data, sources=())) == 2023


def test_a_value_cannot_be_for_a_year_after_its_source_was_published(data):
    changed = replace(data, observations=(observation(year=2024, source_id="syn-stats-2022"),))
    problems = list(checks.check_observations(changed))
    assert where(problems) == {("observation-after-source", OBSERVATIONS, 20, "year")}
    assert "2023-04-01" in problems[0].message


@pytest.mark.parametrize("statuses, flagged", [
    (("final", "final"), True), (("final", "preliminary"), False), (("final", "revised"), False)])
def test_only_one_final_value_per_indicator_and_year(data, statuses, flagged):
    first = observation(status=statuses[0], row=20)
    second = observation(status=statuses[1], source_id="syn-stats-2023", value=15.5, row=21)
    problems = list(checks.check_observations(replace(data, observations=(first, second))))
    assert where(problems) == ({("duplicate-final-value", OBSERVATIONS, 21, "status")} if flagged else set())
    if flagged:
        assert "第 20 行" in problems[0].message


def test_observation_may_point_to_either_plan_package(data):
    jilin = observation(indicator_id="jl-non-fossil-share")
    unknown = observation(indicator_id="jl-no-such", row=21)
    problems = list(checks.check_observations(replace(data, observations=(jilin, unknown))))
    assert where(problems) == {("unknown-indicator", OBSERVATIONS, 21, "indicator_id")}


def test_observation_source_must_exist(data):
    problems = list(checks.check_observations(replace(data, observations=(observation(source_id="syn-gone"),))))
    assert where(problems) == {("unknown-source", OBSERVATIONS, 20, "source_id")}


@pytest.mark.parametrize("value, flagged", [(0.0, False), (100.0, False), (100.01, True), (-1.0, True)])
def test_share_observations_stay_within_0_and_100(data, value, flagged):
    problems = list(checks.check_observations(replace(data, observations=(observation(value=value),))))
    assert where(problems) == ({("share-out-of-range", OBSERVATIONS, 20, "value")} if flagged else set())


# --- indicators, tasks, projects -------------------------------------------------------------------
def test_comparable_indicator_must_exist(data):
    songyuan = data.plan_package("songyuan-plan")
    indicators = tuple(replace(i, comparable_indicator_id="jl-gone") if i.indicator_id == "non-fossil-share" else i
                       for i in songyuan.indicators)
    problems = list(checks.check_indicator_units(with_package(data, indicators=indicators)))
    assert where(problems) == {("unknown-indicator", f"{SY_FILES}/indicators.csv", 2, "comparable_indicator_id")}


def test_a_task_whose_text_names_no_unit_needs_none(data):
    songyuan = data.plan_package("songyuan-plan")
    tasks = tuple(replace(t, responsibility_zh=None) if t.task_id == 4 else t for t in songyuan.tasks)
    links = tuple(td for td in songyuan.task_departments if td.task_id != 4)
    assert list(checks.check_task_departments(with_package(data, tasks=tasks, task_departments=links))) == []


def test_a_task_without_a_lead_points_at_its_first_unit(data):
    songyuan = data.plan_package("songyuan-plan")
    links = tuple(replace(td, role="support") if td.task_id == 3 else td for td in songyuan.task_departments)
    problems = list(checks.check_task_departments(with_package(data, task_departments=links)))
    assert where(problems) == {("task-lead-count", f"{SY_FILES}/task_departments.csv", 5, "role")}
    assert "0 个牵头单位" in problems[0].message


def test_a_project_of_unknown_status_needs_no_source(data):
    songyuan = data.plan_package("songyuan-plan")
    projects = tuple(replace(p, status="unknown", status_source_id=None) for p in songyuan.key_projects)
    assert list(checks.check_key_projects(with_package(data, key_projects=projects))) == []


# --- formula injection ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, flagged", [
    ("=1+1", True), ("+86 123", True), ("-5% 合成", True), ("@SUM(A1)", True), ("\tx", True), ("\rx", True),
    ("合成 = 说明", False), ("—合成", False), ("＝全角", False), ("", False)])
def test_text_that_excel_would_run_as_a_formula(data, text, flagged):
    changed = with_targets(data, ("coal-share-2025", {"note": text or None}))
    problems = list(checks.check_formula_injection(changed))
    assert where(problems) == ({("formula-injection", TARGETS, 6, "note")} if flagged else set())


def test_fixed_vocabulary_values_are_not_formulas(data):
    changed = with_targets(data, ("coal-share-2025", {"comparator": "="}))
    assert list(checks.check_formula_injection(changed)) == []


def test_formula_injection_is_checked_in_every_table(data):
    sources = tuple(replace(s, title="-合成") if s.source_id == "syn-stats-2022" else s for s in data.sources)
    problems = list(checks.check_formula_injection(replace(data, sources=sources)))
    assert where(problems) == {("formula-injection", f"{PV_FILES}/sources.csv", 3, "title")}


# --- end to end, from files --------------------------------------------------------------------------
@pytest.mark.parametrize("name", CHECK_CASES)
def test_each_cross_resource_defect_is_reported_where_it_is(name, tmp_path):
    case = ALL_CASES[name]
    result = validate_data_root(case.make(tmp_path))
    assert result.data is not None  # these defects pass the loader; the checks catch them
    matching = [p for p in result.problems if p.code == case.code and p.file.endswith(case.file) and p.row == case.row]
    assert matching, [(p.code, p.file, p.row, p.field) for p in result.problems]
    if name in CASE_FIELDS:
        assert matching[0].field == CASE_FIELDS[name]
    assert result.has_errors == (name not in WARNING_CASES)


def test_checks_are_skipped_when_the_packages_cannot_be_loaded(tmp_path):
    result = validate_data_root(ALL_CASES["gbk-encoded-csv"].make(tmp_path))
    assert isinstance(result, ValidationResult)
    assert result.data is None and result.has_errors
    assert [p.code for p in result.problems] == ["encoding-gbk"]


def test_warnings_alone_do_not_make_the_result_fail(tmp_path):
    result = validate_data_root(ALL_CASES["unknown-package"].make(tmp_path))
    assert [p.severity for p in result.problems] == ["warning"]
    assert not result.has_errors and result.data is not None


def test_plausible_years_follow_the_data_not_the_clock(data):
    older = replace(data, sources=tuple(replace(s, accessed=date(2021, 1, 1)) for s in data.sources))
    assert checks.as_of_year(older) == 2021
    flagged = [(p.row, p.field) for p in checks.check_observations(older) if p.code == "implausible-year"]
    assert flagged == [(5, "year"), (11, "year")]  # the two 2023 values
