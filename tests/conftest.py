"""Shared fixtures: data roots copied into tmp_path so no test writes into the repository."""
from __future__ import annotations

import shutil
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
