"""Cross-resource rules: pure checks on the model (records keyed by plan), and every bad
fixture reported where it is, once, without follow-on errors."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest
from fixtures.bad_cases import OBSERVATIONS as OBSERVATIONS_CSV
from fixtures.bad_cases import (ALL_CASES, CASE_FIELDS, LOADER_CODES, SC, SY, SY_PLANS, SYNTHETIC_DIR, WARNING_CASES,
                                set_cell)

from builder import checks
from builder.checks import ValidationResult, run_checks, validate_data_root
from builder.load import load_data_root
from builder.model import DataRoot, Furniture, Observation, Source

# The fixture is loaded in place by absolute path, so files are named from its folder "datapackages".
SY_FILES = f"datapackages/{SY}/data"
SC_FILES = f"datapackages/{SC}/data"
PV_FILES = "datapackages/published-values/data"
TARGETS = f"{SY_FILES}/targets.csv"
OBSERVATIONS = f"{PV_FILES}/observations.csv"
SOURCES = f"{PV_FILES}/sources.csv"
CITY, SECOND, PROVINCE = "synthetic-songyuan", "synthetic-second-city", "synthetic-jilin"
TODAY = date(2025, 1, 1)  # the checks are given "today"; the tests fix it

CHECK_CASES = sorted(name for name, case in ALL_CASES.items() if case.code not in LOADER_CODES)
# Cases whose one defect is rightly reported in more than one file (besides the case's own file).
OTHER_FILES = {
    "parent-cycle": {f"datapackages/{SY_PLANS}"},  # both plans of the cycle name each other
    "package-missing": {OBSERVATIONS},  # with no plan at all, every published value names an unknown plan
}


@pytest.fixture(scope="module")
def data() -> DataRoot:
    """The SYNTHETIC root, loaded once from the repository (reading never writes)."""
    loaded, problems = load_data_root(SYNTHETIC_DIR)
    assert problems == []
    return loaded


def where(problems) -> set[tuple]:
    return {(p.code, p.file, p.row, p.field) for p in problems}


def with_plan(data: DataRoot, plan_id: str, **attributes) -> DataRoot:
    """The data with one plan package's tables (or its plan record: plan=...) replaced."""
    return replace(data, plans=tuple(replace(p, **attributes) if p.plan_id == plan_id else p for p in data.plans))


def with_plan_record(data: DataRoot, plan_id: str, **changes) -> DataRoot:
    """The data with fields of one plan's plans.csv row changed."""
    return with_plan(data, plan_id, plan=replace(data.plan(plan_id).plan, **changes))


def with_targets(data: DataRoot, *changes: tuple[str, dict], plan_id: str = CITY) -> DataRoot:
    """The data with some targets of one plan changed (by target_id)."""
    edits = dict(changes)
    plan = data.plan(plan_id)
    return with_plan(data, plan_id, targets=tuple(replace(t, **edits[t.target_id]) if t.target_id in edits else t
                                                  for t in plan.targets))


def with_indicators(data: DataRoot, plan_id: str, **changes_by_id: dict) -> DataRoot:
    plan = data.plan(plan_id)
    return with_plan(data, plan_id, indicators=tuple(
        replace(i, **changes_by_id[i.indicator_id]) if i.indicator_id in changes_by_id else i for i in plan.indicators))


def with_observations(data: DataRoot, *observations: Observation) -> DataRoot:
    return replace(data, values=replace(data.values, observations=tuple(observations)))


def with_sources(data: DataRoot, sources) -> DataRoot:
    return replace(data, values=replace(data.values, sources=tuple(sources)))


def observation(**values) -> Observation:
    base = dict(plan_id=CITY, indicator_id="non-fossil-share", year=2022, value=15.0, status="final",
                source_id="syn-stats-2022", package="published-values", row=30)
    return Observation(**{**base, **values})


def test_the_synthetic_root_passes_every_check(data):
    assert list(run_checks(data)) == []
    assert list(run_checks(data, TODAY)) == []


def test_the_real_data_passes_every_check(real_root):
    result = validate_data_root(real_root, date.today())
    assert [(p.code, p.file, p.row, p.field) for p in result.problems if p.is_error] == []


# --- plans and their hierarchy ------------------------------------------------------------------
def test_a_parent_plan_must_be_in_the_data_root(data):
    changed = with_plan_record(data, CITY, parent_plan_id="synthetic-jilinn")
    problems = list(checks.check_plans(changed))
    assert where(problems) == {("unknown-plan", f"{SY_FILES}/plans.csv", 2, "parent_plan_id")}
    assert "synthetic-jilin" in problems[0].message  # did you mean


def test_a_cycle_of_parents_is_reported_on_the_plans_in_the_cycle(data):
    changed = with_plan_record(data, PROVINCE, parent_plan_id=CITY)
    problems = list(checks.check_plans(changed))
    # the second city's own parent (the province) is right: only the two plans of the cycle are wrong
    assert where(problems) == {("parent-cycle", "datapackages/jilin-plan/data/plans.csv", 2, "parent_plan_id"),
                               ("parent-cycle", f"{SY_FILES}/plans.csv", 2, "parent_plan_id")}


def test_a_plan_that_is_its_own_parent_is_a_cycle(data):
    changed = with_plan_record(data, PROVINCE, parent_plan_id=PROVINCE)
    assert ("parent-cycle", "datapackages/jilin-plan/data/plans.csv", 2, "parent_plan_id") in where(
        checks.check_plans(changed))


@pytest.mark.parametrize("plan_id, code, level, flagged", [
    (CITY, "220700", "city", False), (CITY, "220000", "city", True), (CITY, "220721", "city", True),
    (PROVINCE, "220000", "province", False), (PROVINCE, "220700", "province", True),
    (PROVINCE, "000000", "state", False), (PROVINCE, "220000", "state", True),
    (CITY, "220721", "county", False), (CITY, "220700", "county", False),  # a county code is not always of that form
])
def test_a_division_code_fits_its_level(data, plan_id, code, level, flagged):
    changed = with_plan_record(data, plan_id, jurisdiction_code=code, jurisdiction_level=level)
    problems = list(checks.check_plans(changed))
    file = f"datapackages/{'jilin-plan' if plan_id == PROVINCE else SY}/data/plans.csv"
    assert where(problems) == ({("jurisdiction-level-mismatch", file, 2, "jurisdiction_code")} if flagged else set())
    assert all(not p.is_error for p in problems)


# --- indicators ---------------------------------------------------------------------------------
def test_a_comparable_indicator_needs_a_parent_plan(data):
    changed = with_plan_record(data, CITY, parent_plan_id=None)
    assert where(checks.check_indicator_units(changed)) == {
        ("comparable-without-parent", f"{SY_FILES}/indicators.csv", 2, "comparable_indicator_id")}


def test_a_comparable_indicator_must_be_in_the_parent_plan(data):
    changed = with_indicators(data, CITY, **{"non-fossil-share": {"comparable_indicator_id": "jl-gone"}})
    problems = list(checks.check_indicator_units(changed))
    assert where(problems) == {("unknown-indicator", f"{SY_FILES}/indicators.csv", 2, "comparable_indicator_id")}
    assert "synthetic-jilin" in problems[0].message


def test_an_indicator_of_the_plan_itself_is_not_a_comparable_indicator(data):
    # coal-share exists in the city's own plan, not in the province's
    changed = with_indicators(data, CITY, **{"non-fossil-share": {"comparable_indicator_id": "coal-share"}})
    assert where(checks.check_indicator_units(changed)) == {
        ("unknown-indicator", f"{SY_FILES}/indicators.csv", 2, "comparable_indicator_id")}


def test_comparable_indicators_with_different_units_are_a_warning(data):
    changed = with_indicators(data, SECOND, **{"forest-cover": {"unit": "万亩"}})
    problems = list(checks.check_indicator_units(changed))
    assert where(problems) == {("comparable-unit-mismatch", f"{SC_FILES}/indicators.csv", 6, "comparable_indicator_id")}
    assert not problems[0].is_error


def test_every_indicator_has_a_unit(data):
    changed = with_indicators(data, SECOND, **{"coal-share": {"unit": "  "}})
    assert where(checks.check_indicator_units(changed)) == {("missing-unit", f"{SC_FILES}/indicators.csv", 4, "unit")}


def test_an_indicators_area_is_the_area_of_its_task(data):
    changed = with_indicators(data, SECOND, **{"wetland-protection-rate": {"area_id": 10}})
    assert where(checks.check_indicator_areas(changed)) == {("area-mismatch", f"{SC_FILES}/indicators.csv", 10, "area_id")}


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


def test_a_target_is_checked_against_the_indicator_of_its_own_plan(data):
    # The second city's co2-intensity is in t/万元 like the first's, but its green-building-share is a %;
    # the first city has no indicator of that id, so its unit must come from the second city's plan.
    changed = with_targets(data, ("green-building-2025", {"target_value": 120.0}), plan_id=SECOND)
    assert where(checks.check_targets(changed)) == {("share-out-of-range", f"{SC_FILES}/targets.csv", 8,
                                                     "target_value")}


# --- quotes -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("quote, code", [("   ", "quote-empty"), ("\u3000", "quote-empty"),
                                         ("（合成）到2025年建成充电站30座 ", "quote-untrimmed"),
                                         ("\n（合成）到2025年建成充电站30座", "quote-untrimmed")])
def test_quotes_are_not_blank_and_have_no_stray_spaces(data, quote, code):
    changed = with_targets(data, ("charging-2025", {"quote_zh": quote}))
    problems = list(checks.check_quotes(changed))
    assert where(problems) == {(code, TARGETS, 8, "quote_zh")}
    assert problems[0].is_error == (code == "quote-empty")


def test_a_quote_must_be_found_in_the_plans_text(data):
    changed = with_targets(data, ("charging-2025", {"quote_zh": "（合成）到2025年建成充电站31座"}))
    problems = list(checks.check_quotes(changed))
    assert where(problems) == {("quote-not-found", TARGETS, 8, "quote_zh")}
    assert not problems[0].is_error and "source/plan-text.txt" in problems[0].message


def test_a_quote_is_found_across_line_breaks_and_full_width_forms(data):
    text = data.plan(CITY).text.replace("建成充电站30座", "建成充电站\n３０座")
    changed = with_plan(data, CITY, text=text)
    assert list(checks.check_quotes(changed)) == []


def test_a_quote_from_another_plans_text_is_not_found(data):
    # The words are in the second city's text, not in the first city's.
    changed = with_targets(data, ("charging-2025", {"quote_zh": "（合成）到2025年乙市建成充电站45座"}))
    assert where(checks.check_quotes(changed)) == {("quote-not-found", TARGETS, 8, "quote_zh")}


def test_without_a_text_quotes_are_not_looked_for(data):
    changed = with_targets(with_plan(data, CITY, text=None), ("charging-2025", {"quote_zh": "（合成）原文没有的话"}))
    assert list(checks.check_quotes(changed)) == []


def test_a_quote_holding_declared_page_furniture_is_an_error(data):
    furniture = Furniture(lines=("^- 合成页眉 -$",), fragments=("（下转\\d+版）",))
    changed = with_targets(with_plan(data, CITY, furniture=furniture),
                           ("charging-2025", {"quote_zh": "（合成）到2025年建成（下转3版）充电站30座"}),
                           ("coal-share-2025", {"quote_zh": "- 合成页眉 -"}))
    problems = list(checks.check_quotes(changed))
    assert where(problems) == {("quote-furniture", TARGETS, 8, "quote_zh"), ("quote-furniture", TARGETS, 6, "quote_zh")}
    assert all(p.is_error for p in problems)
    assert any("（下转3版）" in p.message for p in problems)


def test_page_numbers_in_a_quote_are_not_mistaken_for_furniture(data):
    # the generic rules (a line that is just "12") apply to whole lines of a text, never to a quote's numbers
    changed = with_plan(data, CITY, furniture=Furniture(fragments=("（合成页脚）",)))
    assert list(checks.check_quotes(changed)) == []


def test_key_project_quotes_are_checked_too(data):
    projects = tuple(replace(p, quote_zh="（合成）不在原文中的项目") if p.project_id == "syn-wind-farm" else p
                     for p in data.plan(CITY).key_projects)
    changed = with_plan(data, CITY, key_projects=projects)
    assert where(checks.check_quotes(changed)) == {("quote-not-found", f"{SY_FILES}/key_projects.csv", 2, "quote_zh")}


def test_the_second_citys_quotes_are_all_found_in_its_text(data):
    assert [p for p in checks.check_quotes(data) if p.file.startswith(f"datapackages/{SC}")] == []
    assert data.plan(SECOND).text and len(data.plan(SECOND).targets) == 11


# --- observations --------------------------------------------------------------------------------
def test_latest_accessed_year_bounds_observation_years(data):
    assert checks.as_of_year(data) == 2024
    fine = with_observations(data, observation(year=2025, source_id="syn-stats-2023", status="preliminary"))
    late = with_observations(data, observation(year=2026, source_id="syn-stats-2023", status="preliminary"))
    early = with_observations(data, observation(year=1948))
    assert [p.code for p in checks.check_observations(fine)] == ["observation-after-source"]
    assert where(checks.check_observations(late)) == {("implausible-year", OBSERVATIONS, 30, "year")}
    assert where(checks.check_observations(early)) == {("implausible-year", OBSERVATIONS, 30, "year")}


def test_without_sources_the_plan_issue_year_bounds_observations(data):
    assert checks.as_of_year(with_sources(data, ())) == 2024  # the second city's plan was issued in 2024
    assert checks.as_of_year(replace(with_sources(data, ()), plans=(data.plan(CITY),))) == 2023


def test_a_value_cannot_be_for_a_year_after_its_source_was_published(data):
    changed = with_observations(data, observation(year=2024, source_id="syn-stats-2022"))
    problems = list(checks.check_observations(changed))
    assert where(problems) == {("observation-after-source", OBSERVATIONS, 30, "year")}
    assert "2023-04-01" in problems[0].message


@pytest.mark.parametrize("statuses, flagged", [
    (("final", "final"), True), (("final", "preliminary"), False), (("final", "revised"), False)])
def test_only_one_final_value_per_plan_indicator_and_year(data, statuses, flagged):
    first = observation(status=statuses[0], row=30)
    second = observation(status=statuses[1], source_id="syn-stats-2023", value=15.5, row=31)
    problems = list(checks.check_observations(with_observations(data, first, second)))
    assert where(problems) == ({("duplicate-final-value", OBSERVATIONS, 31, "status")} if flagged else set())
    if flagged:
        assert "第 30 行" in problems[0].message


def test_two_plans_may_each_have_a_final_value_for_an_indicator_id_they_share(data):
    city = observation(row=30)
    second = observation(plan_id=SECOND, row=31)
    assert list(checks.check_observations(with_observations(data, city, second))) == []


def test_an_observation_names_an_indicator_of_its_own_plan(data):
    province = observation(plan_id=PROVINCE, indicator_id="jl-non-fossil-share", value=18.0, row=30)
    wrong_plan = observation(plan_id=CITY, indicator_id="energy-intensity", value=0.5, row=31)  # the second city's
    problems = list(checks.check_observations(with_observations(data, province, wrong_plan)))
    assert where(problems) == {("unknown-indicator", OBSERVATIONS, 31, "indicator_id")}
    assert CITY in problems[0].message


def test_an_observation_names_a_plan_of_the_data_root(data):
    problems = list(checks.check_observations(with_observations(data, observation(plan_id="synthetic-songyuang"))))
    assert where(problems) == {("unknown-plan", OBSERVATIONS, 30, "plan_id")}
    assert "synthetic-songyuan" in problems[0].message  # did you mean


def test_observation_source_must_exist(data):
    problems = list(checks.check_observations(with_observations(data, observation(source_id="syn-gone"))))
    assert where(problems) == {("unknown-source", OBSERVATIONS, 30, "source_id")}


@pytest.mark.parametrize("value, flagged", [(0.0, False), (100.0, False), (100.01, True), (-1.0, True)])
def test_share_observations_stay_within_0_and_100(data, value, flagged):
    problems = list(checks.check_observations(with_observations(data, observation(value=value))))
    assert where(problems) == ({("share-out-of-range", OBSERVATIONS, 30, "value")} if flagged else set())


# --- sources and dates -----------------------------------------------------------------------------
def source(**values) -> Source:
    base = dict(source_id="syn-stats-2022", publisher="合成统计局（SYNTHETIC）", title="合成公报", date=date(2023, 4, 1),
                url="https://example.org/synthetic", accessed=date(2024, 6, 1), package="published-values", row=3)
    return Source(**{**base, **values})


@pytest.mark.parametrize("published, accessed, codes", [
    (date(2023, 4, 1), date(2024, 6, 1), set()),
    (date(2023, 4, 1), date(2023, 4, 1), set()),
    (date(2025, 1, 2), date(2025, 1, 2), {("source-date-future", "date"), ("accessed-future", "accessed")}),
    (date(2023, 4, 1), date(2025, 1, 2), {("accessed-future", "accessed")}),
    (date(2023, 4, 1), date(2023, 3, 31), {("accessed-before-published", "accessed")}),
])
def test_source_dates_are_checked_against_today(data, published, accessed, codes):
    sources = [s for s in data.sources if s.source_id != "syn-stats-2022"] + [source(date=published, accessed=accessed)]
    problems = list(checks.check_source_dates(with_sources(data, sources), TODAY))
    assert where(problems) == {(code, SOURCES, 3, field) for code, field in codes}


def test_source_dates_are_only_checked_when_today_is_given(data):
    future = with_sources(data, [source(date=date(2999, 1, 1), accessed=date(2999, 1, 1))])
    assert not any(p.code.endswith("future") for p in run_checks(future))
    assert any(p.code == "source-date-future" for p in run_checks(future, TODAY))


def test_a_value_for_a_year_that_has_not_come_is_implausible(data):
    later = with_sources(data, [replace(s, accessed=date(2026, 6, 1)) for s in data.sources])
    changed = with_observations(later, observation(year=2026, source_id="syn-stats-2023", status="preliminary"))
    problems = [p for p in run_checks(changed, TODAY) if p.code == "implausible-year"]
    assert [(p.file, p.row, p.field) for p in problems] == [(OBSERVATIONS, 30, "year")]


def test_a_source_nothing_cites_is_a_warning(data):
    extra = source(source_id="syn-unused", row=5)
    problems = list(checks.check_unused_sources(with_sources(data, (*data.sources, extra))))
    assert where(problems) == {("unused-source", SOURCES, 5, "source_id")}
    assert not problems[0].is_error


def test_a_source_cited_only_by_a_project_is_used(data):
    cited_by_project = {kp.status_source_id for p in data.plans for kp in p.key_projects} - {None}
    assert cited_by_project
    values = tuple(o for o in data.observations if o.source_id not in cited_by_project)
    assert list(checks.check_unused_sources(with_observations(data, *values))) == []


@pytest.mark.parametrize("value, flagged", [(2.9, False), (1.6, False), (29.0, True), (0.029, True), (2900.0, True)])
def test_a_value_far_off_its_neighbours_is_a_warning(data, value, flagged):
    values = [o for o in data.observations if not (o.plan_id == CITY and o.indicator_id == "co2-intensity"
                                                   and o.year == 2022)]
    odd = observation(indicator_id="co2-intensity", value=value, row=30)
    problems = [p for p in checks.check_value_scale(with_observations(data, *values, odd)) if p.row == 30]
    assert where(problems) == ({("value-scale", OBSERVATIONS, 30, "value")} if flagged else set())


def test_counts_may_grow_tenfold(data):
    values = [observation(indicator_id="charging-stations", year=2020, value=2, row=30),
              observation(indicator_id="charging-stations", year=2022, value=30, row=31)]
    assert list(checks.check_value_scale(with_observations(data, *values))) == []


# --- tasks and projects -------------------------------------------------------------------------
def test_a_task_whose_text_names_no_unit_needs_none(data):
    city = data.plan(CITY)
    tasks = tuple(replace(t, responsibility_zh=None) if t.task_id == 4 else t for t in city.tasks)
    links = tuple(td for td in city.task_departments if td.task_id != 4)
    assert list(checks.check_task_departments(with_plan(data, CITY, tasks=tasks, task_departments=links))) == []


def test_a_task_without_a_lead_points_at_its_first_unit(data):
    links = tuple(replace(td, role="support") if td.task_id == 3 else td for td in data.plan(CITY).task_departments)
    problems = list(checks.check_task_departments(with_plan(data, CITY, task_departments=links)))
    assert where(problems) == {("task-lead-count", f"{SY_FILES}/task_departments.csv", 5, "role")}
    assert "0 个牵头单位" in problems[0].message


def test_tasks_of_two_plans_with_the_same_number_are_checked_apart(data):
    # task 1 of the second city loses its units; task 1 of the first city keeps its own
    links = tuple(td for td in data.plan(SECOND).task_departments if td.task_id != 1)
    problems = list(checks.check_task_departments(with_plan(data, SECOND, task_departments=links)))
    assert where(problems) == {("task-without-department", f"{SC_FILES}/tasks.csv", 2, "task_id")}


def test_a_project_of_unknown_status_needs_no_source(data):
    projects = tuple(replace(p, status="unknown", status_source_id=None) for p in data.plan(CITY).key_projects)
    assert list(checks.check_key_projects(with_plan(data, CITY, key_projects=projects))) == []


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
    problems = list(checks.check_formula_injection(with_sources(data, sources)))
    assert where(problems) == {("formula-injection", SOURCES, 3, "title")}
    plan = with_plan_record(data, SECOND, title_zh="+合成乙市")
    assert where(checks.check_formula_injection(plan)) == {("formula-injection", f"{SC_FILES}/plans.csv", 2, "title_zh")}


# --- a model with rows left out -------------------------------------------------------------------------
def test_ids_are_not_called_missing_when_their_table_was_not_read_in_full(data):
    partial = replace(data, incomplete=frozenset({(SY, "indicators")}))
    unknown = with_observations(partial, observation(indicator_id="no-such-indicator"))
    assert [p.code for p in checks.check_observations(unknown)] == []
    assert [p.code for p in checks.check_observations(replace(unknown, incomplete=frozenset()))] == ["unknown-indicator"]


def test_plans_are_not_called_missing_when_a_package_could_not_be_read(data):
    unreadable = replace(data, unreadable=True)
    assert list(checks.check_observations(with_observations(unreadable, observation(plan_id="synthetic-gone")))) == []
    assert list(checks.check_plans(with_plan_record(unreadable, CITY, parent_plan_id="synthetic-gone"))) == []


# --- end to end, from files --------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_each_bad_case_is_reported_where_it_is_once_and_alone(name, tmp_path):
    case = ALL_CASES[name]
    result = validate_data_root(case.make(tmp_path), date.today())
    found = [(p.code, p.file, p.row, p.field) for p in result.problems]
    matching = [p for p in result.problems if p.code == case.code and p.file.endswith(case.file) and p.row == case.row]
    assert matching, found
    assert matching[0].field == CASE_FIELDS.get(name)
    assert result.has_errors == (name not in WARNING_CASES)
    # one defect: every error names the defect's own file (no follow-on errors), and each problem is said once
    assert {p.file for p in result.problems if p.is_error} <= {matching[0].file} | OTHER_FILES.get(name, set()), found
    assert [k for k, n in Counter(found).items() if n > 1] == []


@pytest.mark.parametrize("name", CHECK_CASES)
def test_defects_the_checks_catch_leave_a_complete_model(name, tmp_path):
    result = validate_data_root(ALL_CASES[name].make(tmp_path), date.today())
    assert result.data is not None and not result.data.unreadable and result.data.incomplete == frozenset()


def test_checks_run_on_what_could_be_read_when_a_table_is_broken(tmp_path):
    root = ALL_CASES["wrong-type"].make(tmp_path)  # targets.csv line 2 has a bad number
    set_cell(root, OBSERVATIONS_CSV, 2, "value", "112")  # a share over 100, in another package
    result = validate_data_root(root, date.today())
    assert isinstance(result, ValidationResult) and result.has_errors
    assert {(p.code, p.row) for p in result.problems} == {("cell-type", 2), ("share-out-of-range", 2)}


def test_warnings_alone_do_not_make_the_result_fail(tmp_path):
    result = validate_data_root(ALL_CASES["unknown-package"].make(tmp_path))
    assert [p.severity for p in result.problems] == ["warning"]
    assert not result.has_errors and result.data is not None


def test_plausible_years_follow_the_data_not_the_clock(data):
    older = with_sources(data, [replace(s, accessed=date(2021, 1, 1)) for s in data.sources])
    assert checks.as_of_year(older) == 2021
    flagged = [(p.row, p.field) for p in checks.check_observations(older) if p.code == "implausible-year"]
    assert flagged == [(9, "year"), (12, "year"), (19, "year"), (23, "year")]  # the four 2023 values


def test_problems_of_every_kind_in_one_file_are_reported_in_one_run(synthetic_root):
    # A percent sign (a cell error, found while reading) and an unknown indicator (found by the
    # checks, across packages) in the same file: both in the first run, not one after the other.
    set_cell(synthetic_root, OBSERVATIONS_CSV, 2, "value", "18.0%")
    set_cell(synthetic_root, OBSERVATIONS_CSV, 3, "indicator_id", "charging-station")
    result = validate_data_root(synthetic_root, date.today())
    found = {(p.code, p.row, p.field) for p in result.problems if p.file.endswith(OBSERVATIONS_CSV)}
    assert {("cell-type", 2, "value"), ("unknown-indicator", 3, "indicator_id")} <= found, found
    unknown = next(p for p in result.problems if p.code == "unknown-indicator")
    assert "charging-stations" in unknown.message, "the nearest existing id is suggested"
