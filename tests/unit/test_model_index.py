"""DataRoot's per-indicator lookups give what a scan of every observation and target gives."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from builder.load import load_data_root

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=["tests/fixtures/synthetic", "datapackages"])
def data(request):
    root, problems = load_data_root(REPO / request.param)
    assert root is not None, problems
    return root


def test_observations_for_matches_a_scan_oldest_first(data):
    ids = {o.indicator_id for o in data.observations} | {i.indicator_id for i in data.indicators()}
    assert ids
    for indicator_id in sorted(ids):
        scanned = tuple(sorted((o for o in data.observations if o.indicator_id == indicator_id),
                               key=lambda o: (o.year, o.status, o.source_id)))
        assert data.observations_for(indicator_id) == scanned


def test_targets_for_matches_a_scan_in_data_order(data):
    every = tuple(t for p in data.plans for t in p.targets)
    assert data.targets() == every
    for indicator in data.indicators():
        assert data.targets_for(indicator.indicator_id) == tuple(
            t for t in every if t.indicator_id == indicator.indicator_id)
    assert sum(len(data.targets_for(i)) for i in {t.indicator_id for t in every}) == len(every)


def test_unknown_indicator_has_nothing(data):
    assert data.observations_for("no-such-indicator") == ()
    assert data.targets_for("no-such-indicator") == ()
    assert data.indicator("no-such-indicator") is None


def test_indicator_by_id(data):
    for indicator in data.indicators():
        assert data.indicator(indicator.indicator_id) is indicator


@pytest.fixture(scope="module")
def synthetic():
    root, problems = load_data_root(REPO / "tests/fixtures/synthetic")
    assert root is not None and root.observations, problems
    return root


def test_a_changed_copy_never_sees_the_old_index(synthetic):
    data = synthetic
    observation = data.observations[0]
    before = data.observations_for(observation.indicator_id)
    assert observation in before
    edited = replace(observation, value=observation.value + 1000.0)
    changed = replace(data, observations=(edited, *data.observations[1:]))
    assert edited in changed.observations_for(observation.indicator_id)
    assert observation not in changed.observations_for(observation.indicator_id)
    assert data.observations_for(observation.indicator_id) == before  # the original is untouched
    first_plan = data.plans[0]
    fewer = replace(data, plans=(replace(first_plan, targets=first_plan.targets[1:]), *data.plans[1:]))
    dropped = first_plan.targets[0]
    assert dropped not in fewer.targets_for(dropped.indicator_id)
    assert dropped not in fewer.targets()
