"""The chart cache in build/.cache/charts.json: reused when nothing changed, never when something did.

Builds here stop at the generated MkDocs project (publish.generate_project), which holds
every page with its charts; MkDocs itself is not needed to see what the cache did.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from builder import pages, publish

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"
SITE_SRC = REPO / "site_src"
MKDOCS_YML = REPO / "mkdocs.yml"
CHART_CACHE = Path(".cache") / "charts.json"


def copy_data(parent: Path) -> Path:
    dest = parent / "datapackages"
    shutil.copytree(SYNTHETIC, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest


def generate(data: Path, build_dir: Path) -> dict[str, bytes]:
    """Generate the project and return its files (the cache left out; the build directory's own
    path, which mkdocs.yml names for the search dictionary, shown as <build>)."""
    publish.generate_project(data, build_dir, site_src=SITE_SRC, mkdocs_yml=MKDOCS_YML)
    own_path = str(build_dir.resolve()).encode("utf-8")
    return {p.relative_to(build_dir).as_posix(): p.read_bytes().replace(own_path, b"<build>")
            for p in sorted(build_dir.rglob("*")) if p.is_file() and p.relative_to(build_dir).parts[0] != ".cache"}


class Counting:
    """Wraps pages.chart_view to record which indicators' charts were computed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.computed: list[str] = []
        original = pages.chart_view

        def counted(indicator, *args, **kwargs):
            self.computed.append(indicator.indicator_id)
            return original(indicator, *args, **kwargs)

        monkeypatch.setattr(pages, "chart_view", counted)


def edit_first_observation(data: Path) -> str:
    """Add 1 to the first published value; return its indicator id."""
    path = data / "published-values" / "data" / "observations.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    rows[0]["value"] = repr(float(rows[0]["value"]) + 1.0)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows[0]["indicator_id"]


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, bytes]]:
    """The synthetic data generated once into a fresh build directory: (data, build_dir, files)."""
    tmp = tmp_path_factory.mktemp("cold")
    data = copy_data(tmp)
    return data, tmp / "build", generate(data, tmp / "build")


def warm_copy(cold: tuple[Path, Path, dict[str, bytes]], tmp_path: Path) -> tuple[Path, Path]:
    data, build_dir, _ = cold
    data_copy = copy_data(tmp_path)
    build_copy = tmp_path / "build"
    shutil.copytree(build_dir, build_copy)
    return data_copy, build_copy


def cache_entries(build_dir: Path) -> dict[str, dict]:
    return json.loads((build_dir / CHART_CACHE).read_text(encoding="utf-8"))["entries"]


def chart_ids(files: dict[str, bytes]) -> set[str]:
    return {p.removeprefix("docs/indicators/").removesuffix(".md") for p in files if p.startswith("docs/indicators/")
            and p.endswith(".md")}


def test_cold_build_fills_the_cache_with_one_entry_per_indicator(cold):
    _, build_dir, files = cold
    entries = cache_entries(build_dir)
    assert sorted(e["indicator_id"] for e in entries.values()) == sorted(chart_ids(files))
    assert len(entries) > 0


def test_rebuild_with_unchanged_data_computes_no_chart_and_gives_identical_files(cold, tmp_path, monkeypatch):
    data, build_dir = warm_copy(cold, tmp_path)
    counting = Counting(monkeypatch)
    assert generate(data, build_dir) == cold[2]
    assert counting.computed == []


def test_one_changed_value_recomputes_only_its_chart_and_matches_a_cold_build(cold, tmp_path, monkeypatch):
    data, build_dir = warm_copy(cold, tmp_path)
    changed = edit_first_observation(data)
    counting = Counting(monkeypatch)
    warm = generate(data, build_dir)
    assert counting.computed == [changed]
    page = f"docs/indicators/{changed}.md"
    assert warm[page] != cold[2][page]  # the new value is on the page, not the cached chart

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    fresh_data = copy_data(fresh)
    edit_first_observation(fresh_data)
    assert warm == generate(fresh_data, fresh / "build")

    # The stale entry is pruned: the cache holds exactly this build's charts.
    entries = cache_entries(build_dir)
    assert sorted(e["indicator_id"] for e in entries.values()) == sorted(chart_ids(warm))


def test_changed_builder_code_invalidates_every_chart(cold, tmp_path, monkeypatch):
    data, build_dir = warm_copy(cold, tmp_path)
    monkeypatch.setattr(publish, "builder_fingerprint", lambda: "code that differs")
    counting = Counting(monkeypatch)
    assert generate(data, build_dir) == cold[2]
    assert sorted(counting.computed) == sorted(chart_ids(cold[2]))


def test_builder_fingerprint_follows_the_code(tmp_path):
    package = tmp_path / "builder"
    shutil.copytree(REPO / "builder", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = publish.builder_fingerprint(package)
    assert before == publish.builder_fingerprint(REPO / "builder")
    charts_py = package / "charts.py"
    charts_py.write_bytes(charts_py.read_bytes() + b"\n# changed\n")
    assert publish.builder_fingerprint(package) != before


def test_a_damaged_cache_file_is_ignored_and_every_chart_computed_again(cold, tmp_path, monkeypatch):
    data, build_dir = warm_copy(cold, tmp_path)
    (build_dir / CHART_CACHE).write_text("{not json", encoding="utf-8")
    counting = Counting(monkeypatch)
    assert generate(data, build_dir) == cold[2]
    assert sorted(counting.computed) == sorted(chart_ids(cold[2]))
    assert len(cache_entries(build_dir)) == len(chart_ids(cold[2]))  # and the file is whole again


def test_mislabelled_or_damaged_entries_are_computed_again(cold, tmp_path, monkeypatch):
    data, build_dir = warm_copy(cold, tmp_path)
    record = json.loads((build_dir / CHART_CACHE).read_text(encoding="utf-8"))
    keys = sorted(record["entries"])
    first, second, third = (record["entries"][k] for k in keys[:3])
    record["entries"][keys[0]] = dict(second)  # another chart's content under this key
    third["rows"] = "not rows"
    (build_dir / CHART_CACHE).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    counting = Counting(monkeypatch)
    assert generate(data, build_dir) == cold[2]
    assert sorted(counting.computed) == sorted([first["indicator_id"], third["indicator_id"]])
