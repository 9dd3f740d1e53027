"""Old URLs keep answering: every entry of the [redirects] table of the real project's
carbon-site.toml, in the real site built once (fixture ``built_site``), is a redirect page
leading to an existing page, or a file identical to its new location. A SYNTHETIC project
shows the same for each kind of old URL (folder, .html page, download file)."""
from __future__ import annotations

import re
import shutil
import tomllib
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main

REPO = Path(__file__).resolve().parents[2]
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)"')


def real_redirects() -> dict[str, str]:
    return tomllib.loads((REPO / "carbon-site.toml").read_text(encoding="utf-8"))["redirects"]


def old_file(site: Path, old: str) -> Path:
    """The file a server answers an old URL with (a folder URL answers with its index.html)."""
    return site / old / "index.html" if old.endswith("/") else site / old


def followed(site: Path, old: str) -> Path | None:
    """Where the redirect page at an old URL leads, as a file of the site; None when it is no redirect page."""
    page = old_file(site, old)
    match = REFRESH.search(page.read_text(encoding="utf-8"))
    if match is None:
        return None
    target = unescape(match.group(1)).split("#", 1)[0]
    resolved = (page.parent / target).resolve()
    return resolved / "index.html" if target.endswith("/") or resolved.is_dir() else resolved


def check_redirect(site: Path, old: str, new: str, page_file) -> str | None:
    """Why the old URL does not answer as it should, or None."""
    answer = old_file(site, old)
    if not answer.is_file():
        return f"{old}: nothing at the old URL ({answer.relative_to(site)})"
    if new.endswith(".md"):
        expected = page_file(site, new)
        if not expected.is_file():
            return f"{old}: the new page {new} was not built"
        target = followed(site, old)
        if target is None:
            return f"{old}: not a redirect page"
        if target != expected.resolve():
            return f"{old}: leads to {target}, not to {expected.relative_to(site)}"
        if REFRESH.search(expected.read_text(encoding="utf-8")):
            return f"{old}: leads to another redirect"
        return None
    if answer.read_bytes() != (site / new).read_bytes():
        return f"{old}: differs from {new}"
    return None


def test_the_real_project_redirects_every_kind_of_old_url():
    redirects = real_redirects()
    kinds = {"folder" if old.endswith("/") else "file" for old in redirects}
    assert kinds == {"folder", "file"}
    assert len(redirects) > 100


def test_every_old_url_of_the_real_site_answers(built_site, page_file):
    problems = [reason for old, new in sorted(real_redirects().items())
                if (reason := check_redirect(built_site, old, new, page_file))]
    assert problems == []


def test_old_page_urls_lead_to_the_plan_pages_of_the_same_thing(built_site, page_file):
    """Spot checks that the table says what the old URL showed: area 1, an indicator, the plan text."""
    home = "songyuan-carbon-peak-2023"
    for old, new in (("areas/1/", f"plans/{home}/areas/1.md"),
                     ("indicators/coal-share/", f"plans/{home}/indicators/coal-share.md"),
                     ("plan/", f"plans/{home}/text.md")):
        assert followed(built_site, old) == page_file(built_site, new).resolve()


SYNTHETIC_REDIRECTS = """
[redirects]
"old-about.html" = "about.md"
"old/area-one.html" = "plans/synthetic-songyuan/areas/1.md"
"old-areas/" = "plans/synthetic-songyuan/areas/index.md"
"old-city-b/" = "plans/synthetic-second-city/index.md"
"files/targets.csv" = "downloads/targets.csv"
"""


@pytest.fixture(scope="module")
def redirected(tmp_path_factory) -> Path:
    """The SYNTHETIC project with one redirect of each kind, built once."""
    work = tmp_path_factory.mktemp("redirects")
    project = work / "project"
    shutil.copytree(REPO / "tests" / "fixtures" / "synthetic", project)
    config = project / "carbon-site.toml"
    config.write_text(config.read_text(encoding="utf-8") + SYNTHETIC_REDIRECTS, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--config", str(config), "--out", str(work / "site"),
                                       "--build-dir", str(work / "build")])
    assert result.exit_code == 0, result.output
    return work / "site"


@pytest.mark.parametrize("old, new", [tuple(line.replace('"', "").split(" = "))
                                      for line in SYNTHETIC_REDIRECTS.strip().splitlines()[1:]])
def test_each_kind_of_old_url_answers(redirected, page_file, old, new):
    assert check_redirect(redirected, old, new, page_file) is None


def test_a_redirect_to_a_page_that_does_not_exist_is_refused(synthetic_project, tmp_path):
    config = synthetic_project / "carbon-site.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[redirects]\n"areas/9/" = "plans/synthetic-songyuan/areas/9.md"\n'
                      '"gone.csv" = "downloads/no-such.csv"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--config", str(config), "--out", str(tmp_path / "site"),
                                       "--build-dir", str(tmp_path / "build")])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "[config-redirect-invalid]" in line]
    assert len(lines) == 2, result.output  # both reported in one run
    assert any("areas/9/" in line for line in lines) and any("gone.csv" in line for line in lines)
    assert not (tmp_path / "site").exists()
