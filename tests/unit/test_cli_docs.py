"""Every carbon-site command is documented in the README (each command's help is tested beside it)."""
from pathlib import Path

import pytest
from builder.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("command", sorted(main.commands))
def test_command_is_in_the_readme(command: str):
    assert f"carbon-site {command}" in README.read_text(encoding="utf-8")


def test_the_command_set_is_the_documented_one():
    assert set(main.commands) == {"validate", "build", "serve", "status"}
