"""`carbon-site status` (the terminal table) and `carbon-site serve` (the live preview),
plus the help every command must carry."""
from __future__ import annotations

import csv
import json
import shutil
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

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"


def copy_data(source: Path, parent: Path) -> Path:
    dest = parent / "datapackages"
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def all_target_ids(data: Path) -> set[str]:
    return {t["target_id"] for p in ("songyuan-plan", "jilin-plan") for t in rows(data / p / "data/targets.csv")}


# ---------------------------------------------------------------- status


def test_status_lists_every_target_with_a_status_word(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    result = CliRunner().invoke(main, ["status", "--data", str(data)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["目标", "指标", "目标值", "最新数值", "状态"]
    body = [line for line in lines[2:] if not line.startswith("共 ")]
    assert {line.split()[0] for line in body} == all_target_ids(data)
    assert any(line.rstrip().endswith("暂无公开数据") for line in body)  # charging-network-2030 has no number
    assert f"共 {len(all_target_ids(data))} 个目标" in result.output


def test_status_columns_line_up_in_terminal_cells(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    lines = CliRunner().invoke(main, ["status", "--data", str(data)]).output.splitlines()
    header, table = lines[0], [line for line in lines[2:] if not line.startswith("共 ")]
    status_column = width(header[: header.index("状态")])
    for line in table:
        status = line.rstrip().rsplit("  ", 1)[1].strip()
        assert width(line[: line.rindex(status)]) == status_column, line


def test_status_of_one_area_shows_only_its_targets(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    indicators = {i["indicator_id"]: i["area_id"] for i in rows(data / "songyuan-plan/data/indicators.csv")}
    expected = {t["target_id"] for t in rows(data / "songyuan-plan/data/targets.csv")
                if indicators[t["indicator_id"]] == "3"}
    result = CliRunner().invoke(main, ["status", "--data", str(data), "--area", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {r["target_id"] for r in listed} == expected
    assert all(r["status_zh"] and r["status"] for r in listed)


def test_status_json_covers_every_target(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    result = CliRunner().invoke(main, ["status", "--data", str(data), "--format", "json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert {r["target_id"] for r in listed} == all_target_ids(data)
    coal = next(r for r in listed if r["target_id"] == "coal-share-2025")
    assert (coal["latest_year"], coal["latest_value"]) == (2022, 66)


def test_unknown_area_is_a_usage_error_listing_the_areas(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    result = CliRunner().invoke(main, ["status", "--data", str(data), "--area", "99"])
    assert result.exit_code == 2
    assert "99" in result.output and "1、2、3" in result.output
    assert "Traceback" not in result.output


def test_status_on_bad_data_names_the_file_and_exits_1(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    path = data / "songyuan-plan/data/targets.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",60,<=,", ",sixty,<=,"), encoding="utf-8")
    result = CliRunner().invoke(main, ["status", "--data", str(data)])
    assert result.exit_code == 1
    assert "targets.csv:6" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- help


@pytest.mark.parametrize("command", ["build", "serve", "status"])
def test_help_ends_with_an_example(command: str):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    description = result.output.split("Options:")[0].strip()
    assert description.splitlines()[-2].strip() == "Example:"
    assert description.splitlines()[-1].strip().startswith(f"carbon-site {command}")


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


def test_serve_previews_on_localhost_and_follows_data_edits(tmp_path: Path):
    exe = Path(sys.executable).parent / "carbon-site"
    data = copy_data(SYNTHETIC, tmp_path)
    port = free_port()
    proc = subprocess.Popen([str(exe), "serve", "--data", str(data), "--port", str(port),
                             "--build-dir", str(tmp_path / "build")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    page = f"http://127.0.0.1:{port}/indicators/coal-share/"
    try:
        wait_for(lambda: "煤炭消费比重（合成）" in (fetch(page) or ""), "served the indicator page", proc)
        indicators = data / "songyuan-plan/data/indicators.csv"
        indicators.write_text(indicators.read_text(encoding="utf-8").replace("煤炭消费比重（合成）", "煤炭消费占比（已改）"),
                              encoding="utf-8")
        wait_for(lambda: "煤炭消费占比（已改）" in (fetch(page) or ""), "showed the edited name", proc)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert f"http://127.0.0.1:{port}/" in err
    assert "Traceback" not in err
    assert not (data / "songyuan-plan" / "build").exists()
