"""Shared fixtures. Nothing here writes into the repository: every data root and project a
test may change is a private copy under tmp_path, and the session builds go to temporary
directories.

Fixtures other test folders rely on (names and return values are stable):

``repo_root``      the repository checkout (read only).
``synthetic_root`` a private copy of the SYNTHETIC data root at ``tmp_path/datapackages``, with
                   the synthetic project's ``carbon-site.toml`` (home = synthetic-songyuan) and
                   ``portal.toml`` (home = portal) copied to ``tmp_path``.
``real_root``      a private copy of the real ``datapackages/`` at ``tmp_path/datapackages``.
``built_site``     (session) the real project (``carbon-site.toml``, ``mkdocs.yml``, ``site_src/``,
                   ``datapackages/``) built once with the installed ``carbon-site`` console script
                   (``carbon-site build --config <project>/carbon-site.toml --out <tmp>/site
                   --build-dir <tmp>/build``, run in <tmp>); returns the site directory (``Path``).
``built_portal``   (session) the SYNTHETIC portal project (``portal.toml``: every plan listed on
                   the home page) built once the same way; returns the site directory (``Path``).

Both session builds run on private copies of their projects: a build records a new data
release in ``<data root>/releases.json``, which must never happen to the repository's files.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC_PROJECT = REPO_ROOT / "tests" / "fixtures" / "synthetic"
SYNTHETIC_DIR = SYNTHETIC_PROJECT / "datapackages"
REAL_DIR = REPO_ROOT / "datapackages"
# What the real project's carbon-site.toml and mkdocs.yml refer to.
REAL_PROJECT_FILES = ("carbon-site.toml", "mkdocs.yml", "site_src", "datapackages")
BUILD_TIMEOUT_SECONDS = 1200


def copy_data_root(source: Path, dest_parent: Path) -> Path:
    """Copy a data root to dest_parent/datapackages (the name messages show) and return it."""
    dest = Path(dest_parent) / "datapackages"
    shutil.copytree(source, dest)
    return dest


def copy_synthetic_project(dest_parent: Path) -> Path:
    """The SYNTHETIC project (data root, both config files) copied into dest_parent; returns the data root."""
    shutil.copytree(SYNTHETIC_PROJECT, dest_parent, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return Path(dest_parent) / "datapackages"


def copy_real_project(dest: Path) -> Path:
    """The repository's own project (config, MkDocs settings, templates, data) copied to dest; returns its config."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in REAL_PROJECT_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copyfile(source, dest / name)
    return dest / "carbon-site.toml"


def run_build(config: Path, work: Path) -> Path:
    """`carbon-site build --config config` into work/site (build dir work/build), run from work; the site."""
    site, build = work / "site", work / "build"
    exe = Path(sys.executable).parent / "carbon-site"
    command = [str(exe), "build", "--config", str(config), "--out", str(site), "--build-dir", str(build)]
    proc = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS)
    if proc.returncode != 0 or not (site / "index.html").is_file():
        pytest.fail(
            f"`{' '.join(command)}` exited {proc.returncode}; no site to test.\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}",
            pytrace=False,
        )
    return site


@pytest.fixture
def repo_root() -> Path:
    """The repository checkout (read only)."""
    return REPO_ROOT


@pytest.fixture
def synthetic_root(tmp_path: Path) -> Path:
    """A private copy of the SYNTHETIC data root at tmp_path/datapackages, its config files in tmp_path."""
    return copy_synthetic_project(tmp_path)


@pytest.fixture
def real_root(tmp_path: Path) -> Path:
    """A private copy of the real datapackages/, at tmp_path/datapackages."""
    return copy_data_root(REAL_DIR, tmp_path)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real project built once per session with the `carbon-site` console script: the site directory (read only)."""
    work = tmp_path_factory.mktemp("real-build")
    return run_build(copy_real_project(work / "project"), work)


@pytest.fixture(scope="session")
def built_portal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SYNTHETIC portal project built once per session from a private copy: the site directory (read only)."""
    work = tmp_path_factory.mktemp("portal-build")
    project = work / "project"
    project.mkdir()
    copy_synthetic_project(project)
    return run_build(project / "portal.toml", work)
