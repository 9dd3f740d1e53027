"""`carbon-site build` end to end: the synthetic data root is built once per module
(plus a second time for the determinism check) and the tests read the result."""
from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"
REAL = REPO / "datapackages"
SITE_SRC = REPO / "site_src"
BIN = Path(sys.executable).parent


def copy_data(source: Path, parent: Path) -> Path:
    dest = parent / "datapackages"
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for rel, content in tree_bytes(root).items():
        digest.update(rel.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def site_epoch(data: Path) -> int:
    """The date the build stamps: SOURCE_DATE_EPOCH, else the latest date a source was accessed."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    accessed = max(date.fromisoformat(r["accessed"]) for r in rows(data / "published-values/data/sources.csv"))
    return int(datetime.combine(accessed, datetime.min.time(), timezone.utc).timestamp())


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def build(data: Path, out: Path, build_dir: Path):
    return CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out), "--build-dir", str(build_dir)])


class Built:
    def __init__(self, data: Path, out: Path, build_dir: Path, before: dict[str, str], output: str):
        self.data, self.out, self.build_dir, self.before, self.output = data, out, build_dir, before, output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The synthetic data root built once with `carbon-site build`."""
    tmp = tmp_path_factory.mktemp("synthetic-build")
    data = copy_data(SYNTHETIC, tmp)
    before = {"data": tree_hash(data), "site_src": tree_hash(SITE_SRC),
              "mkdocs.yml": hashlib.sha256((REPO / "mkdocs.yml").read_bytes()).hexdigest()}
    result = build(data, tmp / "site", tmp / "build")
    assert result.exit_code == 0, result.output
    return Built(data, tmp / "site", tmp / "build", before, result.output)


@pytest.fixture(scope="module")
def rebuilt(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same data built a second time, into fresh directories."""
    tmp = tmp_path_factory.mktemp("synthetic-rebuild")
    result = build(built.data, tmp / "site", tmp / "build")
    assert result.exit_code == 0, result.output
    return tmp / "site"


# ---------------------------------------------------------------- pages


def test_every_page_type_is_built(built: Built):
    out = built.out
    for page in ("index.html", "areas/index.html", "departments/index.html", "plan/index.html",
                 "plan/jilin/index.html", "downloads/index.html", "methodology/index.html", "about/index.html",
                 "404.html", "search/search_index.json", "sitemap.xml"):
        assert (out / page).is_file(), page
    for area in rows(built.data / "songyuan-plan/data/action_areas.csv"):
        assert (out / "areas" / area["area_id"] / "index.html").is_file()
    for package in ("songyuan-plan", "jilin-plan"):
        for indicator in rows(built.data / package / "data/indicators.csv"):
            page = out / "indicators" / indicator["indicator_id"] / "index.html"
            assert indicator["name_zh"] in page.read_text(encoding="utf-8")
        for department in rows(built.data / package / "data/departments.csv"):
            assert (out / "departments" / department["department_id"] / "index.html").is_file()


def test_vega_bundle_is_shipped_once_and_pages_load_it_locally(built: Built):
    bundle = built.out / "assets/vega/vega-bundle.js"
    assert "vegaEmbed" in bundle.read_text(encoding="utf-8")
    for area in rows(built.data / "songyuan-plan/data/action_areas.csv"):
        page = built.out / "areas" / area["area_id"] / "index.html"
        html = page.read_text(encoding="utf-8")
        assert 'src="../../assets/vega/vega-bundle.js"' in html
        assert 'src="../../assets/javascripts/charts.js"' in html
        assert page.stat().st_size < bundle.stat().st_size / 4, "the bundle is linked, not inlined"


def test_summary_line_names_the_site(built: Built):
    assert f"网站已生成：{built.out}" in built.output
    assert "Traceback" not in built.output


# ---------------------------------------------------------------- downloads


def test_packages_are_downloadable_byte_for_byte(built: Built):
    for package_dir in sorted(p for p in built.data.iterdir() if p.is_dir()):
        download = built.out / "downloads" / package_dir.name
        for source in [package_dir / "datapackage.json", *sorted((package_dir / "data").glob("*.csv"))]:
            rel = source.relative_to(package_dir)
            assert (download / rel).read_bytes() == source.read_bytes(), rel


@pytest.mark.parametrize("package", ["songyuan-plan", "jilin-plan", "published-values"])
def test_downloaded_package_and_its_zip_pass_frictionless(built: Built, package: str, tmp_path: Path):
    descriptor = built.out / "downloads" / package / "datapackage.json"
    check = subprocess.run([str(BIN / "frictionless"), "validate", str(descriptor)],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    with zipfile.ZipFile(built.out / "downloads" / f"{package}.zip") as archive:
        archive.extractall(tmp_path)
    check = subprocess.run([str(BIN / "frictionless"), "validate", str(tmp_path / package / "datapackage.json")],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr


def test_zips_are_sorted_dated_from_the_data_and_hold_the_source_files(built: Built):
    when = datetime.fromtimestamp(site_epoch(built.data), timezone.utc)
    stamp = (*when.timetuple()[:5], when.second - when.second % 2)  # zip keeps seconds in steps of two
    for package_dir in sorted(p for p in built.data.iterdir() if p.is_dir()):
        with zipfile.ZipFile(built.out / "downloads" / f"{package_dir.name}.zip") as archive:
            names = archive.namelist()
            assert names == sorted(names)
            assert f"{package_dir.name}/datapackage.json" in names
            for info in archive.infolist():
                assert info.date_time == stamp
                assert (info.external_attr >> 16) & 0o777 == 0o644
                source = package_dir / info.filename.split("/", 1)[1]
                assert archive.read(info) == source.read_bytes()


def test_checksums_list_every_download_with_its_true_hash(built: Built):
    downloads = built.out / "downloads"
    listed = {}
    for line in (downloads / "SHA256SUMS.txt").read_text(encoding="utf-8").splitlines():
        digest, rel = line.split("  ", 1)
        listed[rel] = digest
    on_disk = {p.relative_to(downloads).as_posix() for p in downloads.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"SHA256SUMS.txt", "index.html"}
    for rel, digest in listed.items():
        assert hashlib.sha256((downloads / rel).read_bytes()).hexdigest() == digest, rel
    page = (downloads / "index.html").read_text(encoding="utf-8")
    assert listed["songyuan-plan.zip"] in page


def test_indicator_csvs_hold_targets_and_every_published_value(built: Built):
    observations = rows(built.data / "published-values/data/observations.csv")
    for package in ("songyuan-plan", "jilin-plan"):
        targets = rows(built.data / package / "data/targets.csv")
        for indicator in rows(built.data / package / "data/indicators.csv"):
            path = built.out / "downloads/indicators" / f"{indicator['indicator_id']}.csv"
            assert path.read_bytes().startswith("\ufeff".encode("utf-8")), "Excel needs the BOM to read Chinese"
            table = rows(path)
            assert {r["target_id"] for r in table if r["row_type"] == "target"} == {
                t["target_id"] for t in targets if t["indicator_id"] == indicator["indicator_id"]}
            published = sorted((o["year"], float(o["value"])) for o in observations
                               if o["indicator_id"] == indicator["indicator_id"])
            assert sorted((r["year"], float(r["value"])) for r in table if r["row_type"] == "observation") == published


def test_area_csvs_list_the_area_targets_with_status(built: Built):
    indicators = {i["indicator_id"]: i for i in rows(built.data / "songyuan-plan/data/indicators.csv")}
    targets = rows(built.data / "songyuan-plan/data/targets.csv")
    for area in rows(built.data / "songyuan-plan/data/action_areas.csv"):
        table = rows(built.out / "downloads/areas" / f"area-{area['area_id']}.csv")
        expected = {t["target_id"] for t in targets if indicators[t["indicator_id"]]["area_id"] == area["area_id"]}
        assert {r["target_id"] for r in table} == expected
        assert all(r["status_zh"] for r in table)
    everything = rows(built.out / "downloads/targets.csv")
    assert len(everything) == len(targets) + len(rows(built.data / "jilin-plan/data/targets.csv"))


# ---------------------------------------------------------------- safety and determinism


def test_two_builds_of_the_same_data_are_byte_identical(built: Built, rebuilt: Path):
    first, second = tree_bytes(built.out), tree_bytes(rebuilt)
    assert sorted(first) == sorted(second)
    differing = [rel for rel in first if first[rel] != second[rel]]
    assert differing == []


def test_nothing_is_written_into_the_data_or_site_src(built: Built):
    assert tree_hash(built.data) == built.before["data"]
    assert tree_hash(SITE_SRC) == built.before["site_src"]
    assert hashlib.sha256((REPO / "mkdocs.yml").read_bytes()).hexdigest() == built.before["mkdocs.yml"]
    assert not list(built.out.parent.glob(".site.*")), "no staging or old site left beside the output"


class _ResourceLinks(HTMLParser):
    """URLs the browser fetches by itself: scripts, stylesheets, images, frames, media."""

    FETCHED = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src"),
               ("audio", "src"), ("video", "src"), ("embed", "src"), ("object", "data"), ("img", "srcset")}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (tag, name) in self.FETCHED and value:
                self.urls.append(value)


def test_no_page_loads_anything_from_another_host(built: Built):
    offenders = []
    for page in built.out.rglob("*.html"):
        parser = _ResourceLinks()
        parser.feed(page.read_text(encoding="utf-8"))
        offenders += [(page.name, u) for u in parser.urls if re.match(r"(https?:)?//", u.strip())]
    for sheet in built.out.rglob("*.css"):
        offenders += [(sheet.name, u) for u in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)",
                                                          sheet.read_text(encoding="utf-8"))]
        offenders += [(sheet.name, u) for u in re.findall(r"@import\s+['\"]((?:https?:)?//[^'\"]+)",
                                                          sheet.read_text(encoding="utf-8"))]
    assert offenders == []


def test_generated_project_alone_reproduces_the_site(built: Built, tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(built.build_dir, project, ignore=shutil.ignore_patterns(".cache"))
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    assert "docs_dir: docs" in config
    proc = subprocess.run([str(BIN / "mkdocs"), "build", "-q", "-f", str(project / "mkdocs.yml")],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SOURCE_DATE_EPOCH": str(site_epoch(built.data))})
    assert proc.returncode == 0, proc.stderr
    assert tree_bytes(project / "site") == tree_bytes(built.out)


def test_unchanged_rebuild_reuses_the_site_and_a_change_rebuilds_it(built: Built, tmp_path: Path):
    data = copy_data(built.data, tmp_path)
    out, build_dir = tmp_path / "site", tmp_path / "build"
    assert build(data, out, build_dir).exit_code == 0
    first = tree_bytes(out)

    again = build(data, out, build_dir)
    assert again.exit_code == 0 and "内容未变" in again.output
    assert tree_bytes(out) == first

    (out / "about/index.html").write_text("tampered", encoding="utf-8")
    repaired = build(data, out, build_dir)
    assert repaired.exit_code == 0 and "内容未变" not in repaired.output
    assert tree_bytes(out) == first

    indicators = data / "songyuan-plan/data/indicators.csv"
    indicators.write_bytes(indicators.read_bytes().replace("充电站数量（合成）".encode(), "公共充电站数量（合成）".encode()))
    changed = build(data, out, build_dir)
    assert changed.exit_code == 0 and "内容未变" not in changed.output
    assert "公共充电站数量（合成）" in (out / "indicators/charging-stations/index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the real data


def test_real_data_builds(tmp_path: Path):
    data = copy_data(REAL, tmp_path)
    result = build(data, tmp_path / "site", tmp_path / "build")
    assert result.exit_code == 0, result.output
    out = tmp_path / "site"
    areas = rows(data / "songyuan-plan/data/action_areas.csv")
    assert len(areas) == 10
    for area in areas:
        assert (out / "areas" / area["area_id"] / "index.html").is_file()
        assert (out / "downloads/areas" / f"area-{area['area_id']}.csv").is_file()
    for package in ("songyuan-plan", "jilin-plan"):
        for indicator in rows(data / package / "data/indicators.csv"):
            assert (out / "indicators" / indicator["indicator_id"] / "index.html").is_file()
            assert (out / "downloads/indicators" / f"{indicator['indicator_id']}.csv").is_file()


def test_build_with_relative_paths_as_the_readme_runs_it(tmp_path: Path):
    """`carbon-site build` from a working directory, with --out and --build-dir relative to it."""
    data = copy_data(SYNTHETIC, tmp_path)
    proc = subprocess.run([str(BIN / "carbon-site"), "build", "--data", "datapackages", "--out", "site",
                           "--build-dir", "build"], cwd=tmp_path, capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "search" / "search_index.json").is_file()
    assert tree_hash(data) == tree_hash(copy_data(SYNTHETIC, tmp_path / "fresh"))  # the data untouched


def test_derived_csvs_refuse_formula_text_but_keep_comparator_codes():
    from builder.publish import BuildFailed, table_csv

    text = table_csv(("comparator", "note"), [{"comparator": "=", "note": "合成"}]).decode("utf-8-sig")
    assert text.splitlines() == ["comparator,note", "=,合成"]
    with pytest.raises(BuildFailed):
        table_csv(("comparator", "note"), [{"comparator": ">=", "note": '=HYPERLINK("http://x")'}])
