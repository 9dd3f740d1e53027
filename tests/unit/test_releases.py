"""Data releases (``builder.releases``): a new version only when the data changed, what changed said
value by value, and a citation that names the release. All data here is SYNTHETIC."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from fixtures.bad_cases import SYNTHETIC_DIR

from builder import progress, releases
from builder.load import load_data_root
from builder.model import DataRoot
from builder.site.downloads import citation

VALUES = "published-values/data/observations.csv"
DAY = date(2026, 12, 1)
JILIN_2022 = "synthetic-jilin,jl-non-fossil-share,2022,18.0,final,syn-stats-2022,,"
SECOND_2022 = "synthetic-second-city,charging-stations,2022,20,final,syn-stats-2022,,"


def load(root: Path) -> DataRoot:
    data, problems = load_data_root(root)
    assert data is not None and not any(p.is_error for p in problems), problems
    return data


def edited(tmp_path: Path, old: str, new: str) -> DataRoot:
    """The SYNTHETIC data root with one line of observations.csv replaced (new "" removes it)."""
    root = tmp_path / "datapackages"
    shutil.copytree(SYNTHETIC_DIR, root)
    path = root / VALUES
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old + "\n", new + "\n" if new else "", 1), encoding="utf-8")
    return load(root)


def release(history: releases.History, data: DataRoot, day: date = DAY):
    return releases.next_release(history, data, progress.assess_all(data, day.year), day)


@pytest.fixture(scope="module")
def base() -> DataRoot:
    return load(SYNTHETIC_DIR)


def test_the_first_build_records_a_first_release_with_every_value_added(base):
    history, first, new = release(releases.History(), base)
    assert new and first.first and first.version == "2026.12.01" and first.date == "2026-12-01"
    assert len(first.added) == len(base.observations) and not first.changed and not first.removed
    assert history.latest == first


def test_the_same_data_is_no_new_release(base):
    history, first, _ = release(releases.History(), base)
    again_history, again, new = release(history, base, date(2027, 1, 5))
    assert not new and again == first and again_history == history


def test_a_changed_value_is_a_new_release_saying_old_and_new_and_a_new_citation(base, tmp_path):
    history, first, _ = release(releases.History(), base)
    changed = edited(tmp_path, JILIN_2022, JILIN_2022.replace(",18.0,", ",18.5,"))
    history, second, new = release(history, changed)
    assert new and not second.first
    assert second.version == "2026.12.01.2", "a second release vouched for the same date gets a counter"
    assert second.data_hash != first.data_hash
    [value] = second.values
    assert (value.plan_id, value.indicator_id, value.year, value.old, value.new) == (
        "synthetic-jilin", "jl-non-fossil-share", 2022, 18.0, 18.5)
    descriptor = next(p for p in base.packages if p.name == "published-values").descriptor
    one = citation(descriptor, "published-values", "合成维护者", first.version, first.data_hash)
    two = citation(descriptor, "published-values", "合成维护者", second.version, second.data_hash)
    assert one != two and second.version in two and second.short_hash in two


def test_a_removed_value_and_the_statuses_it_moves_are_listed(base, tmp_path):
    history, _, _ = release(releases.History(), base)
    removed = edited(tmp_path, SECOND_2022, "")
    _, later, new = release(history, removed, date(2026, 12, 2))
    assert new and later.version == "2026.12.02"
    assert [(v.indicator_id, v.year, v.old, v.new) for v in later.removed] == [("charging-stations", 2022, 20.0, None)]
    before, after = progress.assess_all(base, 2026), progress.assess_all(removed, 2026)
    moved = {key for key in before if before[key].status != after[key].status}
    assert moved, "the removed value was the only one of its indicator: its targets lose their status"
    assert {(s.plan_id, s.target_id) for s in later.statuses} == moved
    assert all(s.old == before[(s.plan_id, s.target_id)].status and s.new == after[(s.plan_id, s.target_id)].status
               for s in later.statuses)


def test_an_edited_target_names_the_fields_that_changed(base, tmp_path):
    history, _, _ = release(releases.History(), base)
    root = tmp_path / "datapackages"
    shutil.copytree(SYNTHETIC_DIR, root)
    targets = root / "jilin-plan/data/targets.csv"
    targets.write_text(targets.read_text(encoding="utf-8").replace(",2030,46,", ",2030,47,", 1), encoding="utf-8")
    _, later, _ = release(history, load(root))
    assert [(t.target_id, t.change, t.fields) for t in later.targets] == [
        ("jl-forest-cover-2030", "edited", ("target_value",))]


def test_the_history_file_round_trips_byte_for_byte(base, tmp_path):
    history, _, _ = release(releases.History(), base)
    history, _, _ = release(history, edited(tmp_path, JILIN_2022, JILIN_2022.replace(",18.0,", ",18.5,")))
    path = tmp_path / "releases.json"
    path.write_bytes(releases.history_bytes(history))
    assert releases.history_bytes(releases.read_history(path)) == path.read_bytes()
    assert releases.read_history(path).releases == history.releases
