"""scripts/make_synthetic.py writes a site project that validates clean, builds, and says
everywhere that it is synthetic."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from builder.cli import main as carbon_site
from builder.site.urls import Urls, page_url

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_synthetic.py"
CITY, PROVINCE, VALUES = "city-plan", "province-plan", "published-values"
PLAN_PACKAGES = (CITY, PROVINCE)


def make_synthetic(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), *args],
                          capture_output=True, text=True, check=False)


def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def table(project: Path, package: str, name: str) -> list[dict]:
    return read_rows(project / "datapackages" / package / "data" / f"{name}.csv")


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_generated_project_validates_without_a_problem(tmp_path):
    project = tmp_path / "project"
    made = make_synthetic(project, "--indicators", "20", "--seed", "3")
    assert made.returncode == 0, made.stderr

    result = CliRunner().invoke(carbon_site, ["validate", "--config", str(project / "carbon-site.toml"),
                                              "--format", "json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["valid"], report["errors"], report["warnings"], report["problems"]) == (True, 0, 0, [])


def test_generated_project_builds_with_a_page_for_every_indicator_of_both_plans(tmp_path):
    project = tmp_path / "project"
    make_synthetic(project, "--indicators", "20", "--seed", "3")
    site = tmp_path / "site"

    result = CliRunner().invoke(carbon_site, ["build", "--config", str(project / "carbon-site.toml"),
                                              "--out", str(site), "--build-dir", str(tmp_path / "build"), "-q"])

    assert result.exit_code == 0, result.output
    urls = Urls("synthetic-city")
    assert (site / page_url(urls.plan_home("synthetic-city"))).is_file()
    for package, plan_id in ((CITY, "synthetic-city"), (PROVINCE, "synthetic-province")):
        for row in table(project, package, "indicators"):
            page = site / page_url(urls.indicator(plan_id, row["indicator_id"]))
            assert page.is_file(), page
    assert (site / page_url(urls.area("synthetic-city", 10))).is_file()
    assert (site / page_url(urls.plan_home("synthetic-province"))).is_file()
    assert (site / page_url(urls.compare("synthetic-province"))).is_file()
    assert sorted(p.name for p in project.iterdir()) == ["carbon-site.toml", "datapackages"]


def test_every_title_name_quote_and_source_says_synthetic(tmp_path):
    project = tmp_path / "project"
    make_synthetic(project, "--indicators", "20")

    config = tomllib.loads((project / "carbon-site.toml").read_text("utf-8"))
    assert "SYNTHETIC" in config["site"]["title"] and "合成" in config["site"]["description"]
    assert config["contact"]["email"].endswith("@example.org")
    for package in (*PLAN_PACKAGES, VALUES):
        descriptor = json.loads((project / "datapackages" / package / "datapackage.json").read_text("utf-8"))
        assert "SYNTHETIC" in descriptor["title"] and "合成" in descriptor["title"]
        assert descriptor["name"] == package
    for package in PLAN_PACKAGES:
        for row in table(project, package, "indicators"):
            assert "合成" in row["name_zh"] and "SYNTHETIC" in row["name_en"], row
        for row in table(project, package, "targets"):
            assert "合成" in row["quote_zh"], row
        for row in table(project, package, "plans"):
            assert "合成" in row["title_zh"] and "SYNTHETIC" in row["title_en"], row
            assert row["jurisdiction_code"].startswith("99"), row  # no real division has code 99…
    for row in table(project, VALUES, "sources"):
        assert row["publisher"] == "合成数据（非真实）"
        assert row["url"].startswith("https://example.org/synthetic/")


def test_the_city_plan_answers_to_the_province_plan(tmp_path):
    project = tmp_path / "project"
    make_synthetic(project, "--indicators", "100")

    (city,) = table(project, CITY, "plans")
    (province,) = table(project, PROVINCE, "plans")
    assert (city["plan_id"], city["jurisdiction_level"], city["parent_plan_id"]) == (
        "synthetic-city", "city", "synthetic-province")
    assert (province["plan_id"], province["jurisdiction_level"], province["parent_plan_id"]) == (
        "synthetic-province", "province", "")
    assert city["jurisdiction_code"].endswith("00") and not city["jurisdiction_code"].endswith("0000")
    assert province["jurisdiction_code"].endswith("0000")
    config = tomllib.loads((project / "carbon-site.toml").read_text("utf-8"))
    assert config["site"]["home"] == "synthetic-city"

    units = {row["indicator_id"]: row["unit"] for row in table(project, PROVINCE, "indicators")}
    linked = [row for row in table(project, CITY, "indicators") if row["comparable_indicator_id"]]
    assert len(linked) == len(units) == 5
    for row in linked:
        assert units[row["comparable_indicator_id"]] == row["unit"], row
    assert not any(row["comparable_indicator_id"] for row in table(project, PROVINCE, "indicators"))


def test_indicators_spread_over_ten_areas_with_fifteen_years_and_mixed_targets(tmp_path):
    project = tmp_path / "project"
    make_synthetic(project, "--indicators", "100")

    indicators = table(project, CITY, "indicators")
    province = table(project, PROVINCE, "indicators")
    targets = table(project, CITY, "targets")
    observations = table(project, VALUES, "observations")
    assert len(indicators) == 100
    per_area = Counter(row["area_id"] for row in indicators if row["area_id"])
    assert sorted(per_area) == sorted(str(a) for a in range(1, 11))
    assert max(per_area.values()) - min(per_area.values()) <= 1
    years = Counter((row["plan_id"], row["indicator_id"]) for row in observations)
    assert set(years.values()) == {15}
    assert set(years) == ({("synthetic-city", row["indicator_id"]) for row in indicators}
                          | {("synthetic-province", row["indicator_id"]) for row in province})
    per_indicator = Counter(row["indicator_id"] for row in targets)
    assert set(per_indicator.values()) == {1, 2}
    kinds = {row["kind"] for row in targets} | {row["comparator"] for row in targets}
    assert {"level", "reduction", "addition", "count", "deferred", "≈"} <= kinds


def test_the_plan_text_holds_every_quote(tmp_path):
    project = tmp_path / "project"
    make_synthetic(project, "--indicators", "60")

    for package in PLAN_PACKAGES:
        (plan,) = table(project, package, "plans")
        text = (project / "datapackages" / package / plan["source_text"]).read_text("utf-8")
        quotes = [row["quote_zh"] for name in ("targets", "key_projects") for row in table(project, package, name)]
        assert quotes
        assert [q for q in quotes if q not in text] == []


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    make_synthetic(first, "--indicators", "20", "--seed", "7")
    make_synthetic(second, "--indicators", "20", "--seed", "7")
    make_synthetic(other, "--indicators", "20", "--seed", "8")

    assert tree_bytes(first) and tree_bytes(first) == tree_bytes(second)
    assert tree_bytes(first) != tree_bytes(other)


def test_refuses_a_directory_that_is_not_empty(tmp_path):
    out = tmp_path / "occupied"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")

    result = make_synthetic(out, "--indicators", "5")

    assert result.returncode == 2
    assert "not an empty directory" in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
