"""The chart cache in <build dir>/.cache/charts.json: reused when nothing changed, never when
something did, and never across plans that use the same indicator id.

Builds here stop at the generated MkDocs project (build.generate_project), which holds every
page with its charts; MkDocs itself is not needed to see what the cache did.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from builder import build, cache
from builder.config import load_config
from builder.site import pages

REPO = Path(__file__).resolve().parents[2]
CHART_CACHE = Path(".cache") / "charts.json"
SECOND_CITY = "synthetic-second-city"


def generate(project: Path, build_dir: Path) -> dict[str, bytes]:
    """Generate the project's MkDocs project and return its files (the cache left out; the build
    directory's own path, which mkdocs.yml may name, shown as <build>)."""
    config, problems = load_config(project / "carbon-site.toml")
    assert config is not None, problems
    build.generate_project(config, project / "datapackages", build_dir)
    own_path = str(build_dir.resolve()).encode("utf-8")
    return {p.relative_to(build_dir).as_posix(): p.read_bytes().replace(own_path, b"<build>")
            for p in sorted(build_dir.rglob("*")) if p.is_file() and p.relative_to(build_dir).parts[0] != ".cache"}


class Counting:
    """Wraps pages.chart_view to record which charts, (plan_id, indicator_id), were computed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.computed: list[tuple[str, str]] = []
        original = pages.chart_view

        def counted(indicator, *args, **kwargs):
            self.computed.append(indicator.key)
            return original(indicator, *args, **kwargs)

        monkeypatch.setattr(pages, "chart_view", counted)


def edit_value(project: Path, plan_id: str, indicator_id: str) -> None:
    """Add 1 to the first published value of one plan's indicator."""
    path = project / "datapackages" / "published-values" / "data" / "observations.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    row = next(r for r in rows if (r["plan_id"], r["indicator_id"]) == (plan_id, indicator_id))
    row["value"] = repr(float(row["value"]) + 1.0)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def chart_pages(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """(plan_id, indicator_id) of every indicator page of the generated project."""
    found = []
    for path in files:
        parts = path.split("/")
        if len(parts) == 5 and parts[:2] == ["docs", "plans"] and parts[3] == "indicators" and path.endswith(".md"):
            found.append((parts[2], parts[4].removesuffix(".md")))
    return sorted(found)


def cache_entries(build_dir: Path) -> dict[str, dict]:
    return json.loads((build_dir / CHART_CACHE).read_text(encoding="utf-8"))["entries"]


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory):
    """The SYNTHETIC project generated once into a fresh build directory: (project, build_dir, files)."""
    tmp = tmp_path_factory.mktemp("cold")
    project = tmp / "project"
    shutil.copytree(REPO / "tests" / "fixtures" / "synthetic", project)
    return project, tmp / "build", generate(project, tmp / "build")


def warm_copy(cold, tmp_path: Path) -> tuple[Path, Path]:
    project, build_dir, _ = cold
    shutil.copytree(project, tmp_path / "project")
    shutil.copytree(build_dir, tmp_path / "build")
    return tmp_path / "project", tmp_path / "build"


def test_cold_build_fills_the_cache_with_one_entry_per_chart(cold):
    _, build_dir, files = cold
    entries = cache_entries(build_dir)
    charts = chart_pages(files)
    assert len(charts) > 10
    assert len(entries) == len(charts)
    assert sorted(e["indicator_id"] for e in entries.values()) == sorted(i for _, i in charts)


def test_rebuild_with_unchanged_data_computes_no_chart_and_gives_identical_files(cold, tmp_path, monkeypatch):
    project, build_dir = warm_copy(cold, tmp_path)
    counting = Counting(monkeypatch)
    assert generate(project, build_dir) == cold[2]
    assert counting.computed == []


def test_one_changed_value_recomputes_only_that_plans_chart_and_matches_a_cold_build(cold, tmp_path, monkeypatch):
    """non-fossil-share exists in both cities: a value of the second city's recomputes only its chart."""
    project, build_dir = warm_copy(cold, tmp_path)
    edit_value(project, SECOND_CITY, "non-fossil-share")
    counting = Counting(monkeypatch)
    warm = generate(project, build_dir)
    assert counting.computed == [(SECOND_CITY, "non-fossil-share")]
    changed = f"docs/plans/{SECOND_CITY}/indicators/non-fossil-share.md"
    assert warm[changed] != cold[2][changed]  # the new value is on the page, not the cached chart
    same_id = "docs/plans/synthetic-songyuan/indicators/non-fossil-share.md"
    assert warm[same_id] == cold[2][same_id]

    fresh = tmp_path / "fresh"
    shutil.copytree(cold[0], fresh)
    edit_value(fresh, SECOND_CITY, "non-fossil-share")
    assert warm == generate(fresh, tmp_path / "fresh-build")

    # The stale entry is pruned: the cache holds exactly this build's charts.
    assert len(cache_entries(build_dir)) == len(chart_pages(warm))


def test_changed_builder_code_invalidates_every_chart(cold, tmp_path, monkeypatch):
    project, build_dir = warm_copy(cold, tmp_path)
    monkeypatch.setattr(cache, "builder_fingerprint", lambda package_dir=None: "code that differs")
    counting = Counting(monkeypatch)
    assert generate(project, build_dir) == cold[2]
    assert sorted(counting.computed) == chart_pages(cold[2])


def test_builder_fingerprint_follows_the_code(tmp_path):
    package = tmp_path / "builder"
    shutil.copytree(REPO / "builder", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = cache.builder_fingerprint(package)
    assert before == cache.builder_fingerprint(package)
    charts_py = package / "charts.py"
    charts_py.write_bytes(charts_py.read_bytes() + b"\n# changed\n")
    assert cache.builder_fingerprint(package) != before


def test_a_damaged_cache_file_is_ignored_and_every_chart_computed_again(cold, tmp_path, monkeypatch):
    project, build_dir = warm_copy(cold, tmp_path)
    (build_dir / CHART_CACHE).write_text("{not json", encoding="utf-8")
    counting = Counting(monkeypatch)
    assert generate(project, build_dir) == cold[2]
    assert sorted(counting.computed) == chart_pages(cold[2])
    assert len(cache_entries(build_dir)) == len(chart_pages(cold[2]))  # and the file is whole again


def test_mislabelled_or_damaged_entries_are_computed_again(cold, tmp_path, monkeypatch):
    project, build_dir = warm_copy(cold, tmp_path)
    record = json.loads((build_dir / CHART_CACHE).read_text(encoding="utf-8"))
    by_id = {}
    for key, entry in sorted(record["entries"].items()):
        by_id.setdefault(entry["indicator_id"], []).append(key)
    first, second, third = (keys[0] for _, keys in sorted(by_id.items())[:3])
    first_id, third_id = record["entries"][first]["indicator_id"], record["entries"][third]["indicator_id"]
    record["entries"][first] = dict(record["entries"][second])  # another chart's content under this key
    record["entries"][third]["rows"] = "not rows"
    (build_dir / CHART_CACHE).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    counting = Counting(monkeypatch)
    assert generate(project, build_dir) == cold[2]
    assert sorted(i for _, i in counting.computed) == sorted([first_id, third_id])
