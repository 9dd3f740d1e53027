"""Every command has -h/--help whose description ends with an example of that command."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main

CARBON_SITE = Path(sys.executable).with_name("carbon-site")
COMMANDS = sorted(main.commands)


def examples_of(help_text: str) -> list[str]:
    """The example lines that end a help text's description (after "Example:", before the options)."""
    description = [line.strip() for line in help_text.split("Options:")[0].rstrip().splitlines()]
    assert "Example:" in description, help_text
    start = len(description) - description[::-1].index("Example:")
    examples = description[start:]
    assert examples and all(examples), help_text  # nothing but example lines after the heading
    return examples


def test_the_five_commands_of_the_issue_exist():
    assert {"init", "validate", "build", "serve", "status"} <= set(COMMANDS)


@pytest.mark.parametrize("flag", ["-h", "--help"])
@pytest.mark.parametrize("command", COMMANDS)
def test_help_ends_with_an_example_of_the_command(command, flag):
    result = CliRunner().invoke(main, [command, flag])
    assert result.exit_code == 0, result.output
    assert all(e.startswith(f"carbon-site {command} ") for e in examples_of(result.output)), result.output
    assert f"Usage: main {command}" in result.output or f"Usage: carbon-site {command}" in result.output


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_the_program_help_lists_every_command_and_ends_with_an_example(flag):
    result = CliRunner().invoke(main, [flag])
    assert result.exit_code == 0
    assert all(e.startswith("carbon-site ") for e in examples_of(result.output))
    commands = result.output.split("Commands:")[1]
    assert {line.split()[0] for line in commands.strip().splitlines()} == set(COMMANDS)


def test_the_installed_command_shows_help_without_a_project(tmp_path):
    """-h needs no config, no data and no network: it works in an empty folder."""
    for args in ([], *([c] for c in COMMANDS)):
        proc = subprocess.run([str(CARBON_SITE), *args, "-h"], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        assert proc.returncode == 0, (args, proc.stderr)
        assert all(e.startswith(" ".join(["carbon-site", *args, ""])) for e in examples_of(proc.stdout)), args
    assert list(tmp_path.iterdir()) == []
