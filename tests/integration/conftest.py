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


def _page_file(out: Path, docs_path: str) -> Path:
    """The HTML file MkDocs writes for a docs-relative Markdown page: x.html (pages are files), or
    x/index.html should the site use directory URLs again. The path returned need not exist."""
    stem = docs_path.removesuffix(".md")
    as_file = out / f"{stem}.html"
    if as_file.is_file() or stem == "index" or stem.endswith("/index"):
        return as_file
    as_folder = out / stem / "index.html"
    return as_folder if as_folder.is_file() else as_file


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


# What a build writes, should one ever run on the repository's own projects instead of a copy.
BUILD_LEFTOVERS = (REPO / "datapackages" / "releases.json", SYNTHETIC_PROJECT / "datapackages" / "releases.json",
                   REPO / "site", REPO / "build", SYNTHETIC_PROJECT / "site", SYNTHETIC_PROJECT / "build")


@pytest.fixture(scope="session", autouse=True)
def private_user_cache(tmp_path_factory: pytest.TempPathFactory):
    """carbon-site's per-user cache (the Vega bundle) in a session temp folder, not the tester's home;
    subprocesses inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
        yield


@pytest.fixture(scope="session", autouse=True)
def repository_untouched():
    """Fail the session if any integration test wrote a release history or a site into the repository."""
    def state() -> dict[Path, tuple[int, int] | None]:
        return {p: (p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None for p in BUILD_LEFTOVERS}

    before = state()
    yield
    changed = [str(p) for p, now in state().items() if now != before[p]]
    assert changed == [], f"the integration tests wrote into the repository: {changed}"


@pytest.fixture
def page_file():
    """page_file(out, "plans/p/areas/1.md"): the HTML file of a docs-relative page in a built site."""
    return _page_file


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
