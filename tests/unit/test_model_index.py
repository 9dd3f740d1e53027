"""The model's lookups, keyed by plan: DataRoot's and PlanPackage's indexes give what a scan
of every record gives, ids of one plan never reach another, and the plans' order is fixed."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from builder.load import load_data_root, order_plans
from builder.model import latest_observation, preferred_observations

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic" / "datapackages"
CITY, SECOND, PROVINCE = "synthetic-songyuan", "synthetic-second-city", "synthetic-jilin"


def load(root: Path):
    data, problems = load_data_root(root)
    assert data is not None and not any(p.is_error for p in problems), problems
    return data


@pytest.fixture(scope="module", params=["tests/fixtures/synthetic/datapackages", "datapackages"])
def data(request):
    return load(REPO / request.param)


@pytest.fixture(scope="module")
def synthetic():
    return load(SYNTHETIC)


def test_observations_for_matches_a_scan_oldest_first(data):
    keys = {o.indicator_key for o in data.observations} | {i.key for i in data.indicators()}
    assert keys
    for key in sorted(keys):
        scanned = tuple(sorted((o for o in data.observations if (o.plan_id, o.indicator_id) == key),
                               key=lambda o: (o.year, o.status, o.source_id)))
        assert data.observations_for(key) == scanned


def test_targets_for_matches_a_scan_in_data_order(data):
    every = tuple(t for p in data.plans for t in p.targets)
    assert data.targets() == every
    for plan in data.plans:
        for indicator in plan.indicators:
            assert plan.targets_for(indicator.indicator_id) == tuple(
                t for t in plan.targets if t.indicator_id == indicator.indicator_id)
        assert sum(len(plan.targets_for(i)) for i in {t.indicator_id for t in plan.targets}) == len(plan.targets)


def test_every_record_is_found_by_its_plan_and_id(data):
    for plan in data.plans:
        assert data.plan(plan.plan_id) is plan
        for indicator in plan.indicators:
            assert plan.indicator(indicator.indicator_id) is indicator
            assert data.indicator(indicator.key) is indicator
        for area in plan.areas:
            assert plan.area(area.area_id) is area
        for task in plan.tasks:
            assert plan.task(task.task_id) is task
        for department in plan.departments:
            assert plan.department(department.department_id) is department
    for source in data.sources:
        assert data.source(source.source_id) is source


def test_unknown_ids_have_nothing(data):
    plan = data.plans[0]
    assert data.observations_for((plan.plan_id, "no-such-indicator")) == ()
    assert data.observations_for(("no-such-plan", "no-such-indicator")) == ()
    assert plan.targets_for("no-such-indicator") == ()
    assert plan.indicator("no-such-indicator") is None
    assert data.indicator(("no-such-plan", plan.indicators[0].indicator_id)) is None
    assert (plan.area(999), plan.task(999), plan.area(None), plan.task(None)) == (None, None, None, None)
    assert data.plan("no-such-plan") is None and data.plan(None) is None
    assert data.source("no-such-source") is None and data.source(None) is None


def test_ids_shared_by_two_plans_are_kept_apart(synthetic):
    city, second = synthetic.plan(CITY), synthetic.plan(SECOND)
    assert city.indicator("non-fossil-share") is not second.indicator("non-fossil-share")
    assert synthetic.indicator((CITY, "non-fossil-share")).name_zh == "非化石能源消费比重（合成）"
    assert synthetic.indicator((SECOND, "non-fossil-share")).name_zh == "非化石能源消费比重（合成乙市）"
    city_values = synthetic.observations_for((CITY, "non-fossil-share"))
    second_values = synthetic.observations_for((SECOND, "non-fossil-share"))
    assert [o.value for o in city_values] == [12.0, 13.5, 15.0, 16.2]
    assert [o.value for o in second_values] == [14.0, 17.5, 19.1]
    assert [t.target_value for t in city.targets_for("non-fossil-share")] == [20.0, 25.0]
    assert [t.target_value for t in second.targets_for("non-fossil-share")] == [22.0, 28.0]
    assert second.indicator("energy-intensity") is not None and city.indicator("energy-intensity") is None
    assert city.area(11) is None and second.area(11).clause == "二（十一）"
    assert city.department("syn-fgw") != second.department("syn-fgw")


def test_plans_come_parents_first_then_children_by_division_code(synthetic):
    assert [p.plan_id for p in synthetic.plans] == [PROVINCE, CITY, SECOND]  # 220000, then 220700 and 220800


def test_parents_and_children(synthetic):
    province, city, second = (synthetic.plan(i) for i in (PROVINCE, CITY, SECOND))
    assert synthetic.parent(city) is province and synthetic.parent(second) is province
    assert synthetic.parent(province) is None
    assert synthetic.children(province) == (city, second)
    assert synthetic.children(city) == () and synthetic.children(second) == ()


def test_a_plan_whose_parent_is_not_in_the_data_root_is_listed_with_the_top_plans(synthetic):
    city = synthetic.plan(CITY)
    orphan = replace(city, plan=replace(city.plan, parent_plan_id="elsewhere"))
    plans = [synthetic.plan(SECOND), orphan, synthetic.plan(PROVINCE)]
    # top plans by division code (220000, then the orphaned 220700), each followed by its children
    assert [p.plan_id for p in order_plans(plans)] == [PROVINCE, SECOND, CITY]
    assert [p.plan_id for p in order_plans(list(reversed(plans)))] == [PROVINCE, SECOND, CITY]
    assert synthetic.parent(orphan) is None


def test_packages_by_folder(synthetic):
    assert [p.folder for p in synthetic.packages] == ["jilin-plan", "published-values", "second-city", "songyuan-plan"]
    assert synthetic.package("second-city") is synthetic.plan(SECOND).package
    assert synthetic.package("no-such-folder") is None
    assert synthetic.plan(SECOND).name == "second-city"


def test_the_latest_known_date_is_the_latest_access_of_a_source(synthetic):
    assert synthetic.latest_known_date().isoformat() == "2024-06-01"
    without_sources = replace(synthetic, values=replace(synthetic.values, sources=()))
    assert without_sources.latest_known_date().isoformat() == "2024-01-15"  # the second city's plan, the latest issued


def test_one_value_a_year_revised_over_final_over_preliminary(synthetic):
    values = synthetic.observations_for((CITY, "non-fossil-share"))
    base = values[-1]
    final = replace(base, status="final", value=16.0, source_id="syn-stats-2022")
    revised = replace(base, status="revised", value=16.1, source_id="syn-stats-2021")
    chosen = preferred_observations([base, final, revised, *values[:-1]])
    assert [o.year for o in chosen] == [2020, 2021, 2022, 2023]
    assert chosen[-1] is revised
    assert latest_observation([base, final]) is final
    assert latest_observation([]) is None


def test_a_changed_copy_never_sees_the_old_index(synthetic):
    data = synthetic
    observation = data.observations[0]
    before = data.observations_for(observation.indicator_key)
    assert observation in before
    edited = replace(observation, value=observation.value + 1000.0)
    changed = replace(data, values=replace(data.values, observations=(edited, *data.observations[1:])))
    assert edited in changed.observations_for(observation.indicator_key)
    assert observation not in changed.observations_for(observation.indicator_key)
    assert data.observations_for(observation.indicator_key) == before  # the original is untouched
    first_plan = data.plans[0]
    dropped = first_plan.targets[0]
    fewer = replace(data, plans=(replace(first_plan, targets=first_plan.targets[1:]), *data.plans[1:]))
    assert dropped not in fewer.plan(first_plan.plan_id).targets_for(dropped.indicator_id)
    assert dropped not in fewer.targets()
    assert dropped in data.plan(first_plan.plan_id).targets_for(dropped.indicator_id)
