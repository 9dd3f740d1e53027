"""Integrity of the published data packages against the plan texts they were taken from.

Reads only files inside this repository: the real packages under datapackages/ (read only), each
plan's transcription at the path its data/plans.csv gives in `source_text`, and the official Data
Package 2.0 JSON Schema vendored under tests/fixtures/spec/datapackage-2.0/. Self-contained: it does
not import the builder. Each test states a rule a reader of the data relies on: every quoted target
really is in the plan, every task has its named departments, every reference resolves (within a
plan, to the parent plan, from the published values), and each package validates.
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
SPEC = REPO / "tests" / "fixtures" / "spec" / "datapackage-2.0" / "datapackage.json"


def _descriptor_file(package: str) -> dict:
    return json.loads((DATA / package / "datapackage.json").read_text(encoding="utf-8"))


ALL_PACKAGES = tuple(sorted(p.parent.name for p in DATA.glob("*/datapackage.json")))
# A plan package holds one plan: a `plans` resource with one row, and the plan's areas, tasks, indicators...
PLAN_PACKAGES = tuple(p for p in ALL_PACKAGES
                      if any(r["name"] == "plans" for r in _descriptor_file(p)["resources"]))
EXPECTED_PLAN_PACKAGES = ("jilin-plan", "songyuan-plan")
# Facts about the two real plans, from their texts (六位行政区划代码: 吉林省 220000, 松原市 220700).
JURISDICTION_CODE = {"jilin-plan": "220000", "songyuan-plan": "220700"}
PARENT_PLAN = {"songyuan-plan": "jilin-beautiful-jilin", "jilin-plan": ""}
# Words that are page furniture in the two real transcriptions (not plan text). The packages' own
# `plan_text_furniture` patterns must remove them; no quote may contain them.
KNOWN_FURNITURE_WORDS = {
    "songyuan-plan": ("本文内容来自网络", "EESIA"),
    "jilin-plan": ("要闻链接", "上接", "下转"),
}
# Page-number lines are furniture in every transcription, whatever its descriptor declares:
# "- 12 -", "—12—", a bare "12", "第 3 页", "第3页 共20页".
GENERIC_FURNITURE_LINES = (
    re.compile(r"^[-－—–\s]*\d{1,3}[-－—–\s]*$"),
    re.compile(r"^第\s*\d+\s*页(\s*[,，/／]?\s*共\s*\d+\s*页)?$"),
)
CN_NUMERALS = "一二三四五六七八九十"
# Targets whose number is implied rather than written as digits in the quote.
VALUE_NOT_IN_QUOTE = {
    ("songyuan-plan", "local-listed-companies-undated"): "“零的突破” means at least one company",
}


def compact(text: str) -> str:
    """Remove all whitespace."""
    return re.sub(r"\s+", "", text)


@cache
def descriptor(package: str) -> dict:
    """The package's datapackage.json."""
    return _descriptor_file(package)


def resource_path(package: str, resource: str) -> Path:
    """The file a resource of the package points at."""
    (res,) = [r for r in descriptor(package)["resources"] if r["name"] == resource]
    return DATA / package / res["path"]


@cache
def rows(package: str, resource: str) -> tuple[dict[str, str], ...]:
    """The rows of one resource as dicts of strings (empty cell = "")."""
    with open(resource_path(package, resource), encoding="utf-8-sig", newline="") as fh:
        return tuple(csv.DictReader(fh))


def plan(package: str) -> dict[str, str]:
    """The one row of the package's plans.csv."""
    (row,) = rows(package, "plans")
    return row


def plan_id(package: str) -> str:
    return plan(package)["plan_id"]


def package_of_plan() -> dict[str, str]:
    """plan_id -> the package that holds the plan."""
    return {row["plan_id"]: package for package in PLAN_PACKAGES for row in rows(package, "plans")}


# ---------------------------------------------------------------------------- plan texts and their furniture


def furniture(package: str) -> tuple[tuple[re.Pattern, ...], tuple[re.Pattern, ...]]:
    """(line patterns, fragment patterns): the package's `plan_text_furniture` plus the generic page numbers."""
    declared = descriptor(package).get("plan_text_furniture") or {}
    lines = tuple(re.compile(p) for p in declared.get("lines", ())) + GENERIC_FURNITURE_LINES
    fragments = tuple(re.compile(p) for p in declared.get("fragments", ()))
    return lines, fragments


def clean_lines(text: str, lines: tuple[re.Pattern, ...], fragments: tuple[re.Pattern, ...]
                ) -> tuple[list[str], list[str]]:
    """(kept lines, removed furniture): fragments are cut out of each line, then a line matching a
    line pattern is dropped whole. Kept lines are stripped."""
    kept: list[str] = []
    removed: list[str] = []
    for line in text.splitlines():
        for pattern in fragments:
            removed.extend(m.group(0) for m in pattern.finditer(line))
            line = pattern.sub("", line)
        line = line.strip()
        if any(p.search(line) for p in lines):
            removed.append(line)
            continue
        kept.append(line)
    return kept, removed


def source_text_path(package: str) -> Path:
    """The transcription named in the package's plans.csv `source_text`."""
    relative = plan(package)["source_text"]
    assert relative, f"{package}: plans.csv gives no source_text"
    return DATA / package / relative


@cache
def raw_text(package: str) -> str:
    return source_text_path(package).read_text(encoding="utf-8")


@cache
def cleaned(package: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    kept, removed = clean_lines(raw_text(package), *furniture(package))
    return tuple(kept), tuple(removed)


@cache
def plan_text(package: str) -> str:
    """The plan's transcription with furniture removed and all whitespace removed."""
    return compact("".join(cleaned(package)[0]))


def text_packages() -> tuple[str, ...]:
    """Plan packages whose plan has a transcription."""
    return tuple(p for p in PLAN_PACKAGES if any(row["source_text"] for row in rows(p, "plans")))


def resources(package: str) -> list[str]:
    """Resource names declared in the descriptor."""
    return [r["name"] for r in descriptor(package)["resources"]]


def quote_rows(packages=None):
    """(package, resource, key, quote) for every quote in the plan packages."""
    for package in packages or PLAN_PACKAGES:
        for resource, key in (("targets", "target_id"), ("key_projects", "project_id")):
            for row in rows(package, resource):
                yield package, resource, row[key], row["quote_zh"]


def all_targets():
    """(package, row) for every target."""
    for package in PLAN_PACKAGES:
        for row in rows(package, "targets"):
            yield package, row


# ---------------------------------------------------------------------------- the packages and their plans


def test_the_two_plan_packages_are_found():
    assert set(EXPECTED_PLAN_PACKAGES) <= set(PLAN_PACKAGES), PLAN_PACKAGES
    assert "published-values" in ALL_PACKAGES


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_each_plan_package_holds_one_plan_and_its_areas_belong_to_it(package):
    assert len(rows(package, "plans")) == 1, package
    assert {a["plan_id"] for a in rows(package, "action_areas")} == {plan_id(package)}


def test_plan_ids_are_unique_across_packages():
    ids = [row["plan_id"] for p in PLAN_PACKAGES for row in rows(p, "plans")]
    assert len(ids) == len(set(ids)), ids


@pytest.mark.parametrize("package", EXPECTED_PLAN_PACKAGES)
def test_jurisdiction_codes_of_the_real_plans(package):
    assert plan(package)["jurisdiction_code"] == JURISDICTION_CODE[package]


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_jurisdiction_code_is_six_digits_and_fits_the_level(package):
    code, level = plan(package)["jurisdiction_code"], plan(package)["jurisdiction_level"]
    assert re.fullmatch(r"[0-9]{6}", code), (package, code)
    if level == "province":
        assert code.endswith("0000"), (package, code, level)
    elif level == "city":
        assert code.endswith("00") and not code.endswith("0000"), (package, code, level)
    elif level == "county":
        assert not code.endswith("00"), (package, code, level)


@pytest.mark.parametrize("package", EXPECTED_PLAN_PACKAGES)
def test_parent_plans_of_the_real_plans(package):
    assert plan(package)["parent_plan_id"] == PARENT_PLAN[package]


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_every_parent_plan_id_names_a_plan_of_another_package(package):
    parent = plan(package)["parent_plan_id"]
    if not parent:
        return
    owners = package_of_plan()
    assert parent in owners, f"{package}: parent_plan_id {parent!r} is no plan in datapackages/"
    assert owners[parent] != package, f"{package}: parent_plan_id {parent!r} is in the same package"


def test_parent_chains_end_without_a_cycle():
    owners = package_of_plan()
    for package in PLAN_PACKAGES:
        seen = [plan_id(package)]
        parent = plan(package)["parent_plan_id"]
        while parent and parent in owners:
            assert parent not in seen, f"parent cycle: {seen + [parent]}"
            seen.append(parent)
            parent = plan(owners[parent])["parent_plan_id"]


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_a_child_jurisdiction_lies_inside_its_parent_jurisdiction(package):
    parent = plan(package)["parent_plan_id"]
    if not parent or parent not in package_of_plan():
        return
    parent_code = plan(package_of_plan()[parent])["jurisdiction_code"]
    prefix = parent_code
    while prefix.endswith("00"):
        prefix = prefix[:-2]
    assert plan(package)["jurisdiction_code"].startswith(prefix), (package, parent_code)


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_ids_are_unique_within_each_package(package):
    for res in descriptor(package)["resources"]:
        key = res["schema"]["primaryKey"]
        keys = [tuple(row[k] for k in key) for row in rows(package, res["name"])]
        assert len(keys) == len(set(keys)), (package, res["name"])
    indicator_ids = [i["indicator_id"] for i in rows(package, "indicators")]
    assert len(indicator_ids) == len(set(indicator_ids)), package


# ---------------------------------------------------------------------------- plan texts, furniture and quotes


@pytest.mark.parametrize("package", EXPECTED_PLAN_PACKAGES)
def test_the_real_plans_have_their_transcription_in_the_package(package):
    path = source_text_path(package)
    assert path.resolve().is_relative_to((DATA / package).resolve()), path
    assert path.is_file(), path


@pytest.mark.parametrize("package", text_packages())
def test_plan_text_furniture_is_well_formed(package):
    declared = descriptor(package).get("plan_text_furniture")
    if declared is None:
        return
    assert isinstance(declared, dict) and set(declared) <= {"lines", "fragments"}, declared
    for kind in ("lines", "fragments"):
        patterns = declared.get(kind, [])
        assert isinstance(patterns, list) and all(isinstance(p, str) and p for p in patterns), (kind, patterns)
        for p in patterns:
            re.compile(p)


@pytest.mark.parametrize("package", text_packages())
def test_every_declared_furniture_pattern_matches_the_transcription(package):
    """A declared pattern that matches nothing is a typo or out of date."""
    declared = descriptor(package).get("plan_text_furniture") or {}
    raw_lines = raw_text(package).splitlines()
    for p in declared.get("lines", []):
        assert any(re.search(p, line.strip()) for line in raw_lines), (package, "lines", p)
    for p in declared.get("fragments", []):
        assert any(re.search(p, line) for line in raw_lines), (package, "fragments", p)


def test_generic_page_numbers_are_furniture_for_every_plan():
    text = "一、总体要求\n- 12 -\n 第 3 页 \n—4—\n7\n第3页 共20页\n12．加强统筹（市发改委负责）\n2025 年\n"
    kept, removed = clean_lines(text, GENERIC_FURNITURE_LINES, ())
    assert kept == ["一、总体要求", "12．加强统筹（市发改委负责）", "2025 年"]
    assert removed == ["- 12 -", "第 3 页", "—4—", "7", "第3页 共20页"]


@pytest.mark.parametrize("package", text_packages())
def test_cleaning_removes_the_declared_furniture(package):
    lines, fragments = furniture(package)
    kept, removed = cleaned(package)
    assert not [line for line in kept if any(p.search(line) for p in lines)], package
    assert not [line for line in kept if any(p.search(line) for p in fragments)], package
    assert not any(p.search(plan_text(package)) for p in fragments), package
    words = KNOWN_FURNITURE_WORDS.get(package, ())
    raw = compact(raw_text(package))
    assert all(word in raw for word in words), package  # the transcription does carry this furniture
    assert not any(word in plan_text(package) for word in words), package
    if words:
        assert removed, package


def test_every_quote_occurs_in_its_plan_text():
    missing = [(p, r, k, q) for p, r, k, q in quote_rows(text_packages()) if compact(q) not in plan_text(p)]
    assert missing == []


def test_no_quote_contains_furniture_or_line_breaks():
    bad = []
    for package, resource, key, quote in quote_rows():
        if "\n" in quote or "\r" in quote:
            bad.append((package, resource, key, "line break"))
            continue
        words = KNOWN_FURNITURE_WORDS.get(package, ())
        if any(word in quote for word in words):
            bad.append((package, resource, key, "known furniture word"))
        if not plan(package)["source_text"]:
            continue
        lines, fragments = furniture(package)
        if any(p.search(quote) for p in fragments) or any(p.search(quote.strip()) for p in lines):
            bad.append((package, resource, key, "matches a furniture pattern"))
        removed = {compact(r) for r in cleaned(package)[1]} - {""}
        if any(r in compact(quote) for r in removed):
            bad.append((package, resource, key, "holds furniture removed from the transcription"))
    assert bad == []


def test_every_target_value_is_written_in_its_quote():
    missing = []
    for package, t in all_targets():
        if not t["target_value"] or (package, t["target_id"]) in VALUE_NOT_IN_QUOTE:
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
    text = plan_text("songyuan-plan")
    for a in areas:
        numeral = CN_NUMERALS[int(a["area_id"]) - 1]
        assert a["clause"] == f"三（{numeral}）"
        assert f"（{numeral}）{a['name_zh']}。{compact(a['summary_zh'])}" in text, a["area_id"]


def test_songyuan_has_all_36_tasks_with_clauses_titles_and_responsibilities():
    tasks = rows("songyuan-plan", "tasks")
    assert [int(t["task_id"]) for t in tasks] == list(range(1, 37))
    area_ids = [int(t["area_id"]) for t in tasks]
    assert area_ids == sorted(area_ids) and set(area_ids) == set(range(1, 11))
    text = plan_text("songyuan-plan")
    for t in tasks:
        numeral = CN_NUMERALS[int(t["area_id"]) - 1]
        assert t["clause"] == f"三（{numeral}）{t['task_id']}"
        assert f"{t['task_id']}．{t['title_zh']}。" in text, t["task_id"]
        resp = t["responsibility_zh"]
        assert f"（{resp}）" in text or f"［{resp}］" in text, t["task_id"]


def test_songyuan_task_sits_under_its_area_in_the_text():
    text = plan_text("songyuan-plan")
    areas = {a["area_id"]: a for a in rows("songyuan-plan", "action_areas")}
    for t in rows("songyuan-plan", "tasks"):
        area_pos = text.index(f"{areas[t['area_id']]['clause'][1:]}{areas[t['area_id']]['name_zh']}。")
        task_pos = text.index(f"{t['task_id']}．{t['title_zh']}。")
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


def test_comparable_indicators_name_an_indicator_of_the_parent_plan_with_the_same_unit():
    """comparable_indicator_id points from a child plan's indicator to its parent plan's (never back)."""
    owners = package_of_plan()
    pairs = []
    for package in PLAN_PACKAGES:
        parent = plan(package)["parent_plan_id"]
        for i in rows(package, "indicators"):
            other = i["comparable_indicator_id"]
            if not other:
                continue
            assert parent, f"{package}/{i['indicator_id']}: comparable indicator {other!r} but the plan has no parent"
            parent_indicators = {j["indicator_id"]: j for j in rows(owners[parent], "indicators")}
            assert other in parent_indicators, f"{package}/{i['indicator_id']}: {other!r} is not in {parent}"
            assert parent_indicators[other]["unit"] == i["unit"], (
                f"{package}/{i['indicator_id']} ({i['unit']}) vs {parent}/{other} ({parent_indicators[other]['unit']})")
            pairs.append((package, i["indicator_id"], other))
    assert pairs, "no comparable indicators declared"
    assert ("songyuan-plan", "co2-emissions", "jl-co2-emissions") in pairs


@pytest.mark.parametrize("package", PLAN_PACKAGES)
def test_a_plan_without_parent_declares_no_comparable_indicator(package):
    if plan(package)["parent_plan_id"]:
        return
    assert [i["indicator_id"] for i in rows(package, "indicators") if i["comparable_indicator_id"]] == []


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


def test_observations_reference_existing_plans_indicators_and_sources():
    owners = package_of_plan()
    sources = {s["source_id"] for s in rows("published-values", "sources")}
    for o in rows("published-values", "observations"):
        assert o["plan_id"] in owners, o
        assert o["indicator_id"] in {i["indicator_id"] for i in rows(owners[o["plan_id"]], "indicators")}, o
        assert o["source_id"] in sources, o
        assert o["source_quote_zh"], o


def test_observations_start_with_the_plan_id_column():
    with open(resource_path("published-values", "observations"), encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[:2] == ["plan_id", "indicator_id"], header


def test_every_source_is_used_and_fully_cited():
    used = {o["source_id"] for o in rows("published-values", "observations")}
    used |= {p["status_source_id"] for pkg in PLAN_PACKAGES for p in rows(pkg, "key_projects")} - {""}
    for s in rows("published-values", "sources"):
        assert s["source_id"] in used, s["source_id"]
        assert s["publisher"] and s["title"] and s["date"] and s["url"] and s["accessed"], s["source_id"]


# ---------------------------------------------------------------------------- files and descriptors


@pytest.mark.parametrize("package", ALL_PACKAGES)
def test_csv_files_are_excel_csv_utf8_with_the_declared_header(package):
    """Excel's own "CSV UTF-8": a BOM (so a double-click opens Chinese correctly) and CRLF line ends."""
    for res in descriptor(package)["resources"]:
        raw = (DATA / package / res["path"]).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), res["path"]
        assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), res["path"]
        text = raw.decode("utf-8-sig")
        header = text.split("\r\n", 1)[0].split(",")
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
