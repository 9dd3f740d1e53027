"""Sites of several plans: the SYNTHETIC portal (fixture ``built_portal``: a province and two
cities whose ids collide on purpose), the province's comparison page, pages that keep each
plan's numbers to itself, and package folders whose names mean nothing.

Expected numbers come from the fixture's CSVs (tests/fixtures/synthetic/README.md says
which ids the two cities share and with which values)."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"
PROVINCE, CITY, SECOND_CITY = "synthetic-jilin", "synthetic-songyuan", "synthetic-second-city"
PACKAGE_OF = {PROVINCE: "jilin-plan", CITY: "songyuan-plan", SECOND_CITY: "second-city"}


# ---------------------------------------------------------------- reading pages


class _Page(HTMLParser):
    """The text of each <h2> section, and every table as rows of cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[str]] = {"": []}
        self.current = ""
        self.heading: list[str] | None = None
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "h2":
            self.heading = []
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        elif tag == "h2" and self.heading is not None:
            self.current = "".join(self.heading).replace("¶", "").strip()
            self.sections[self.current] = []
            self.heading = None
        elif tag in ("td", "th") and self.cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.skip:
            return
        if self.heading is not None:
            self.heading.append(data)
        else:
            self.sections[self.current].append(data)
        if self.cell is not None:
            self.cell.append(data)


def read_page(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def section(path: Path, heading: str) -> str:
    """The text of the <h2> section of a page whose heading starts with heading."""
    page = read_page(path)
    found = [name for name in page.sections if name.startswith(heading)]
    assert len(found) == 1, f"{path}: sections {list(page.sections)}"
    return "".join(page.sections[found[0]])


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def fixture_table(plan_id: str, name: str) -> list[dict[str, str]]:
    return rows(SYNTHETIC / "datapackages" / PACKAGE_OF[plan_id] / "data" / f"{name}.csv")


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- the portal


def test_portal_home_links_every_plan_with_its_title(built_portal, page_file):
    index = built_portal / "index.html"
    html = index.read_text(encoding="utf-8")
    for plan_id in PACKAGE_OF:
        plan = fixture_table(plan_id, "plans")[0]
        home = page_file(built_portal, f"plans/{plan_id}/index.md")
        assert home.is_file(), plan_id
        assert f'href="{home.relative_to(built_portal).as_posix()}"' in html, plan_id
        assert plan["title_zh"] in html, plan_id


def test_portal_counts_each_plans_targets_by_status(built_portal):
    statuses = json.loads(CliRunner().invoke(main, ["status", "--config", str(SYNTHETIC / "portal.toml"),
                                                    "--format", "json"]).stdout)
    table = next(t for t in read_page(built_portal / "index.html").tables if t and t[0][:2] == ["规划", "目标数"])
    header, body = table[0], table[1:]
    assert len(body) == len(PACKAGE_OF)
    labels = header[2:]
    assert {r["status_zh"] for r in statuses} <= set(labels)
    for plan_id in PACKAGE_OF:
        jurisdiction = fixture_table(plan_id, "plans")[0]["jurisdiction_zh"]
        row = next(r for r in body if r[0] == jurisdiction)
        own = [r for r in statuses if r["plan_id"] == plan_id]
        assert int(row[1]) == len(fixture_table(plan_id, "targets")) == len(own), plan_id
        assert {label: int(n) for label, n in zip(labels, row[2:])} == {
            label: sum(r["status_zh"] == label for r in own) for label in labels}, plan_id


@pytest.mark.parametrize("plan_id", sorted(PACKAGE_OF))
def test_every_page_of_every_plan_is_under_its_folder_on_the_portal(built_portal, page_file, plan_id):
    base = f"plans/{plan_id}"
    for docs_path in ("index.md", "areas/index.md", "departments/index.md", "text.md"):
        assert page_file(built_portal, f"{base}/{docs_path}").is_file(), docs_path
    for area in fixture_table(plan_id, "action_areas"):
        assert page_file(built_portal, f"{base}/areas/{area['area_id']}.md").is_file()
    for indicator in fixture_table(plan_id, "indicators"):
        page = page_file(built_portal, f"{base}/indicators/{indicator['indicator_id']}.md")
        assert indicator["name_zh"] in page.read_text(encoding="utf-8")
    for department in fixture_table(plan_id, "departments"):
        page = page_file(built_portal, f"{base}/departments/{department['department_id']}.md")
        assert department["name_zh"] in page.read_text(encoding="utf-8")
    text = page_file(built_portal, f"{base}/text.md").read_text(encoding="utf-8")
    for target in fixture_table(plan_id, "targets"):
        assert f'id="t-{target["target_id"]}"' in text, target["target_id"]


def test_the_province_compares_with_both_cities_as_columns(built_portal, page_file):
    compare = page_file(built_portal, f"plans/{PROVINCE}/compare.md")
    [table] = read_page(compare).tables
    header, body = table[0], table[1:]
    assert header == ["吉林省目标", "松原市", "合成乙市"]
    by_indicator = {row[0].split("：")[0]: row for row in body}
    names = {i["indicator_id"]: i["name_zh"] for i in fixture_table(PROVINCE, "indicators")}
    assert set(by_indicator) == set(names.values())
    non_fossil = by_indicator[names["jl-non-fossil-share"]]
    assert "17.7%" in non_fossil[0]
    assert "≥ 20%（2025）" in non_fossil[1] and "22%" not in non_fossil[1]
    assert "≥ 22%（2025）" in non_fossil[2] and "20%" not in non_fossil[2]
    forest = by_indicator[names["jl-forest-cover"]]
    assert forest[1] == "—"  # the first city has no comparable indicator
    assert "完成省定目标" in forest[2]
    html = compare.read_text(encoding="utf-8")
    for city, indicator in ((CITY, "non-fossil-share"), (SECOND_CITY, "non-fossil-share"),
                            (SECOND_CITY, "forest-cover")):
        target = page_file(built_portal, f"plans/{city}/indicators/{indicator}.md")
        assert f'href="{Path("..", city, target.relative_to(built_portal / "plans" / city)).as_posix()}"' in html


def test_only_a_plan_with_children_has_a_comparison_page(built_portal, page_file):
    assert page_file(built_portal, f"plans/{PROVINCE}/compare.md").is_file()
    assert not page_file(built_portal, f"plans/{CITY}/compare.md").exists()
    assert not page_file(built_portal, f"plans/{SECOND_CITY}/compare.md").exists()


# ---------------------------------------------------------------- no collisions


def own_and_other(plan_id: str, indicator_id: str) -> tuple[set[str], set[str]]:
    """The quotes of this plan's targets of an indicator, and those of the other plans' targets of the same id."""
    own = {t["quote_zh"] for t in fixture_table(plan_id, "targets") if t["indicator_id"] == indicator_id}
    other = {t["quote_zh"] for p in PACKAGE_OF if p != plan_id
             for t in fixture_table(p, "targets") if t["indicator_id"] == indicator_id}
    return own, other


@pytest.mark.parametrize("plan_id, mine, theirs", [
    (CITY, ("≥ 20%", "25%", "16.2%"), ("22%", "28%", "19.1%")),
    (SECOND_CITY, ("≥ 22%", "28%", "19.1%"), ("≥ 20%", "25%", "16.2%")),
])
def test_each_city_indicator_page_shows_only_its_own_targets_and_values(built_portal, page_file, plan_id, mine,
                                                                         theirs):
    """Both cities have indicator non-fossil-share and target non-fossil-2025, with different values."""
    page = page_file(built_portal, f"plans/{plan_id}/indicators/non-fossil-share.md")
    targets = section(page, "目标与进展")
    for text in mine[:2]:
        assert text in targets
    for text in theirs[:2]:
        assert text not in targets
    assert mine[2] in section(page, "公开数值与来源") and theirs[2] not in section(page, "公开数值与来源")
    quotes = section(page, "规划原文")
    own, other = own_and_other(plan_id, "non-fossil-share")
    assert all(q in quotes for q in own) and not any(q in quotes for q in other)


def test_each_city_indicator_table_holds_only_its_own_targets(built_portal):
    for plan_id, value in ((CITY, "20"), (SECOND_CITY, "22")):
        table = rows(built_portal / "downloads/plans" / plan_id / "indicators" / "non-fossil-share.csv")
        target = next(r for r in table if r["row_type"] == "target" and r["target_id"] == "non-fossil-2025")
        assert (target["plan_id"], target["target_value"]) == (plan_id, value)


def test_departments_of_the_same_id_stay_with_their_plan(built_portal, page_file):
    for plan_id in (CITY, SECOND_CITY):
        name = next(d["name_zh"] for d in fixture_table(plan_id, "departments") if d["department_id"] == "syn-fgw")
        other = next(d["name_zh"] for p in (CITY, SECOND_CITY) if p != plan_id
                     for d in fixture_table(p, "departments") if d["department_id"] == "syn-fgw")
        html = page_file(built_portal, f"plans/{plan_id}/departments/syn-fgw.md").read_text(encoding="utf-8")
        assert name in html and other not in html


def test_a_province_target_renamed_to_a_city_target_id_keeps_its_own_value(tmp_path, page_file):
    """The old bug: targets were looked up by target_id alone, so a province target named like a
    city target showed the city's value on the province's page."""
    project = tmp_path / "project"
    shutil.copytree(SYNTHETIC, project)
    targets = project / "datapackages/jilin-plan/data/targets.csv"
    text = targets.read_text(encoding="utf-8")
    assert "\njl-non-fossil-2025," in text
    targets.write_text(text.replace("\njl-non-fossil-2025,", "\nnon-fossil-2025,"), encoding="utf-8")
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--config", str(project / "portal.toml"), "--out", str(site),
                                       "--build-dir", str(tmp_path / "build")])
    assert result.exit_code == 0, result.output

    page = page_file(site, f"plans/{PROVINCE}/indicators/jl-non-fossil-share.md")
    progress = section(page, "目标与进展")
    assert "≥ 17.7%" in progress
    assert "≥ 20%" not in progress and "≥ 22%" not in progress
    quotes = section(page, "规划原文")
    own, _ = own_and_other(PROVINCE, "jl-non-fossil-share")
    assert all(q in quotes for q in own)
    assert not any(t["quote_zh"] in quotes for p in (CITY, SECOND_CITY) for t in fixture_table(p, "targets"))

    table = rows(site / "downloads/plans" / PROVINCE / "indicators" / "jl-non-fossil-share.csv")
    assert [(r["target_id"], r["target_value"]) for r in table if r["row_type"] == "target"] == [
        ("non-fossil-2025", "17.7")]
    for plan_id, value in ((CITY, "20"), (SECOND_CITY, "22")):
        city = rows(site / "downloads/plans" / plan_id / "indicators" / "non-fossil-share.csv")
        assert ("non-fossil-2025", value) in [(r["target_id"], r["target_value"]) for r in city]
    [compare] = read_page(page_file(site, f"plans/{PROVINCE}/compare.md")).tables
    row = next(r for r in compare[1:] if "17.7%" in r[0])
    assert "≥ 20%" in row[1] and "≥ 22%" in row[2]


# ---------------------------------------------------------------- folder names


def test_folder_names_carry_no_meaning(built_portal, tmp_path):
    """Renaming every package folder changes nothing the site publishes: packages are told by their
    resources and named by their descriptors."""
    project = tmp_path / "project"
    shutil.copytree(SYNTHETIC, project)
    data = project / "datapackages"
    for old, new in (("songyuan-plan", "zz-anything"), ("second-city", "aa-city"), ("jilin-plan", "m-province"),
                     ("published-values", "0-values")):
        (data / old).rename(data / new)
    releases_before = hashlib.sha256((data / "releases.json").read_bytes()).hexdigest()
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--config", str(project / "portal.toml"), "--out", str(site),
                                       "--build-dir", str(tmp_path / "build")])
    assert result.exit_code == 0, result.output
    renamed, original = tree_bytes(site), tree_bytes(built_portal)
    assert sorted(renamed) == sorted(original)
    differing = [rel for rel in original if original[rel] != renamed[rel]]
    assert differing == [], f"{len(differing)} files differ, e.g. {differing[:8]}\n{result.output}"
    assert hashlib.sha256((data / "releases.json").read_bytes()).hexdigest() == releases_before, (
        "renaming folders recorded a new data release")
