"""Interrupted and racing builds: the previous site stays, nothing is left behind, and two
builds never write the same --out at once. SYNTHETIC project copies in tmp_path; the real
console script in a process of its own, stopped by real signals."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"
CLI = str(Path(sys.executable).parent / "carbon-site")


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A SYNTHETIC project with a site already built from it (tmp/project, tmp/out/site)."""
    root = tmp_path / "project"
    shutil.copytree(SYNTHETIC, root)
    (tmp_path / "out").mkdir()
    done = build(root, tmp_path)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def bare_project(tmp_path: Path) -> Path:
    """A SYNTHETIC project, nothing built yet."""
    root = tmp_path / "project"
    shutil.copytree(SYNTHETIC, root)
    return root


def command(tmp_path: Path) -> list[str]:
    return [CLI, "build", "--out", str(tmp_path / "out" / "site"), "--build-dir", str(tmp_path / "work")]


def build(root: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command(tmp_path), cwd=root, capture_output=True, text=True, timeout=600)


def change_a_value(root: Path) -> None:
    """Edit one published value so the next build has work to do (and runs MkDocs)."""
    path = root / "datapackages" / "published-values" / "data" / "observations.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",13.5,", ",13.6,", 1), encoding="utf-8")


def start_and_wait_for_staging(root: Path, tmp_path: Path) -> subprocess.Popen:
    """Start a build and return once it is inside the MkDocs stage (its staging directory exists)."""
    process = subprocess.Popen(command(tmp_path), cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if list((tmp_path / "out").glob(".site.new-*")):
            return process
        if process.poll() is not None:
            pytest.fail(f"the build ended before its MkDocs stage: {process.communicate()}")
        time.sleep(0.02)
    process.kill()
    pytest.fail("the build never reached its MkDocs stage")


def mkdocs_children(parent: int) -> list[int]:
    """Processes (by pid) whose parent is parent and whose command line runs mkdocs."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and "mkdocs" in cmdline:
            found.append(int(proc.name))
    return found


def test_sigterm_during_mkdocs_cleans_up_and_keeps_the_previous_site(project, tmp_path):
    before = tree(tmp_path / "out" / "site")
    change_a_value(project)
    process = start_and_wait_for_staging(project, tmp_path)
    children = mkdocs_children(process.pid)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "构建已取消，原网站未改动" in stderr and "Traceback" not in stderr
    assert tree(tmp_path / "out" / "site") == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.endswith(".lock")) == ["site"]
    for pid in children:  # MkDocs was stopped too: nothing writes into the removed staging directory later
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def test_a_killed_build_leaves_debris_the_next_build_removes_and_only_its_own(project, tmp_path):
    before = tree(tmp_path / "out" / "site")
    change_a_value(project)
    process = start_and_wait_for_staging(project, tmp_path)
    children = mkdocs_children(process.pid)
    process.kill()  # kill -9: no handler runs (the build first, so it cannot see MkDocs die and clean up)
    process.communicate(timeout=60)
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    debris = list((tmp_path / "out").glob(".site.new-*"))
    assert debris and tree(tmp_path / "out" / "site") == before  # left behind, and the site untouched
    foreign = tmp_path / "out" / ".site.new-not-ours"  # named like ours, but without our marker
    foreign.mkdir()
    (foreign / "keep.txt").write_text("someone else's", encoding="utf-8")
    done = build(project, tmp_path)
    assert done.returncode == 0, done.stderr
    assert not any(p.exists() for p in debris)
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "someone else's"
    assert tree(tmp_path / "out" / "site") != before  # the edit is published


def test_a_second_build_for_the_same_out_is_refused_while_the_first_runs(project, tmp_path):
    change_a_value(project)
    first = start_and_wait_for_staging(project, tmp_path)
    second = build(project, tmp_path)
    assert second.returncode == 1
    assert "另一个 carbon-site 构建正在写入" in second.stderr and "Traceback" not in second.stderr
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert not list((tmp_path / "out").glob(".site.new-*")) and not list((tmp_path / "out").glob(".site.old-*"))


def test_out_that_is_not_ours_is_refused_and_nothing_in_it_is_touched(bare_project, tmp_path):
    project = bare_project
    webroot = tmp_path / "webroot"
    webroot.mkdir()
    for name, text in (("index.html", "<p>home</p>"), ("sitemap.xml", "<urlset/>"), ("wp-config.php", "<?php")):
        (webroot / name).write_text(text, encoding="utf-8")
    before = tree(webroot)
    done = subprocess.run([CLI, "build", "--out", str(webroot), "--build-dir", str(tmp_path / "work2")],
                          cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert "不是本工具生成的网站" in done.stderr and "Usage" not in done.stderr
    assert tree(webroot) == before


def test_out_that_is_a_file_is_refused_in_chinese(bare_project, tmp_path):
    project = bare_project
    target = tmp_path / "site.txt"
    target.write_text("a file", encoding="utf-8")
    done = subprocess.run([CLI, "build", "--out", str(target), "--build-dir", str(tmp_path / "work3")],
                          cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert "是一个文件，不是目录" in done.stderr and "Usage" not in done.stderr and "Error" not in done.stderr
    assert target.read_text(encoding="utf-8") == "a file"


def test_a_site_moved_aside_by_a_killed_swap_is_put_back_not_deleted(tmp_path):
    # kill -9 between "old site moved aside" and "new site moved in" leaves no site at --out:
    # the next build restores the old one rather than clearing it as debris.
    from builder.build import SITE_MARKER, clear_stale_staging
    aside = tmp_path / ".site.old-abc123"
    aside.mkdir()
    (aside / SITE_MARKER).write_text("ours", encoding="utf-8")
    (aside / "index.html").write_text("the previous site", encoding="utf-8")
    clear_stale_staging(tmp_path / "site")
    assert (tmp_path / "site" / "index.html").read_text(encoding="utf-8") == "the previous site"
    assert not aside.exists()
