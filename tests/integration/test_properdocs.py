"""ProperDocs (the maintained fork of MkDocs 1.6) builds the generated project of a build too:
`python -m properdocs build -f <build dir>/mkdocs.yml` gives the same site. The one difference
is the generator named in each page's <meta name="generator">."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GENERATOR_META = re.compile(rb'<meta name="generator" content="[^"]*">')


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sitemap_epoch(site: Path) -> int:
    """The build date MkDocs stamped into sitemap.xml.gz (its gzip header holds SOURCE_DATE_EPOCH)."""
    return int.from_bytes((site / "sitemap.xml.gz").read_bytes()[4:8], "little")


@pytest.fixture(scope="module")
def properdocs_site(built_synthetic, tmp_path_factory) -> Path:
    """The generated project of the SYNTHETIC build, copied and built with ProperDocs."""
    project = tmp_path_factory.mktemp("properdocs") / "project"
    shutil.copytree(built_synthetic.build_dir, project, ignore=shutil.ignore_patterns(".cache"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(sitemap_epoch(built_synthetic.out)),
           "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    proc = subprocess.run([sys.executable, "-m", "properdocs", "build", "--strict", "-f", str(project / "mkdocs.yml")],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return project / "site"


def test_properdocs_is_the_fork_not_mkdocs_itself():
    version = subprocess.run([sys.executable, "-m", "properdocs", "--version"], capture_output=True, text=True,
                             timeout=120)
    assert version.returncode == 0
    assert "1.6.7" in version.stdout + version.stderr


def test_properdocs_gives_the_same_pages_and_files(built_synthetic, properdocs_site):
    ours = tree_bytes(built_synthetic.out)
    ours.pop(".carbon-site")  # the marker carbon-site adds after the generator
    theirs = tree_bytes(properdocs_site)
    assert sorted(theirs) == sorted(ours)
    differing = sorted(rel for rel in ours if ours[rel] != theirs[rel])
    assert all(rel.endswith(".html") for rel in differing), differing


def test_the_only_difference_is_the_generator_named_in_each_page(built_synthetic, properdocs_site):
    ours, theirs = tree_bytes(built_synthetic.out), tree_bytes(properdocs_site)
    pages = [rel for rel in theirs if rel.endswith(".html")]
    assert len(pages) > 50
    for rel in pages:
        assert GENERATOR_META.sub(b"", theirs[rel]) == GENERATOR_META.sub(b"", ours[rel]), rel
    named = {m.group(0) for rel in pages for m in [GENERATOR_META.search(theirs[rel])] if m}
    assert named and all(b"ProperDocs" in m for m in named), named
