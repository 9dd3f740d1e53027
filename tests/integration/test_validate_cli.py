"""`carbon-site validate` as a maintainer runs it: messages, exit codes, JSON, no tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.bad_cases import BAD_INPUT_CASES, OTHER_CASES, excel_csv_utf8

from builder import checks
from builder.cli import main

CARBON_SITE = Path(sys.executable).with_name("carbon-site")  # the console script in the same environment


def run(*args: str, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- in process (CliRunner) ------------------------------------------------------------------------
def test_clean_synthetic_root_exits_0(synthetic_root):
    result = run("validate", "--data", str(synthetic_root))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "validate: 没有发现问题"


def test_excel_csv_utf8_exits_0(tmp_path):
    result = run("validate", "--data", str(excel_csv_utf8(tmp_path)))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", sorted(BAD_INPUT_CASES))
def test_each_class_of_bad_input_exits_1_naming_file_and_row(name, tmp_path):
    case = BAD_INPUT_CASES[name]
    root = case.make(tmp_path)
    before = snapshot(root)
    result = run("validate", "--data", str(root))
    assert result.exit_code == 1, result.output
    location = f"datapackages/{case.file}" + (f":{case.row} " if case.row else " ")
    line = next((line for line in result.output.splitlines() if line.startswith(location)), None)
    assert line is not None, result.output
    assert f"[{case.code}]" in line
    assert "    提示：" in result.output
    assert "个错误" in result.output.splitlines()[-1]
    assert "Traceback" not in result.output
    assert snapshot(root) == before  # the source files are never modified


def test_messages_are_chinese_and_name_the_value(tmp_path):
    result = run("validate", "--data", str(BAD_INPUT_CASES["wrong-type"].make(tmp_path)))
    assert "datapackages/songyuan-plan/data/targets.csv:2 [cell-type] 字段 target_value：“二十” 不是数字" in result.output
    assert "validate: 1 个错误，0 个警告（1 个文件）" in result.output


def test_gbk_message_says_how_to_save_as_utf8(tmp_path):
    result = run("validate", "--data", str(BAD_INPUT_CASES["gbk-encoded-csv"].make(tmp_path)))
    assert "GBK" in result.output and "CSV UTF-8（逗号分隔）" in result.output


def test_warnings_are_shown_but_exit_0(tmp_path):
    result = run("validate", "--data", str(OTHER_CASES["unknown-package"].make(tmp_path)))
    assert result.exit_code == 0
    assert "[unknown-package] 警告" in result.output
    assert result.output.splitlines()[-1] == "validate: 0 个错误，1 个警告（1 个文件）"


def test_json_format_for_machines(tmp_path, synthetic_root):
    clean = run("validate", "--data", str(synthetic_root), "--format", "json")
    assert clean.exit_code == 0
    assert json.loads(clean.output) == {"valid": True, "errors": 0, "warnings": 0, "problems": []}
    bad_root = BAD_INPUT_CASES["duplicate-key"].make(tmp_path / "bad")
    bad = run("validate", "--data", str(bad_root), "--format", "json")
    assert bad.exit_code == 1
    doc = json.loads(bad.output)
    assert doc["valid"] is False and doc["errors"] == 1
    assert [(p["code"], p["file"], p["row"]) for p in doc["problems"]] == [
        ("duplicate-key", "datapackages/songyuan-plan/data/departments.csv", 5)]
    assert set(doc["problems"][0]) == {"code", "message", "file", "row", "field", "hint", "severity"}


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


def test_missing_data_dir_is_a_usage_error_in_chinese(tmp_path):
    result = run("validate", "--data", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "数据目录" in result.output and "nope" in result.output and "不存在" in result.output
    assert "Traceback" not in result.output


def test_an_unexpected_error_is_an_internal_error_not_a_traceback(monkeypatch, synthetic_root):
    def broken(data_dir):
        raise ZeroDivisionError("division by zero in a rule")

    monkeypatch.setattr(checks, "validate_data_root", broken)
    monkeypatch.delenv("CARBON_SITE_DEBUG", raising=False)
    result = run("validate", "--data", str(synthetic_root))
    assert result.exit_code == 1
    assert "内部错误（internal-error）" in result.output
    assert "ZeroDivisionError: division by zero in a rule" in result.output
    assert "请把以下信息报告给维护者" in result.output
    assert "Traceback" not in result.output
    assert "[" not in result.output  # not dressed up as a data problem code


@pytest.mark.parametrize("how", ["-v", "CARBON_SITE_DEBUG"])
def test_verbose_shows_the_real_exception(monkeypatch, synthetic_root, how):
    def broken(data_dir):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(checks, "validate_data_root", broken)
    monkeypatch.delenv("CARBON_SITE_DEBUG", raising=False)
    if how == "-v":
        result = run("-v", "validate", "--data", str(synthetic_root))
    else:
        result = run("validate", "--data", str(synthetic_root), env={"CARBON_SITE_DEBUG": "1"})
    assert isinstance(result.exception, ZeroDivisionError)
    assert result.exit_code == 1


def test_validate_help_has_an_example():
    result = run("validate", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and "carbon-site validate" in result.output


def test_the_real_packages_validate_cleanly(real_root):
    result = run("validate", "--data", str(real_root))
    assert result.exit_code == 0, result.output


# --- the installed command, in a subprocess -----------------------------------------------------
def carbon_site(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert CARBON_SITE.exists(), f"{CARBON_SITE} is missing: run pip install -e ."
    return subprocess.run([str(CARBON_SITE), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def test_installed_command_passes_the_synthetic_root(synthetic_root):
    result = carbon_site("validate", "--data", "datapackages", cwd=synthetic_root.parent)
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
