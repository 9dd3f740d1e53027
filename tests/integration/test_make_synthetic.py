"""scripts/make_synthetic.py writes a valid data root that says everywhere it is synthetic."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from builder.cli import main as carbon_site

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_synthetic.py"
PACKAGES = ("songyuan-plan", "jilin-plan", "published-values")


def make_synthetic(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), *args],
                          capture_output=True, text=True, check=False)


def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_generated_root_passes_validate(tmp_path):
    root = tmp_path / "datapackages"
    assert make_synthetic(root, "--indicators", "20", "--seed", "3").returncode == 0

    result = CliRunner().invoke(carbon_site, ["validate", "--data", str(root)])

    assert result.exit_code == 0, result.output


def test_every_title_name_quote_and_source_says_synthetic(tmp_path):
    root = tmp_path / "datapackages"
    make_synthetic(root, "--indicators", "20")

    for package in PACKAGES:
        descriptor = json.loads((root / package / "datapackage.json").read_text("utf-8"))
        assert "SYNTHETIC" in descriptor["title"] and "合成" in descriptor["title"]
    for package in ("songyuan-plan", "jilin-plan"):
        data = root / package / "data"
        for row in read_rows(data / "indicators.csv"):
            assert "合成" in row["name_zh"] and "SYNTHETIC" in row["name_en"], row
        for row in read_rows(data / "targets.csv"):
            assert "合成" in row["quote_zh"], row
        for row in read_rows(data / "plans.csv"):
            assert "合成" in row["title_zh"] and "SYNTHETIC" in row["title_en"], row
    for row in read_rows(root / "published-values" / "data" / "sources.csv"):
        assert row["publisher"] == "合成数据（非真实）"
        assert row["url"].startswith("https://example.org/synthetic/")


def test_indicators_spread_over_ten_areas_with_fifteen_years_and_mixed_targets(tmp_path):
    root = tmp_path / "datapackages"
    make_synthetic(root, "--indicators", "100")

    indicators = read_rows(root / "songyuan-plan" / "data" / "indicators.csv")
    jilin = read_rows(root / "jilin-plan" / "data" / "indicators.csv")
    targets = read_rows(root / "songyuan-plan" / "data" / "targets.csv")
    observations = read_rows(root / "published-values" / "data" / "observations.csv")
    assert len(indicators) == 100
    assert jilin and all(row["indicator_id"].startswith("jl-") for row in jilin)
    per_area = Counter(row["area_id"] for row in indicators if row["area_id"])
    assert sorted(per_area) == sorted(str(a) for a in range(1, 11))
    assert max(per_area.values()) - min(per_area.values()) <= 1
    years = Counter(row["indicator_id"] for row in observations)
    assert set(years.values()) == {15}
    assert len(years) == len(indicators) + len(jilin)
    per_indicator = Counter(row["indicator_id"] for row in targets)
    assert set(per_indicator.values()) == {1, 2}
    kinds = {row["kind"] for row in targets} | {row["comparator"] for row in targets}
    assert {"level", "reduction", "addition", "count", "deferred", "≈"} <= kinds


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    make_synthetic(first, "--indicators", "20", "--seed", "7")
    make_synthetic(second, "--indicators", "20", "--seed", "7")
    make_synthetic(other, "--indicators", "20", "--seed", "8")

    assert tree_bytes(first) == tree_bytes(second)
    assert tree_bytes(first) != tree_bytes(other)


def test_refuses_a_directory_that_is_not_empty(tmp_path):
    out = tmp_path / "occupied"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")

    result = make_synthetic(out, "--indicators", "5")

    assert result.returncode == 2
    assert "not an empty directory" in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
