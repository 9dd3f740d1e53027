"""`carbon-site build` end to end on the SYNTHETIC project (a province and two cities, home =
synthetic-songyuan): built once per session (fixture ``built_synthetic``), plus a few builds of
private copies. Expectations are read from the fixture's CSVs, not from the builder."""
from __future__ import annotations

import csv
import hashlib
import html
import json
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
from builder.excel import FormulaCell, csv_bytes

BIN = Path(sys.executable).parent
HOME_PLAN = "synthetic-songyuan"


# ---------------------------------------------------------------- helpers


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for rel, content in tree_bytes(root).items():
        digest.update(rel.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def number(text: str) -> float | None:
    return float(text) if text else None


def descriptor(package_dir: Path) -> dict:
    return json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))


def plan_packages(data: Path) -> dict[str, Path]:
    """plan_id -> package folder, for every package with a plans table (told by its resources, not its folder)."""
    found = {}
    for package_dir in sorted(p for p in data.iterdir() if (p / "datapackage.json").is_file()):
        resources = {r["name"]: r["path"] for r in descriptor(package_dir)["resources"]}
        if "plans" in resources:
            for plan in rows(package_dir / resources["plans"]):
                found[plan["plan_id"]] = package_dir
    return found


def values_package(data: Path) -> Path:
    return next(p for p in data.iterdir() if (p / "datapackage.json").is_file()
                and "observations" in {r["name"] for r in descriptor(p)["resources"]})


def table(package_dir: Path, resource: str) -> list[dict[str, str]]:
    path = next(r["path"] for r in descriptor(package_dir)["resources"] if r["name"] == resource)
    return rows(package_dir / path)


def plan_home(plan_id: str) -> str:
    return "index.md" if plan_id == HOME_PLAN else f"plans/{plan_id}/index.md"


def site_epoch(data: Path) -> int:
    """The date the build stamps: SOURCE_DATE_EPOCH, else the latest date a source was accessed."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    accessed = max(date.fromisoformat(r["accessed"]) for r in table(values_package(data), "sources"))
    return int(datetime.combine(accessed, datetime.min.time(), timezone.utc).timestamp())


def build(config: Path, out: Path, build_dir: Path, *extra: str):
    return CliRunner().invoke(main, ["build", "--config", str(config), "--out", str(out),
                                     "--build-dir", str(build_dir), *extra])


# ---------------------------------------------------------------- pages


def test_the_fixture_has_three_plans_in_four_packages(built_synthetic):
    assert sorted(plan_packages(built_synthetic.data)) == ["synthetic-jilin", "synthetic-second-city", HOME_PLAN]


def test_every_page_of_every_plan_is_built_under_its_own_folder(built_synthetic, page_file):
    out = built_synthetic.out
    for docs_path in ("index.md", "downloads/index.md", "downloads/dictionary.md", "methodology.md", "about.md"):
        assert page_file(out, docs_path).is_file(), docs_path
    for other in ("404.html", "search/search_index.json", "sitemap.xml"):
        assert (out / other).is_file(), other
    for plan_id, package_dir in plan_packages(built_synthetic.data).items():
        base = f"plans/{plan_id}"
        plan = table(package_dir, "plans")[0]
        assert plan["title_zh"] in page_file(out, plan_home(plan_id)).read_text(encoding="utf-8"), plan_id
        for docs_path in ("areas/index.md", "departments/index.md", "text.md"):
            assert page_file(out, f"{base}/{docs_path}").is_file(), f"{base}/{docs_path}"
        for area in table(package_dir, "action_areas"):
            html = page_file(out, f"{base}/areas/{area['area_id']}.md").read_text(encoding="utf-8")
            assert area["name_zh"] in html, (plan_id, area["area_id"])
        for indicator in table(package_dir, "indicators"):
            html = page_file(out, f"{base}/indicators/{indicator['indicator_id']}.md").read_text(encoding="utf-8")
            assert indicator["name_zh"] in html, (plan_id, indicator["indicator_id"])
        for department in table(package_dir, "departments"):
            html = page_file(out, f"{base}/departments/{department['department_id']}.md").read_text(encoding="utf-8")
            assert department["name_zh"] in html, (plan_id, department["department_id"])


def test_every_page_of_a_plan_lives_in_its_plans_folder(built_synthetic):
    """A plan's pages live under plans/<plan_id>/; any other file about one plan's indicator (a
    download, a chart to embed or share) is filed under that plan's id too, so ids never collide."""
    out = built_synthetic.out
    plans = plan_packages(built_synthetic.data)
    plan_parts = {"areas", "indicators", "departments", "plan", "text", "compare"}
    files = [p.relative_to(out).with_suffix("") for p in out.rglob("*") if p.is_file()]
    outside = [p.as_posix() for p in files if p.parts[0] != "plans" and p.parts[0] != "downloads"
               and plan_parts & set(p.parts)]
    assert outside == []
    indicator_ids = {i["indicator_id"] for d in plans.values() for i in table(d, "indicators")}
    unfiled = [p.as_posix() for p in files if p.parts[0] != "plans" and p.name in indicator_ids
               and not set(plans) & set(p.parts)]
    assert unfiled == []
    assert {p.name for p in (out / "plans").iterdir()} == set(plans)


def test_the_province_has_a_comparison_page_and_the_cities_none(built_synthetic, page_file):
    out = built_synthetic.out
    assert page_file(out, "plans/synthetic-jilin/compare.md").is_file()
    assert not page_file(out, f"plans/{HOME_PLAN}/compare.md").exists()
    assert not page_file(out, "plans/synthetic-second-city/compare.md").exists()


def test_vega_bundle_is_shipped_once_and_pages_load_it_locally(built_synthetic, page_file):
    out = built_synthetic.out
    bundle = out / "assets/vega/vega-bundle.js"
    assert "vegaEmbed" in bundle.read_text(encoding="utf-8")
    assert len(list(out.rglob("vega-bundle.js"))) == 1
    for plan_id, package_dir in plan_packages(built_synthetic.data).items():
        for indicator in table(package_dir, "indicators"):
            html_path = page_file(out, f"plans/{plan_id}/indicators/{indicator['indicator_id']}.md")
            html = html_path.read_text(encoding="utf-8")
            for script in ("vega/vega-bundle.js", "javascripts/charts.js"):
                links = re.findall(rf'src="([^"]*assets/{script})"', html)
                assert links, (html_path, script)
                assert all((html_path.parent / link).resolve() == (out / "assets" / script).resolve() for link in links)
            assert html_path.stat().st_size < bundle.stat().st_size / 4, "the bundle is linked, not inlined"


def test_summary_line_names_the_site(built_synthetic):
    assert f"网站已生成：{built_synthetic.out}" in built_synthetic.output
    assert "Traceback" not in built_synthetic.output


# ---------------------------------------------------------------- downloads


def published_files(package_dir: Path) -> dict[str, bytes]:
    """A package's files as the site must publish them: byte for byte, except that the descriptor
    carries the site's data release as its version (checked by test_published_descriptor_...)."""
    return {p.relative_to(package_dir).as_posix(): p.read_bytes() for p in sorted(package_dir.rglob("*"))
            if p.is_file() and p.name != "datapackage.json"}


def test_package_files_are_downloadable_byte_for_byte_under_the_package_name(built_synthetic):
    for package_dir in sorted(p for p in built_synthetic.data.iterdir() if p.is_dir()):
        name = descriptor(package_dir)["name"]
        download = built_synthetic.out / "downloads" / name
        for rel, content in published_files(package_dir).items():
            if rel != "README.md":  # an .md file under docs/ would be a page: the README is in the zip
                assert (download / rel).read_bytes() == content, (name, rel)


def test_published_descriptor_is_the_source_with_the_release_as_version(built_synthetic):
    versions = set()
    for package_dir in sorted(p for p in built_synthetic.data.iterdir() if p.is_dir()):
        source = descriptor(package_dir)
        published = json.loads((built_synthetic.out / "downloads" / source["name"] / "datapackage.json").read_bytes())
        versions.add(published["version"])
        assert published == {**source, "version": published["version"]}
    assert len(versions) == 1 and re.fullmatch(r"\d{4}\.\d{2}\.\d{2}(\.\d+)?", versions.pop())


def test_zips_hold_every_package_file_with_readme_sorted_and_dated_from_the_data(built_synthetic):
    when = datetime.fromtimestamp(site_epoch(built_synthetic.data), timezone.utc)
    stamp = (*when.timetuple()[:5], when.second - when.second % 2)  # zip keeps seconds in steps of two
    readmes = 0
    for package_dir in sorted(p for p in built_synthetic.data.iterdir() if p.is_dir()):
        name = descriptor(package_dir)["name"]
        expected = {f"{name}/{rel}": content for rel, content in published_files(package_dir).items()}
        readmes += f"{name}/README.md" in expected
        published_descriptor = (built_synthetic.out / "downloads" / name / "datapackage.json").read_bytes()
        expected[f"{name}/datapackage.json"] = published_descriptor
        with zipfile.ZipFile(built_synthetic.out / "downloads" / f"{name}.zip") as archive:
            names = archive.namelist()
            assert names == sorted(names)
            assert set(names) == set(expected), name
            for info in archive.infolist():
                assert info.date_time == stamp
                assert (info.external_attr >> 16) & 0o777 == 0o644
                assert archive.read(info) == expected[info.filename], info.filename
    assert readmes >= 1, "the fixture has a package with a README.md, and it must be in that zip"


def test_checksums_list_every_download_with_its_true_hash(built_synthetic):
    downloads = built_synthetic.out / "downloads"
    listed = {}
    for line in (downloads / "SHA256SUMS.txt").read_text(encoding="utf-8").splitlines():
        digest, rel = line.split("  ", 1)
        listed[rel] = digest
    on_disk = {p.relative_to(downloads).as_posix() for p in downloads.rglob("*") if p.is_file()}
    assert set(listed) == {p for p in on_disk if p != "SHA256SUMS.txt" and not p.endswith(".html")}
    for rel, digest in listed.items():
        assert hashlib.sha256((downloads / rel).read_bytes()).hexdigest() == digest, rel
    listing = (downloads / "index.html").read_text(encoding="utf-8")
    assert 'href="SHA256SUMS.txt"' in listing


def test_each_plan_has_its_own_indicator_csvs_with_only_its_targets_and_values(built_synthetic):
    observations = table(values_package(built_synthetic.data), "observations")
    for plan_id, package_dir in plan_packages(built_synthetic.data).items():
        targets = table(package_dir, "targets")
        for indicator in table(package_dir, "indicators"):
            iid = indicator["indicator_id"]
            path = built_synthetic.out / "downloads/plans" / plan_id / "indicators" / f"{iid}.csv"
            assert path.read_bytes().startswith("\ufeff".encode("utf-8")), "Excel needs the BOM to read Chinese"
            got = rows(path)
            assert {r["plan_id"] for r in got} == {plan_id}
            assert {(r["target_id"], number(r["target_value"])) for r in got if r["row_type"] == "target"} == {
                (t["target_id"], number(t["target_value"])) for t in targets if t["indicator_id"] == iid}
            published = sorted((o["year"], float(o["value"])) for o in observations
                               if o["plan_id"] == plan_id and o["indicator_id"] == iid)
            assert sorted((r["year"], float(r["value"])) for r in got if r["row_type"] == "observation") == published


def test_area_and_plan_csvs_list_their_targets_with_status(built_synthetic):
    everything = rows(built_synthetic.out / "downloads/targets.csv")
    total = 0
    for plan_id, package_dir in plan_packages(built_synthetic.data).items():
        indicators = {i["indicator_id"]: i for i in table(package_dir, "indicators")}
        targets = table(package_dir, "targets")
        total += len(targets)
        plan_rows = rows(built_synthetic.out / "downloads/plans" / plan_id / "targets.csv")
        assert sorted(r["target_id"] for r in plan_rows) == sorted(t["target_id"] for t in targets)
        assert sorted(r["target_id"] for r in everything if r["plan_id"] == plan_id) == sorted(
            t["target_id"] for t in targets)
        for area in table(package_dir, "action_areas"):
            area_rows = rows(built_synthetic.out / "downloads/plans" / plan_id / "areas" / f"area-{area['area_id']}.csv")
            expected = {t["target_id"] for t in targets if indicators[t["indicator_id"]]["area_id"] == area["area_id"]}
            assert {r["target_id"] for r in area_rows} == expected, (plan_id, area["area_id"])
            assert all(r["status_zh"] and r["plan_id"] == plan_id for r in area_rows)
    assert len(everything) == total


def test_derived_csvs_refuse_formula_text_but_keep_comparator_codes():
    text = csv_bytes(("comparator", "note"), [{"comparator": "=", "note": "合成"}],
                     unguarded=("comparator",)).decode("utf-8-sig")
    assert text.splitlines() == ["comparator,note", "=,合成"]
    with pytest.raises(FormulaCell):
        csv_bytes(("comparator", "note"), [{"comparator": ">=", "note": '=HYPERLINK("http://x")'}],
                  unguarded=("comparator",))


# ---------------------------------------------------------------- safety and determinism


def test_a_second_build_is_byte_identical_and_writes_nothing_into_its_project(built_synthetic, copy_project,
                                                                              build_project, tmp_path):
    project = copy_project(tmp_path / "project")
    before = tree_hash(project)
    again = build_project(project, tmp_path)
    first, second = tree_bytes(built_synthetic.out), tree_bytes(again.out)
    assert sorted(first) == sorted(second)
    assert [rel for rel in first if first[rel] != second[rel]] == []
    assert tree_hash(project) == before, "same data: no new release recorded, nothing else written"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith((".site.new-", ".site.old-"))]
    assert leftovers == [], "no staging or old site left beside the output"


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


def test_no_page_loads_anything_from_another_host(built_synthetic):
    offenders = []
    for html in built_synthetic.out.rglob("*.html"):
        parser = _ResourceLinks()
        parser.feed(html.read_text(encoding="utf-8"))
        offenders += [(html.name, u) for u in parser.urls if re.match(r"(https?:)?//", u.strip())]
    for sheet in built_synthetic.out.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        offenders += [(sheet.name, u) for u in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", text)]
        offenders += [(sheet.name, u) for u in re.findall(r"@import\s+['\"]((?:https?:)?//[^'\"]+)", text)]
    assert offenders == []


def test_generated_project_alone_reproduces_the_site(built_synthetic, tmp_path):
    project = tmp_path / "generated"
    shutil.copytree(built_synthetic.build_dir, project, ignore=shutil.ignore_patterns(".cache"))
    assert "docs_dir: docs" in (project / "mkdocs.yml").read_text(encoding="utf-8")
    proc = subprocess.run([str(BIN / "mkdocs"), "build", "-q", "--strict", "-f", str(project / "mkdocs.yml")],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SOURCE_DATE_EPOCH": str(site_epoch(built_synthetic.data))})
    assert proc.returncode == 0, proc.stderr
    site = tree_bytes(built_synthetic.out)
    assert site.pop(".carbon-site")  # the marker the builder adds after MkDocs
    assert tree_bytes(project / "site") == site


def test_unchanged_rebuild_reuses_the_site_and_a_change_rebuilds_it(synthetic_project, tmp_path, page_file):
    config = synthetic_project / "carbon-site.toml"
    out, build_dir = tmp_path / "site", tmp_path / "build"
    assert build(config, out, build_dir).exit_code == 0
    first = tree_bytes(out)

    again = build(config, out, build_dir)
    assert again.exit_code == 0 and "内容未变" in again.output
    assert tree_bytes(out) == first

    (out / "404.html").write_text("tampered", encoding="utf-8")
    repaired = build(config, out, build_dir)
    assert repaired.exit_code == 0 and "内容未变" not in repaired.output
    assert tree_bytes(out) == first

    indicators = synthetic_project / "datapackages/songyuan-plan/data/indicators.csv"
    indicators.write_bytes(indicators.read_bytes().replace("充电站数量（合成）".encode(), "公共充电站数量（合成）".encode()))
    edited = tree_bytes(synthetic_project)
    changed = build(config, out, build_dir)
    assert changed.exit_code == 0 and "内容未变" not in changed.output
    after = tree_bytes(synthetic_project)
    # The only file a build writes into a project: the data release history, when the data changed.
    assert [rel for rel in sorted(set(edited) | set(after)) if edited.get(rel) != after.get(rel)] == [
        "datapackages/releases.json"]
    latest = json.loads(after["datapackages/releases.json"])["releases"][0]
    assert latest["targets"] == [] and latest["values"] == []
    assert f"数据版本 {latest['version']}" in changed.output
    html = page_file(out, f"plans/{HOME_PLAN}/indicators/charging-stations.md").read_text(encoding="utf-8")
    assert "公共充电站数量（合成）" in html
    other = page_file(out, "plans/synthetic-second-city/indicators/charging-stations.md").read_text(encoding="utf-8")
    assert "公共充电站数量（合成）" not in other, "the other city's indicator of the same id is not touched"


def test_build_from_the_project_folder_with_no_options_as_the_readme_runs_it(synthetic_project):
    """`carbon-site build` in the project: the config found in the working directory, site/ and build/ beside it."""
    data_before = tree_hash(synthetic_project / "datapackages")
    proc = subprocess.run([str(BIN / "carbon-site"), "build"], cwd=synthetic_project, capture_output=True,
                          text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (synthetic_project / "site" / "index.html").is_file()
    assert (synthetic_project / "site" / "search" / "search_index.json").is_file()
    assert (synthetic_project / "build" / "mkdocs.yml").is_file()
    assert tree_hash(synthetic_project / "datapackages") == data_before


# ---------------------------------------------------------------- the real project


def _real_plans() -> dict[str, Path]:
    return plan_packages(Path(__file__).resolve().parents[2] / "datapackages")


def test_real_project_builds_every_plan_page_and_download(built_site, page_file):
    real = _real_plans()
    assert len(real) >= 2
    home = "songyuan-carbon-peak-2023"
    assert home in real
    assert len(table(real[home], "action_areas")) == 10
    for plan_id, package_dir in real.items():
        assert page_file(built_site, "index.md" if plan_id == home else f"plans/{plan_id}/index.md").is_file(), plan_id
        for area in table(package_dir, "action_areas"):
            assert page_file(built_site, f"plans/{plan_id}/areas/{area['area_id']}.md").is_file()
            assert (built_site / "downloads/plans" / plan_id / "areas" / f"area-{area['area_id']}.csv").is_file()
        for indicator in table(package_dir, "indicators"):
            assert page_file(built_site, f"plans/{plan_id}/indicators/{indicator['indicator_id']}.md").is_file()
            assert (built_site / "downloads/plans" / plan_id / "indicators" / f"{indicator['indicator_id']}.csv").is_file()


def test_the_data_dictionary_explains_every_field_and_every_derived_column_in_words(built_synthetic, page_file):
    # A journalist reads what each column holds and may hold without reading a regular expression.
    site = built_synthetic.out
    page = page_file(site, "downloads/dictionary.md").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for package_dir in sorted(p for p in built_synthetic.data.iterdir() if (p / "datapackage.json").is_file()):
        for resource in descriptor(package_dir)["resources"]:
            for field in resource["schema"]["fields"]:
                assert field["name"] in text and field["title"] in text, (package_dir.name, field["name"])
                for value in (field.get("constraints") or {}).get("enum", []):
                    assert re.search(re.escape(str(value)) + r"（[^）]+）", text), (field["name"], value)
    assert "^" not in text and "正则" not in text, "formats are described in words"
    assert "小写字母、数字和连字符" in text and "条款编号" in text
    packages = {p.name for p in built_synthetic.data.iterdir() if p.is_dir()}
    derived = [p for p in (site / "downloads").rglob("*.csv")
               if p.relative_to(site / "downloads").parts[0] not in packages]
    assert derived
    for csv_file in derived:
        header = next(csv.reader(csv_file.read_text(encoding="utf-8-sig").splitlines()))
        for column in header:
            assert re.search(rf"<code>{re.escape(column)}</code></td>\s*<td>[^<]*[\u4e00-\u9fff]", page), (csv_file, column)
