"""Integrity of the published data packages against the plan texts they were taken from.

Reads the real CSVs under datapackages/ (read only) and the seed transcriptions under ../shared/seeds/.
Each test states a rule a reader of the data relies on: every quoted target really is in the plan, every
task has its named departments, every reference resolves, and each package validates.
"""
from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from frictionless import validate

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "datapackages"
SEEDS = REPO.parent / "shared" / "seeds"
SPEC = REPO.parent / "shared" / "spec" / "datapackage-2.0" / "datapackage.json"

PLAN_PACKAGES = ("songyuan-plan", "jilin-plan")
ALL_PACKAGES = (*PLAN_PACKAGES, "published-values")
SEED_FILE = {
    "songyuan-plan": "000_61c7d5911b7d7c4e.txt",
    "jilin-plan": "003_550556c4722aa829.txt",
}
# Page furniture of the transcriptions: whole lines that are not plan text, and inline page pointers.
FURNITURE_LINES = (
    re.compile(r"^本文内容来自网络，由EESIA搜集整理"),
    re.compile(r"^\d+\s*要闻链接$"),
    re.compile(r"^（上接\d+版）$"),
)
FURNITURE_INLINE = re.compile(r"（下转\d+版）")
FURNITURE_WORDS = ("本文内容来自网络", "EESIA", "要闻链接", "上接", "下转")
CN_NUMERALS = "一二三四五六七八九十"
# Targets whose number is implied rather than written as digits in the quote.
VALUE_NOT_IN_QUOTE = {
    "local-listed-companies-undated": "“零的突破” means at least one company",
}


def compact(text: str) -> str:
    """Remove all whitespace."""
    return re.sub(r"\s+", "", text)


@cache
def seed_text(package: str) -> str:
    """The seed transcription with furniture lines removed and all whitespace removed."""
    kept = []
    for line in (SEEDS / SEED_FILE[package]).read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if any(p.search(stripped) for p in FURNITURE_LINES):
            continue
        kept.append(FURNITURE_INLINE.sub("", stripped))
    return compact("".join(kept))


@cache
def descriptor(package: str) -> dict:
    """The package's datapackage.json."""
    return json.loads((DATA / package / "datapackage.json").read_text(encoding="utf-8"))


@cache
def rows(package: str, resource: str) -> tuple[dict[str, str], ...]:
    """The rows of one resource as dicts of strings (empty cell = "")."""
    with open(DATA / package / "data" / f"{resource}.csv", encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def resources(package: str) -> list[str]:
    """Resource names declared in the descriptor."""
    return [r["name"] for r in descriptor(package)["resources"]]


def quote_rows():
    """(package, resource, key, quote) for every quote in the plan packages."""
    for package in PLAN_PACKAGES:
        for resource, key in (("targets", "target_id"), ("key_projects", "project_id")):
            for row in rows(package, resource):
                yield package, resource, row[key], row["quote_zh"]


def all_targets():
    """(package, row) for every target."""
    for package in PLAN_PACKAGES:
        for row in rows(package, "targets"):
            yield package, row


# ---------------------------------------------------------------------------- quotes


def test_seed_cleaning_removes_furniture():
    for package in PLAN_PACKAGES:
        raw = compact((SEEDS / SEED_FILE[package]).read_text(encoding="utf-8"))
        cleaned = seed_text(package)
        assert any(word in raw for word in FURNITURE_WORDS), package
        assert not any(word in cleaned for word in FURNITURE_WORDS), package


def test_every_quote_occurs_in_its_seed_text():
    missing = [(p, r, k, q) for p, r, k, q in quote_rows() if compact(q) not in seed_text(p)]
    assert missing == []


def test_no_quote_contains_furniture_or_line_breaks():
    bad = [(p, r, k) for p, r, k, q in quote_rows()
           if any(word in q for word in FURNITURE_WORDS) or "\n" in q or "\r" in q]
    assert bad == []


def test_every_target_value_is_written_in_its_quote():
    missing = []
    for package, t in all_targets():
        if not t["target_value"] or t["target_id"] in VALUE_NOT_IN_QUOTE:
            continue
        number = t["target_value"].removesuffix(".0")
        if number not in compact(t["quote_zh"]):
            missing.append((package, t["target_id"], number))
    assert missing == []


def test_every_target_year_is_traceable_to_quote_or_note():
    untraced = []
    for package, t in all_targets():
        year = t["target_year"]
        quote = compact(t["quote_zh"])
        in_words = year in quote or "十四五" in quote or "十五五" in quote or year in t["note"]
        if year and not in_words:
            untraced.append((package, t["target_id"], year))
    assert untraced == []


# ---------------------------------------------------------------------------- structure of the Songyuan plan


def test_songyuan_has_all_ten_action_areas_with_clauses():
    areas = rows("songyuan-plan", "action_areas")
    assert [int(a["area_id"]) for a in areas] == list(range(1, 11))
    seed = seed_text("songyuan-plan")
    for a in areas:
        numeral = CN_NUMERALS[int(a["area_id"]) - 1]
        assert a["clause"] == f"三（{numeral}）"
        assert f"（{numeral}）{a['name_zh']}。{compact(a['summary_zh'])}" in seed, a["area_id"]


def test_songyuan_has_all_36_tasks_with_clauses_titles_and_responsibilities():
    tasks = rows("songyuan-plan", "tasks")
    assert [int(t["task_id"]) for t in tasks] == list(range(1, 37))
    area_ids = [int(t["area_id"]) for t in tasks]
    assert area_ids == sorted(area_ids) and set(area_ids) == set(range(1, 11))
    seed = seed_text("songyuan-plan")
    for t in tasks:
        numeral = CN_NUMERALS[int(t["area_id"]) - 1]
        assert t["clause"] == f"三（{numeral}）{t['task_id']}"
        assert f"{t['task_id']}．{t['title_zh']}。" in seed, t["task_id"]
        resp = t["responsibility_zh"]
        assert f"（{resp}）" in seed or f"［{resp}］" in seed, t["task_id"]


def test_songyuan_task_sits_under_its_area_in_the_text():
    seed = seed_text("songyuan-plan")
    areas = {a["area_id"]: a for a in rows("songyuan-plan", "action_areas")}
    for t in rows("songyuan-plan", "tasks"):
        area_pos = seed.index(f"{areas[t['area_id']]['clause'][1:]}{areas[t['area_id']]['name_zh']}。")
        task_pos = seed.index(f"{t['task_id']}．{t['title_zh']}。")
        assert area_pos < task_pos, t["task_id"]


# ---------------------------------------------------------------------------- departments


def split_units(responsibility: str) -> list[str]:
    """Unit names in a responsibility parenthesis, in order."""
    body = re.sub(r"(等)?(按职责分工)?负责$", "", responsibility)
    return [unit.removesuffix("等") for unit in body.split("、")]


def test_every_songyuan_task_has_departments_and_exactly_one_lead_first():
    links: dict[str, list[dict[str, str]]] = {}
    for link in rows("songyuan-plan", "task_departments"):
        links.setdefault(link["task_id"], []).append(link)
    for t in rows("songyuan-plan", "tasks"):
        task_links = sorted(links.get(t["task_id"], []), key=lambda r: int(r["order"]))
        assert task_links, f"task {t['task_id']} has no department"
        assert [int(r["order"]) for r in task_links] == list(range(1, len(task_links) + 1))
        assert [r["role"] for r in task_links] == ["lead"] + ["support"] * (len(task_links) - 1)


def test_every_unit_named_in_a_responsibility_is_linked_in_order():
    names = {d["name_zh"]: d["department_id"] for d in rows("songyuan-plan", "departments")}
    links: dict[str, list[dict[str, str]]] = {}
    for link in rows("songyuan-plan", "task_departments"):
        links.setdefault(link["task_id"], []).append(link)
    for t in rows("songyuan-plan", "tasks"):
        units = split_units(t["responsibility_zh"])
        assert all(u in names for u in units), (t["task_id"], [u for u in units if u not in names])
        linked = [r["department_id"] for r in sorted(links[t["task_id"]], key=lambda r: int(r["order"]))]
        assert linked == [names[u] for u in units], t["task_id"]


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_task_departments_reference_existing_tasks_and_departments(package):
    departments = {d["department_id"] for d in rows(package, "departments")}
    tasks = {t["task_id"] for t in rows(package, "tasks")}
    for link in rows(package, "task_departments"):
        assert link["department_id"] in departments, link
        assert link["task_id"] in tasks, link


def test_department_names_are_unique():
    names = [d["name_zh"] for d in rows("songyuan-plan", "departments")]
    assert len(names) == len(set(names))


# ---------------------------------------------------------------------------- indicators and targets


def test_indicator_ids_are_unique_across_both_plan_packages_and_prefixed():
    songyuan = [i["indicator_id"] for i in rows("songyuan-plan", "indicators")]
    jilin = [i["indicator_id"] for i in rows("jilin-plan", "indicators")]
    assert len(songyuan + jilin) == len(set(songyuan + jilin))
    assert all(i.startswith("jl-") for i in jilin)
    assert not any(i.startswith("jl-") for i in songyuan)


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_every_target_indicator_exists(package):
    indicators = {i["indicator_id"] for i in rows(package, "indicators")}
    assert [t["target_id"] for t in rows(package, "targets") if t["indicator_id"] not in indicators] == []


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_every_indicator_has_a_target(package):
    targeted = {t["indicator_id"] for t in rows(package, "targets")}
    assert [i["indicator_id"] for i in rows(package, "indicators") if i["indicator_id"] not in targeted] == []


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_indicator_area_task_and_target_clause_agree(package):
    tasks = {t["task_id"]: t for t in rows(package, "tasks")}
    indicators = {i["indicator_id"]: i for i in rows(package, "indicators")}
    for i in indicators.values():
        if i["task_id"]:
            assert tasks[i["task_id"]]["area_id"] == i["area_id"], i["indicator_id"]
        else:
            assert i["area_id"] == "", i["indicator_id"]
    for t in rows(package, "targets"):
        task_id = indicators[t["indicator_id"]]["task_id"]
        expected = tasks[task_id]["clause"] if task_id else "二"
        assert t["clause"] == expected, t["target_id"]


def test_target_year_is_empty_only_where_the_note_says_the_plan_gives_none():
    bad = [(p, t["target_id"]) for p, t in all_targets()
           if not t["target_year"] and "原文未给出年份" not in t["note"]]
    assert bad == []


def test_deferred_and_qualitative_targets_have_no_number_and_others_do():
    bad = []
    for package, t in all_targets():
        numberless = t["kind"] in ("deferred", "qualitative")
        has_number = bool(t["target_value"]) or bool(t["comparator"]) or bool(t["tolerance"])
        if numberless == has_number or (not numberless and not (t["target_value"] and t["comparator"])):
            bad.append((package, t["target_id"], t["kind"]))
    assert bad == []


def test_deferred_targets_quote_the_deferral_to_the_province():
    for package, t in all_targets():
        if t["kind"] == "deferred":
            assert "省定目标" in t["quote_zh"] or "省下达目标" in t["quote_zh"], t["target_id"]


def test_about_comparator_only_where_the_quote_says_zuoyou():
    bad = []
    for package, t in all_targets():
        says_about = "左右" in t["quote_zh"]
        if t["comparator"] == "≈" and not says_about:
            bad.append((package, t["target_id"], "≈ without 左右"))
        if says_about and t["comparator"] != "≈" and "左右" not in t["note"]:
            bad.append((package, t["target_id"], "左右 in quote not explained in note"))
    assert bad == []


def test_at_most_comparator_only_where_the_quote_says_yixia():
    bad = [(p, t["target_id"]) for p, t in all_targets() if t["comparator"] == "<=" and "以下" not in t["quote_zh"]]
    assert bad == []


def test_aspirational_exactly_where_the_quote_says_lizheng():
    bad = []
    for package, t in all_targets():
        says_strive = "力争" in compact(t["quote_zh"])
        if (t["aspirational"] == "true") != says_strive and "力争" not in t["note"]:
            bad.append((package, t["target_id"]))
    assert bad == []


def test_reductions_and_additions_start_from_an_earlier_baseline_year():
    for package, t in all_targets():
        if t["kind"] in ("reduction", "addition"):
            assert t["baseline_year"], t["target_id"]
            assert int(t["baseline_year"]) < int(t["target_year"]), t["target_id"]


def test_reduction_quotes_name_their_baseline_year():
    for package, t in all_targets():
        if t["kind"] == "reduction":
            assert f"{t['baseline_year']}年" in compact(t["quote_zh"]), t["target_id"]


def test_comparable_indicators_point_at_each_other():
    indicators = {i["indicator_id"]: i for p in PLAN_PACKAGES for i in rows(p, "indicators")}
    pairs = [(i["indicator_id"], i["comparable_indicator_id"]) for i in indicators.values()
             if i["comparable_indicator_id"]]
    assert pairs, "no comparable indicators declared"
    for own, other in pairs:
        assert other in indicators, own
        assert indicators[other]["comparable_indicator_id"] == own, own
        assert own.startswith("jl-") != other.startswith("jl-"), own


# ---------------------------------------------------------------------------- key projects and published values


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_key_project_status_has_a_source_unless_unknown(package):
    sources = {s["source_id"] for s in rows("published-values", "sources")}
    tasks = {t["task_id"]: t["clause"] for t in rows(package, "tasks")}
    for p in rows(package, "key_projects"):
        assert p["clause"] == tasks[p["task_id"]], p["project_id"]
        if p["status"] == "unknown":
            assert p["status_source_id"] == "", p["project_id"]
        else:
            assert p["status_source_id"] in sources, p["project_id"]


def test_observations_reference_existing_indicators_and_sources():
    indicators = {i["indicator_id"] for p in PLAN_PACKAGES for i in rows(p, "indicators")}
    sources = {s["source_id"] for s in rows("published-values", "sources")}
    for o in rows("published-values", "observations"):
        assert o["indicator_id"] in indicators, o
        assert o["source_id"] in sources, o
        assert o["source_quote_zh"], o


def test_every_source_is_used_and_fully_cited():
    used = {o["source_id"] for o in rows("published-values", "observations")}
    used |= {p["status_source_id"] for pkg in PLAN_PACKAGES for p in rows(pkg, "key_projects")} - {""}
    for s in rows("published-values", "sources"):
        assert s["source_id"] in used, s["source_id"]
        assert s["publisher"] and s["title"] and s["date"] and s["url"] and s["accessed"], s["source_id"]


# ---------------------------------------------------------------------------- files and descriptors


@pytest.mark.parametrize("package", ALL_PACKAGES)
def test_csv_files_are_utf8_lf_with_the_declared_header(package):
    for res in descriptor(package)["resources"]:
        raw = (DATA / package / res["path"]).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), res["path"]
        assert b"\r" not in raw, res["path"]
        raw.decode("utf-8")
        header = raw.split(b"\n", 1)[0].decode("utf-8").split(",")
        assert header == [f["name"] for f in res["schema"]["fields"]], res["path"]


@pytest.mark.parametrize("package", ALL_PACKAGES)
def test_rows_are_sorted_by_key(package):
    for res in descriptor(package)["resources"]:
        key = res["schema"]["primaryKey"]
        if res["name"] == "task_departments":
            key = ["task_id", "order"]  # the plan's order within each task reads better than id order
        fields = {f["name"]: f["type"] for f in res["schema"]["fields"]}

        def sort_key(row, key=key, fields=fields):
            return tuple(int(row[k]) if fields.get(k) == "integer" else row[k] for k in key)

        data = rows(package, res["name"])
        assert list(data) == sorted(data, key=sort_key), res["name"]


@pytest.mark.parametrize("package", ALL_PACKAGES)
def test_package_passes_frictionless_validation(package):
    report = validate(str(DATA / package / "datapackage.json"))
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize("package", ALL_PACKAGES)
def test_descriptor_conforms_to_data_package_2_schema(package):
    schema = json.loads(SPEC.read_text(encoding="utf-8"))
    jsonschema.validate(descriptor(package), schema)


@pytest.mark.parametrize("package", ALL_PACKAGES)
def test_package_has_readme_and_license(package):
    assert (DATA / package / "README.md").is_file()
    assert descriptor(package)["licenses"][0]["name"] == "CC-BY-4.0"
