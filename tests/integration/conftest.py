"""Fixtures of the integration tests: the SYNTHETIC project (home = synthetic-songyuan)
built once per session, and private copies of that project for tests that change it.

Every build goes into a temporary directory; nothing is written into the repository.
The shared fixtures (``synthetic_root``, ``real_root``, ``built_site``, ``built_portal``)
live in ``tests/conftest.py``.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC_PROJECT = REPO / "tests" / "fixtures" / "synthetic"


@dataclass(frozen=True)
class Built:
    """One finished build: its project, data root, site, generated project and what the command printed."""

    project: Path
    config: Path
    data: Path
    out: Path
    build_dir: Path
    output: str


def _copy_project(dest: Path) -> Path:
    """A private copy of the SYNTHETIC project (both config files and the data root) at dest."""
    shutil.copytree(SYNTHETIC_PROJECT, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _build_project(project: Path, work: Path, config_name: str = "carbon-site.toml") -> Built:
    """`carbon-site build --config project/config_name` into work/site and work/build, in process."""
    config = project / config_name
    out, build_dir = work / "site", work / "build"
    result = CliRunner().invoke(main, ["build", "--config", str(config), "--out", str(out),
                                       "--build-dir", str(build_dir)])
    assert result.exit_code == 0, result.output
    return Built(project, config, project / "datapackages", out, build_dir, result.output)


@pytest.fixture
def copy_project():
    """copy_project(dest): a private copy of the SYNTHETIC project at dest; returns dest."""
    return _copy_project


@pytest.fixture
def build_project():
    """build_project(project, work, config_name="carbon-site.toml") -> Built: a build that must succeed."""
    return _build_project


@pytest.fixture
def synthetic_project(tmp_path: Path) -> Path:
    """A private copy of the SYNTHETIC project at tmp_path/project (a build goes beside it)."""
    return _copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_synthetic(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The SYNTHETIC project (home = synthetic-songyuan) built once per session (read only)."""
    work = tmp_path_factory.mktemp("synthetic-build")
    return _build_project(_copy_project(work / "project"), work)
