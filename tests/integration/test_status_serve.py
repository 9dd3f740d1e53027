"""`carbon-site status` (the terminal table) and `carbon-site serve` (the live preview)."""
from __future__ import annotations

import csv
import json
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main

CARBON_SITE = Path(sys.executable).with_name("carbon-site")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def plan_id(data: Path, package: str) -> str:
    return rows(data / package / "data/plans.csv")[0]["plan_id"]


def all_targets(data: Path) -> set[tuple[str, str]]:
    """(plan_id, target_id) of every target of every plan package."""
    found = set()
    for package in ("songyuan-plan", "second-city", "jilin-plan"):
        found |= {(plan_id(data, package), t["target_id"]) for t in rows(data / package / "data/targets.csv")}
    return found


def status(root: Path, *args: str, config: str = "carbon-site.toml"):
    return CliRunner().invoke(main, ["status", "--config", str(root.parent / config), *args])


# ---------------------------------------------------------------- status


def test_status_lists_every_target_of_every_plan_with_a_status_word(synthetic_root):
    result = status(synthetic_root)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["规划", "目标", "指标", "目标值", "最新数值", "状态"]
    body = [line for line in lines[2:] if not line.startswith("共 ")]
    assert {tuple(line.split()[:2]) for line in body} == all_targets(synthetic_root)
    assert len(body) == len(all_targets(synthetic_root))  # the cities' shared target ids are two rows each
    assert any(line.rstrip().endswith("暂无公开数值") for line in body)
    assert f"共 {len(all_targets(synthetic_root))} 个目标" in result.output


def test_status_columns_line_up_in_terminal_cells(synthetic_root):
    lines = status(synthetic_root).output.splitlines()
    header, table = lines[0], [line for line in lines[2:] if not line.startswith("共 ")]
    status_column = width(header[: header.index("状态")])
    for line in table:
        word = line.rstrip().rsplit("  ", 1)[1].strip()
        assert width(line[: line.rindex(word)]) == status_column, line


def test_status_of_one_area_of_the_home_plan(synthetic_root):
    indicators = {i["indicator_id"]: i["area_id"] for i in rows(synthetic_root / "songyuan-plan/data/indicators.csv")}
    expected = {t["target_id"] for t in rows(synthetic_root / "songyuan-plan/data/targets.csv")
                if indicators[t["indicator_id"]] == "3"}
    result = status(synthetic_root, "--area", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {(r["plan_id"], r["target_id"]) for r in listed} == {("synthetic-songyuan", t) for t in expected}
    assert all(r["status_zh"] and r["status"] for r in listed)


def test_status_of_one_area_of_another_plan(synthetic_root):
    indicators = {i["indicator_id"]: i["area_id"] for i in rows(synthetic_root / "second-city/data/indicators.csv")}
    expected = {t["target_id"] for t in rows(synthetic_root / "second-city/data/targets.csv")
                if indicators[t["indicator_id"]] == "11"}
    result = status(synthetic_root, "--plan", "synthetic-second-city", "--area", "11", "--format", "json")
    assert result.exit_code == 0, result.output
    assert {(r["plan_id"], r["target_id"]) for r in json.loads(result.output)} == {
        ("synthetic-second-city", t) for t in expected}


def test_status_json_keeps_the_cities_same_target_ids_apart(synthetic_root):
    result = status(synthetic_root, "--format", "json")
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert {(r["plan_id"], r["target_id"]) for r in listed} == all_targets(synthetic_root)
    by_key = {(r["plan_id"], r["target_id"]): r for r in listed}
    first, second = by_key[("synthetic-songyuan", "non-fossil-2025")], by_key[("synthetic-second-city", "non-fossil-2025")]
    assert (first["target_value"], first["latest_year"], first["latest_value"]) == (20, 2023, 16.2)
    assert (second["target_value"], second["latest_year"], second["latest_value"]) == (22, 2023, 19.1)
    coal = by_key[("synthetic-songyuan", "coal-share-2025")]
    assert (coal["latest_year"], coal["latest_value"]) == (2022, 66)


def test_status_of_one_plan(synthetic_root):
    result = status(synthetic_root, "--plan", "synthetic-jilin", "--format", "json")
    assert result.exit_code == 0, result.output
    assert {r["target_id"] for r in json.loads(result.output)} == {
        t["target_id"] for t in rows(synthetic_root / "jilin-plan/data/targets.csv")}


@pytest.mark.parametrize("args, names", [
    (["--area", "99"], ["99", "1、2、3"]),
    (["--plan", "no-such-plan"], ["no-such-plan", "synthetic-jilin", "synthetic-second-city"]),
])
def test_unknown_plan_or_area_is_a_usage_error_listing_what_there_is(synthetic_root, args, names):
    result = status(synthetic_root, *args)
    assert result.exit_code == 2
    assert all(name in result.output for name in names), result.output
    assert "Traceback" not in result.output


def test_area_without_plan_on_a_portal_is_a_usage_error(synthetic_root):
    result = status(synthetic_root, "--area", "1", config="portal.toml")
    assert result.exit_code == 2
    assert "--plan" in result.output
    assert "Traceback" not in result.output


def test_status_on_bad_data_names_the_file_and_exits_1(synthetic_root):
    path = synthetic_root / "songyuan-plan/data/targets.csv"
    text = path.read_text(encoding="utf-8")
    assert ",60,<=," in text
    path.write_text(text.replace(",60,<=,", ",sixty,<=,"), encoding="utf-8")
    result = status(synthetic_root)
    assert result.exit_code == 1
    assert "songyuan-plan/data/targets.csv:6" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def fetch_page(base: str, docs_path: str) -> str:
    """A page as served, at x.html (pages are files) or at x/ (directory URLs); "" when neither answers."""
    stem = docs_path.removesuffix(".md")
    return fetch(f"{base}{stem}.html") or fetch(f"{base}{stem}/") or ""


def wait_for(condition, what: str, proc: subprocess.Popen, limit: float = 240.0):
    """Poll until condition() is truthy; fail with the server's output if it never is."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    pytest.fail(f"serve never {what}; exit {proc.returncode}\n{err[-3000:]}", pytrace=False)


def test_serve_previews_on_localhost_and_follows_data_edits(synthetic_root):
    project = synthetic_root.parent
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    port = free_port()
    proc = subprocess.Popen([str(CARBON_SITE), "serve", "--port", str(port), "--build-dir", str(project / "preview")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=project)
    base, page = f"http://127.0.0.1:{port}/", "plans/synthetic-second-city/indicators/coal-share.md"
    indicators = synthetic_root / "second-city/data/indicators.csv"
    try:
        wait_for(lambda: "煤炭消费比重（合成乙市）" in fetch_page(base, page), "served the indicator page", proc)
        indicators.write_text(indicators.read_text(encoding="utf-8").replace("煤炭消费比重（合成乙市）", "煤炭消费占比（已改）"),
                              encoding="utf-8")
        wait_for(lambda: "煤炭消费占比（已改）" in fetch_page(base, page), "showed the edited name", proc)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert base in err
    assert "Traceback" not in err
    written = {p for p in project.rglob("*") if p.is_file() and p not in before
               and project / "preview" not in p.parents}
    assert written == set(), "serve writes only into its build directory"
    assert not (project / "site").exists(), "serve publishes nothing"
