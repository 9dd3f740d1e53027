"""Every carbon-site command is documented in the README and has help that ends with an example;
every option says what it does (how each command behaves is tested in tests/integration/)."""
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from builder.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"
COMMANDS = sorted(main.commands)


def test_the_maintainers_workflow_has_its_commands():
    assert {"init", "validate", "build", "serve", "status"} <= set(main.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_in_the_readme(command: str):
    assert f"carbon-site {command}" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_ends_with_an_example_of_itself(command: str):
    text = main.commands[command].help.strip()
    assert text.splitlines()[0].strip()  # a one-line summary first
    last = text.splitlines()[-1].strip()
    assert "Example:" in text and last.startswith(f"carbon-site {command}")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help(command: str):
    for param in main.commands[command].params:
        if isinstance(param, click.Option):
            assert param.help, (command, param.name)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_shown_with_h_and_help(command: str):
    runner = CliRunner()
    short, long = runner.invoke(main, [command, "-h"]), runner.invoke(main, [command, "--help"])
    assert short.exit_code == long.exit_code == 0
    assert short.output == long.output and "Example:" in short.output


def test_the_group_has_help_and_a_version():
    runner = CliRunner()
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("carbon-site, version ")
    assert "Example:" in runner.invoke(main, ["-h"]).output
