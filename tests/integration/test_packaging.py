"""The wheel is all a new site needs: built from a copy of the sources, installed into a fresh
virtual environment with its own pinned dependencies (no access to this checkout or its
environment), `carbon-site init` and `carbon-site build` outside the repository give a site
that says nothing has been recorded yet, with the templates, CSS and JS from the wheel.

Needs the package index (pip downloads the dependencies); takes a minute or two."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from builder.build import compact

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "builder")  # what setuptools reads to build the wheel
PACKAGE_DATA = ("builder/site/mkdocs.yml", "builder/site/docs/assets/stylesheets/site.css",
                "builder/site/docs/assets/javascripts/site.js", "builder/site/docs/assets/javascripts/charts.js",
                "builder/site/templates/home.md.j2", "builder/site/templates/indicator.md.j2",
                "builder/scaffold/plan-datapackage.json", "builder/scaffold/values-datapackage.json")


def run(args: list[str], cwd: Path, env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} exited {proc.returncode}\n{proc.stdout[-3000:]}\n" \
                                 f"{proc.stderr[-3000:]}"
    return proc


def clean_env(tmp: Path, venv: Path | None = None) -> dict:
    """An environment that cannot see this checkout or its virtual environment."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONUSERBASE")}
    env["PATH"] = os.pathsep.join([str(venv / "bin")] if venv else []) + os.pathsep + "/usr/bin:/bin"
    env["PYTHONNOUSERSITE"] = "1"
    env["XDG_CACHE_HOME"] = str(tmp / "cache")  # carbon-site's own caches start empty
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(tmp, venv, wheel): the wheel built from a copy of the sources and installed in a fresh venv."""
    tmp = tmp_path_factory.mktemp("packaging")
    sources = tmp / "sources"
    sources.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, sources / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            shutil.copyfile(source, sources / name)
    env = clean_env(tmp)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "wheels"), str(sources)], tmp, env)
    [wheel] = sorted((tmp / "wheels").glob("carbon_site-*.whl"))
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp, env)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-c", str(REPO / "constraints.txt"), str(wheel)], tmp, clean_env(tmp, venv), timeout=1500)
    return tmp, venv, wheel


def test_the_wheel_holds_the_templates_styles_scripts_and_init_templates(installed):
    _, _, wheel = installed
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert set(PACKAGE_DATA) <= names
    assert {n for n in names if n.startswith("builder/site/templates/") and n.endswith(".md.j2")} >= {
        f"builder/site/templates/{t}.md.j2" for t in ("area", "indicator", "portal", "compare", "downloads")}
    assert not [n for n in names if n.startswith(("tests/", "datapackages/", "site_src/"))]


def test_the_installed_package_is_the_wheels_not_this_checkout(installed):
    tmp, venv, _ = installed
    proc = run([str(venv / "bin" / "python"), "-c", "import builder, sys; print(builder.__file__)"], tmp,
               clean_env(tmp, venv))
    location = Path(proc.stdout.strip()).resolve()
    assert location.is_relative_to(venv.resolve()), location
    assert not location.is_relative_to(REPO)


def test_init_and_build_outside_the_repository_make_a_site_from_the_wheel_alone(installed):
    tmp, venv, wheel = installed
    env = clean_env(tmp, venv)
    outside = tmp / "elsewhere"
    outside.mkdir()
    assert not outside.resolve().is_relative_to(REPO)
    carbon_site = str(venv / "bin" / "carbon-site")
    run([carbon_site, "init", str(tmp / "elsewhere" / "newsite")], outside, env)
    project = outside / "newsite"
    assert (project / "carbon-site.toml").is_file()

    build = run([carbon_site, "build"], project, env)
    site = project / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "尚未录入" in home, "a new site says plainly that nothing has been recorded yet"
    assert "Traceback" not in build.stderr
    with zipfile.ZipFile(wheel) as archive:
        for rel in ("assets/stylesheets/site.css", "assets/javascripts/site.js", "assets/javascripts/charts.js"):
            # the package's own file, compacted as every build compacts it
            assert (site / rel).read_bytes() == compact(rel, archive.read(f"builder/site/docs/{rel}")), rel
    assert "assets/stylesheets/site.css" in home
    assert (site / "downloads" / "SHA256SUMS.txt").is_file()
    version = run([carbon_site, "--version"], project, env).stdout
    assert wheel.name.split("-")[1] in version
