"""Shared fixtures: data roots copied into tmp_path so no test writes into the repository."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC_DIR = REPO_ROOT / "tests" / "fixtures" / "synthetic"
REAL_DIR = REPO_ROOT / "datapackages"


def copy_data_root(source: Path, dest_parent: Path) -> Path:
    """Copy a data root to dest_parent/datapackages (the name messages show) and return it."""
    dest = dest_parent / "datapackages"
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest


@pytest.fixture
def repo_root() -> Path:
    """The repository checkout (read only)."""
    return REPO_ROOT


@pytest.fixture
def synthetic_root(tmp_path: Path) -> Path:
    """A private copy of the valid SYNTHETIC data root, at tmp_path/datapackages."""
    return copy_data_root(SYNTHETIC_DIR, tmp_path)


@pytest.fixture
def real_root(tmp_path: Path) -> Path:
    """A private copy of the real datapackages/, at tmp_path/datapackages."""
    return copy_data_root(REAL_DIR, tmp_path)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real datapackages/ built once per session with the `carbon-site` console script (read only)."""
    tmp = tmp_path_factory.mktemp("real-build")
    site, build = tmp / "site", tmp / "build"
    exe = Path(sys.executable).parent / "carbon-site"
    command = [str(exe), "build", "--data", str(REAL_DIR), "--out", str(site), "--build-dir", str(build)]
    proc = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0 or not (site / "index.html").is_file():
        pytest.fail(
            f"`{' '.join(command)}` exited {proc.returncode}; no site to test.\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}",
            pytrace=False,
        )
    return site
