"""The site config and the command's directories: every config problem in one run, a build
needs a config, and --out never replaces what is not ours."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.bad_cases import PROJECT_CASES

from builder.cli import main

CARBON_SITE = Path(sys.executable).with_name("carbon-site")

# Five different mistakes, one per line: wrong type, missing key (description), bad value, unknown key, bad e-mail.
BROKEN_CONFIG = """\
[site]
title = 42
home = "Not A Plan!"
colour = "red"
data = "datapackages"

[contact]
email = "not-an-email"
"""
EXPECTED = [  # (code, line, key)
    ("config-required", 1, "site.description"),
    ("config-type", 2, "site.title"),
    ("config-value", 3, "site.home"),
    ("config-unknown-key", 4, "site.colour"),
    ("config-value", 8, "contact.email"),
]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def carbon_site(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CARBON_SITE), *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


@pytest.fixture
def broken(synthetic_root) -> Path:
    config = synthetic_root.parent / "carbon-site.toml"
    config.write_text(BROKEN_CONFIG, encoding="utf-8")
    return config


@pytest.mark.parametrize("command", ["validate", "build"])
def test_every_config_problem_is_reported_in_one_run(broken, command, tmp_path):
    extra = ["--out", str(tmp_path / "out"), "--build-dir", str(tmp_path / "work")] if command == "build" else []
    result = invoke(command, "--config", str(broken), *extra)
    assert result.exit_code == 1, result.output
    shown = str(broken)
    lines = [line for line in result.output.splitlines() if line.startswith(f"{shown}:")]
    found = []
    for line in lines:
        match = re.match(rf"{re.escape(shown)}:(\d+) \[([a-z-]+)\] ", line)
        assert match, line
        key = next((k for _, _, k in EXPECTED if k in line), None)
        found.append((match.group(2), int(match.group(1)), key))
    assert sorted(found) == sorted(EXPECTED)
    assert f"{command}: {len(EXPECTED)} 个错误" in result.output
    assert re.search(r"[\u4e00-\u9fff]", "".join(lines)), "messages are in Chinese"
    assert result.output.count("    提示：") >= len(EXPECTED)
    assert "Traceback" not in result.output
    if command == "build":
        assert "构建已取消" in result.output
        assert not (tmp_path / "out").exists() and not (tmp_path / "work").exists()


def test_the_installed_command_reports_config_problems_with_the_name_as_found(broken):
    """validate's report is its output (stdout), config problems like data problems."""
    result = carbon_site("validate", cwd=broken.parent)
    assert result.returncode == 1
    for code, line, key in EXPECTED:
        assert any(text.startswith(f"carbon-site.toml:{line} [{code}]") and key in text
                   for text in result.stdout.splitlines()), (code, line, key, result.stdout)


def test_config_problems_in_json_for_machines(broken):
    """--format json gives machines a JSON document whatever the problems are, config ones included."""
    result = invoke("validate", "--config", str(broken), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and doc["errors"] == len(EXPECTED)
    assert sorted((p["code"], p["row"], p["field"]) for p in doc["problems"]) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(PROJECT_CASES))
def test_each_project_problem_stops_the_build_naming_code_and_key(name, tmp_path):
    case = PROJECT_CASES[name]
    config = case.make(tmp_path / "project")
    result = invoke("build", "--config", str(config), "--out", str(tmp_path / "site"),
                    "--build-dir", str(tmp_path / "build"))
    assert result.exit_code == 1, result.output
    line = next((line for line in result.output.splitlines() if f"[{case.code}]" in line), None)
    assert line is not None, result.output
    assert case.file in line
    if case.row is not None:
        assert f":{case.row} [" in line
    if case.field is not None:
        assert case.field in line
    assert not (tmp_path / "site").exists()


# ---------------------------------------------------------------- no config


def test_build_without_a_config_in_the_working_directory_is_a_usage_error(synthetic_root, tmp_path):
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    result = carbon_site("build", "--data", str(synthetic_root), "--out", str(empty / "site"), cwd=empty)
    assert result.returncode == 2
    assert "carbon-site.toml" in result.stderr and "carbon-site init" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(empty.iterdir()) == []


def test_a_config_that_does_not_exist_is_a_usage_error(tmp_path):
    result = invoke("build", "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2
    assert "nope.toml" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- --out that is not ours


def test_out_pointing_at_a_file_is_refused_and_the_file_kept(synthetic_root, tmp_path):
    target = tmp_path / "site.html"
    target.write_text("<html>不是网站目录</html>", encoding="utf-8")
    result = invoke("build", "--config", str(synthetic_root.parent / "carbon-site.toml"), "--out", str(target),
                    "--build-dir", str(tmp_path / "work"))
    assert result.exit_code == 2, result.output
    assert "是一个文件" in result.output
    assert target.read_text(encoding="utf-8") == "<html>不是网站目录</html>"
    assert not (tmp_path / "work").exists()


def test_out_holding_someone_elses_site_is_refused_and_nothing_deleted(synthetic_root, tmp_path):
    """A folder that looks like a website (index.html, sitemap.xml) but was not built by carbon-site."""
    out = tmp_path / "www"
    (out / "wp-content").mkdir(parents=True)
    (out / "index.html").write_text("<html>别人的网站</html>", encoding="utf-8")
    (out / "sitemap.xml").write_text("<urlset></urlset>", encoding="utf-8")
    (out / "wp-config.php").write_text("<?php define('DB_PASSWORD', 'x');", encoding="utf-8")
    (out / "wp-content" / "upload.jpg").write_bytes(b"\xff\xd8\xff")
    before, beside = tree(out), sorted(p.name for p in tmp_path.iterdir())
    result = invoke("build", "--config", str(synthetic_root.parent / "carbon-site.toml"), "--out", str(out),
                    "--build-dir", str(tmp_path / "work"))
    assert result.exit_code == 2, result.output
    assert ".carbon-site" in result.output and "用法错误" in result.output
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == beside, "nothing made beside it either"


def test_out_holding_a_site_we_built_is_replaced(synthetic_root, tmp_path):
    out = tmp_path / "www"
    out.mkdir()
    (out / "index.html").write_text("<html>上一次的网站</html>", encoding="utf-8")
    (out / "stale.html").write_text("上一次的文件", encoding="utf-8")
    (out / ".carbon-site").write_text("carbon-site\n", encoding="utf-8")
    result = invoke("build", "--config", str(synthetic_root.parent / "carbon-site.toml"), "--out", str(out),
                    "--build-dir", str(tmp_path / "work"))
    assert result.exit_code == 0, result.output
    assert not (out / "stale.html").exists()
    assert "上一次的网站" not in (out / "index.html").read_text(encoding="utf-8")
