"""`carbon-site validate` as a maintainer runs it: messages, exit codes, JSON, no tracebacks.

In-process runs always name the project's config with --config: the working directory of
the test run is the repository, whose own carbon-site.toml must not be picked up.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.bad_cases import BAD_INPUT_CASES, OTHER_CASES, WARNING_CASES, excel_csv_utf8

from builder.cli import main

CARBON_SITE = Path(sys.executable).with_name("carbon-site")  # the console script in the same environment


def run(*args: str, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def validate(root: Path, *args: str, **kwargs):
    """validate the data root with the SYNTHETIC config that sits beside it."""
    return run("validate", "--config", str(root.parent / "carbon-site.toml"), "--data", str(root), *args, **kwargs)


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- in process (CliRunner) ------------------------------------------------------------------------
def test_clean_synthetic_root_exits_0(synthetic_root):
    result = validate(synthetic_root)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "validate: 没有发现问题"


def test_the_portal_config_validates_the_same_data(synthetic_root):
    result = run("validate", "--config", str(synthetic_root.parent / "portal.toml"))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "validate: 没有发现问题"


def test_excel_csv_utf8_exits_0(tmp_path):
    result = validate(excel_csv_utf8(tmp_path))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", sorted(BAD_INPUT_CASES))
def test_each_class_of_bad_input_exits_1_naming_file_and_row(name, tmp_path):
    case = BAD_INPUT_CASES[name]
    root = case.make(tmp_path)
    before = snapshot(root)
    result = validate(root)
    assert result.exit_code == 1, result.output
    location = f"datapackages/{case.file}" + (f":{case.row} " if case.row else " ")
    lines = [line for line in result.output.splitlines() if line.startswith(location)]
    assert any(f"{location}[{case.code}]" in line for line in lines), result.output
    assert "    提示：" in result.output
    assert "个错误" in result.output.splitlines()[-1]
    assert "Traceback" not in result.output
    assert snapshot(root) == before  # the source files are never modified


@pytest.mark.parametrize("name", sorted(WARNING_CASES))
def test_warnings_are_shown_but_exit_0(name, tmp_path):
    case = OTHER_CASES[name]
    result = validate(case.make(tmp_path))
    assert result.exit_code == 0, result.output
    assert any(f"[{case.code}] 警告" in line for line in result.output.splitlines()), result.output
    assert result.output.splitlines()[-1].startswith("validate: 0 个错误，")


def test_messages_are_chinese_and_name_the_value(tmp_path):
    result = validate(BAD_INPUT_CASES["wrong-type"].make(tmp_path))
    assert "datapackages/songyuan-plan/data/targets.csv:2 [cell-type] 字段 target_value：“二十” 不是数字" in result.output
    assert "validate: 1 个错误，0 个警告（1 个文件）" in result.output


def test_gbk_message_says_how_to_save_as_utf8(tmp_path):
    result = validate(BAD_INPUT_CASES["gbk-encoded-csv"].make(tmp_path))
    assert "GBK" in result.output and "CSV UTF-8（逗号分隔）" in result.output


def test_json_format_for_machines(tmp_path, synthetic_root):
    clean = validate(synthetic_root, "--format", "json")
    assert clean.exit_code == 0
    assert json.loads(clean.output) == {"valid": True, "errors": 0, "warnings": 0, "problems": []}
    bad_root = BAD_INPUT_CASES["duplicate-key"].make(tmp_path / "bad")
    bad = validate(bad_root, "--format", "json")
    assert bad.exit_code == 1
    doc = json.loads(bad.stdout)
    assert doc["valid"] is False and doc["errors"] == 1
    assert [(p["code"], p["file"], p["row"]) for p in doc["problems"]] == [
        ("duplicate-key", "datapackages/songyuan-plan/data/departments.csv", 5)]
    assert set(doc["problems"][0]) == {"code", "message", "file", "row", "field", "hint", "severity"}


def test_the_same_ids_in_two_cities_are_not_a_problem(synthetic_root):
    """Ids are unique within a plan: the fixture's second city reuses the first city's ids on purpose."""
    def ids(package: str, table: str) -> set[str]:
        lines = (synthetic_root / package / "data" / f"{table}.csv").read_text(encoding="utf-8-sig").splitlines()
        return {line.split(",", 1)[0] for line in lines[1:]}

    for table in ("indicators", "targets", "departments"):
        assert ids("songyuan-plan", table) & ids("second-city", table), table
    assert validate(synthetic_root).exit_code == 0


@pytest.mark.parametrize("args", [
    ["validate", "--bogus"],
    ["validate", "--format", "xml"],
    ["validate", "--data"],
    ["no-such-command"],
])
def test_usage_errors_exit_2(args):
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_missing_data_dir_is_a_usage_error_in_chinese(synthetic_root):
    result = validate(synthetic_root.parent / "nope")
    assert result.exit_code == 2
    assert "数据目录" in result.output and "nope" in result.output and "不存在" in result.output
    assert "Traceback" not in result.output


def test_an_unexpected_error_is_an_internal_error_not_a_traceback(monkeypatch, synthetic_root):
    def broken(data_dir, today=None):
        raise ZeroDivisionError("division by zero in a rule")

    monkeypatch.setattr("builder.build.validate_data_root", broken)
    monkeypatch.delenv("CARBON_SITE_DEBUG", raising=False)
    result = validate(synthetic_root)
    assert result.exit_code == 1
    assert "内部错误（internal-error）" in result.output
    assert "ZeroDivisionError: division by zero in a rule" in result.output
    assert "请把以下信息报告给维护者" in result.output
    assert "Traceback" not in result.output
    assert "[" not in result.output  # not dressed up as a data problem code


@pytest.mark.parametrize("how", ["-v", "CARBON_SITE_DEBUG"])
def test_verbose_shows_the_real_exception(monkeypatch, synthetic_root, how):
    def broken(data_dir, today=None):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("builder.build.validate_data_root", broken)
    monkeypatch.delenv("CARBON_SITE_DEBUG", raising=False)
    config = str(synthetic_root.parent / "carbon-site.toml")
    if how == "-v":
        result = run("-v", "validate", "--config", config)
    else:
        result = run("validate", "--config", config, env={"CARBON_SITE_DEBUG": "1"})
    assert isinstance(result.exception, ZeroDivisionError)
    assert result.exit_code == 1


def test_the_real_packages_validate_cleanly_with_the_real_config(real_root, repo_root):
    shutil.copyfile(repo_root / "carbon-site.toml", real_root.parent / "carbon-site.toml")
    result = validate(real_root)
    assert result.exit_code == 0, result.output


# --- the installed command, in a subprocess -----------------------------------------------------
def carbon_site(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert CARBON_SITE.exists(), f"{CARBON_SITE} is missing: run pip install -e ."
    return subprocess.run([str(CARBON_SITE), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def test_installed_command_finds_the_config_in_the_working_directory(synthetic_root):
    result = carbon_site("validate", cwd=synthetic_root.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "没有发现问题" in result.stdout


def test_installed_command_validates_data_without_any_config(synthetic_root):
    """validate needs no config: in a folder without carbon-site.toml it checks the data alone."""
    bare = synthetic_root.parent / "bare"
    shutil.copytree(synthetic_root, bare / "datapackages")
    result = carbon_site("validate", cwd=bare)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "没有发现问题" in result.stdout


def test_installed_command_reports_gbk_with_the_path_as_typed(tmp_path):
    BAD_INPUT_CASES["gbk-encoded-csv"].make(tmp_path)
    result = carbon_site("validate", "--data", "./datapackages", cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "datapackages/songyuan-plan/data/departments.csv:2 [encoding-gbk]" in output
    assert "Traceback" not in output


def test_installed_command_json_parses(tmp_path):
    BAD_INPUT_CASES["symlink-escaping-package"].make(tmp_path)
    result = carbon_site("validate", "--format", "json", "--data", "datapackages", cwd=tmp_path)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert [(p["code"], p["file"]) for p in doc["problems"]] == [
        ("path-symlink-escape", "datapackages/songyuan-plan/data/targets.csv")]


@pytest.mark.parametrize("args", [["validate", "--format", "xml"], ["validate", "--data", "nope"]])
def test_installed_command_usage_errors_exit_2(tmp_path, args):
    result = carbon_site(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
