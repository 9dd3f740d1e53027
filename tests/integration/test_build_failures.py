"""A failed build never touches the previous site: bad data, a failing MkDocs run and
conflicting options all leave --out byte for byte as it was, with no staging left behind.
(Interrupted and racing builds: test_interruptions.py.)"""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.bad_cases import BAD_INPUT_CASES

from builder.build import SITE_MARKER
from builder.cli import main

CARBON_SITE = Path(sys.executable).with_name("carbon-site")
CANCELLED = "构建已取消，原网站未改动"


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def previous_site(parent: Path) -> tuple[Path, str]:
    """A stand-in for the site a previous build published (with the builder's marker), and its hash."""
    out = parent / "site"
    (out / "assets").mkdir(parents=True)
    (out / "index.html").write_text("<html><body>上一次发布的网站</body></html>", encoding="utf-8")
    (out / "sitemap.xml").write_text("<urlset></urlset>", encoding="utf-8")
    (out / "assets" / "site.css").write_text("body { color: black; }", encoding="utf-8")
    (out / SITE_MARKER).write_text("carbon-site\n", encoding="utf-8")
    return out, tree_hash(out)


def leftovers(out: Path) -> list[str]:
    """Staging or set-aside copies of the site left beside it (the lock file is meant to stay)."""
    return sorted(p.name for p in out.parent.iterdir()
                  if p.name.startswith((f".{out.name}.new-", f".{out.name}.old-")))


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def build_args(project: Path, out: Path, *, data: Path | None = None) -> list[str]:
    return ["build", "--config", str(project / "carbon-site.toml"), "--data", str(data or project / "datapackages"),
            "--out", str(out), "--build-dir", str(project.parent / "build")]


# ---------------------------------------------------------------- bad data


def test_bad_data_exits_1_naming_file_and_row_and_keeps_the_site(synthetic_project):
    targets = synthetic_project / "datapackages/songyuan-plan/data/targets.csv"
    lines = targets.read_text(encoding="utf-8").split("\n")
    assert ",18," in lines[3]
    lines[3] = lines[3].replace(",18,", ",abc,", 1)
    targets.write_text("\n".join(lines), encoding="utf-8")
    out, before = previous_site(synthetic_project.parent)
    result = invoke(*build_args(synthetic_project, out))
    assert result.exit_code == 1
    assert "datapackages/songyuan-plan/data/targets.csv:4 [cell-type]" in result.output
    assert CANCELLED in result.output
    assert "Traceback" not in result.output
    assert tree_hash(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize("name", sorted(BAD_INPUT_CASES))
def test_every_class_of_bad_input_is_refused_and_the_site_kept(name: str, tmp_path: Path):
    case = BAD_INPUT_CASES[name]
    data = case.make(tmp_path / "project")
    out, before = previous_site(tmp_path)
    result = invoke("build", "--config", str(tmp_path / "project" / "carbon-site.toml"), "--data", str(data),
                    "--out", str(out), "--build-dir", str(tmp_path / "build"))
    assert result.exit_code == 1, result.output
    assert f"[{case.code}]" in result.output
    assert (f"{case.file}:{case.row} " if case.row else case.file) in result.output
    assert CANCELLED in result.output
    assert "Traceback" not in result.output
    assert tree_hash(out) == before
    assert leftovers(out) == []
    assert not (tmp_path / "build" / "docs").exists(), "nothing is generated from invalid data"


def test_console_script_refuses_bad_data_without_a_traceback(tmp_path: Path):
    case = BAD_INPUT_CASES["gbk-encoded-csv"]
    data = case.make(tmp_path / "project")
    out, before = previous_site(tmp_path)
    proc = subprocess.run([str(CARBON_SITE), "build", "--data", str(data), "--out", str(out),
                           "--build-dir", str(tmp_path / "build")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path / "project")
    assert proc.returncode == 1
    assert f"{case.file}:{case.row} [{case.code}]" in proc.stderr
    assert CANCELLED in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert tree_hash(out) == before
    assert leftovers(out) == []


# ---------------------------------------------------------------- MkDocs or the project fails


def test_mkdocs_warning_fails_the_build_and_keeps_the_site(synthetic_project):
    page = synthetic_project / "site_src" / "docs" / "notes" / "broken-link.md"
    page.parent.mkdir(parents=True)
    page.write_text("# 坏链接\n\n[不存在的页面](no-such-page.md)\n", encoding="utf-8")
    out, before = previous_site(synthetic_project.parent)
    result = invoke(*build_args(synthetic_project, out))
    assert result.exit_code == 1, result.output
    assert "构建失败" in result.output and "no-such-page.md" in result.output
    assert CANCELLED in result.output
    assert "Traceback" not in result.output
    assert tree_hash(out) == before
    assert leftovers(out) == []


def test_an_unknown_theme_in_the_projects_mkdocs_settings_fails_the_build_and_keeps_the_site(synthetic_project):
    (synthetic_project / "mkdocs.yml").write_text("theme:\n  name: no-such-theme\n", encoding="utf-8")
    out, before = previous_site(synthetic_project.parent)
    result = invoke(*build_args(synthetic_project, out))
    assert result.exit_code == 1, result.output
    assert "no-such-theme" in result.output
    assert CANCELLED in result.output
    assert "Traceback" not in result.output
    assert tree_hash(out) == before
    assert leftovers(out) == []


def test_a_project_file_named_like_a_generated_page_fails_the_build_naming_it(synthetic_project):
    clash = synthetic_project / "site_src" / "docs" / "about.md"
    clash.parent.mkdir(parents=True)
    clash.write_text("# 关于（项目自己的）\n", encoding="utf-8")
    out, before = previous_site(synthetic_project.parent)
    result = invoke(*build_args(synthetic_project, out))
    assert result.exit_code == 1, result.output
    assert "site_src/docs/about.md" in result.output
    assert tree_hash(out) == before


def test_first_build_that_fails_leaves_no_site_at_all(synthetic_project):
    page = synthetic_project / "site_src" / "docs" / "broken-link.md"
    page.parent.mkdir(parents=True)
    page.write_text("[不存在的页面](no-such-page.md)\n", encoding="utf-8")
    out = synthetic_project.parent / "site"
    result = invoke(*build_args(synthetic_project, out))
    assert result.exit_code == 1
    assert not out.exists()
    assert leftovers(out) == []


# ---------------------------------------------------------------- what the build says it did


def test_a_release_history_that_cannot_be_written_is_not_reported_as_a_kept_site(synthetic_project, monkeypatch):
    """A data folder that cannot be written (a read-only checkout, simulated: the tests run as any
    user) after a data change: whatever the build does, it must not say the old site was kept
    when it was replaced."""
    from builder import cache

    out, before = previous_site(synthetic_project.parent)
    observations = synthetic_project / "datapackages/published-values/data/observations.csv"
    text = observations.read_text(encoding="utf-8")
    assert ",13.5," in text
    observations.write_text(text.replace(",13.5,", ",13.6,", 1), encoding="utf-8")
    write = cache.write_atomically

    def read_only_data(path: Path, content: bytes) -> None:
        if synthetic_project in path.parents:
            raise PermissionError(30, "Read-only file system", str(path))
        write(path, content)

    monkeypatch.setattr(cache, "write_atomically", read_only_data)
    result = invoke(*build_args(synthetic_project, out))
    assert "Traceback" not in result.output
    if tree_hash(out) != before:
        assert CANCELLED not in result.output, result.output
    assert leftovers(out) == []


# ---------------------------------------------------------------- conflicting options


def test_out_equal_to_data_is_refused_before_anything_happens(synthetic_project):
    data = synthetic_project / "datapackages"
    before = tree_hash(data)
    result = invoke(*build_args(synthetic_project, data))
    assert result.exit_code == 2
    assert "--out" in result.output and "数据目录" in result.output
    assert tree_hash(data) == before
    assert not (synthetic_project.parent / "build").exists()


def test_out_around_the_project_is_refused(synthetic_project):
    before = tree_hash(synthetic_project)
    result = invoke(*build_args(synthetic_project, synthetic_project.parent))
    assert result.exit_code == 2
    assert tree_hash(synthetic_project) == before


def test_out_inside_the_projects_own_pages_is_refused(synthetic_project):
    site_src = synthetic_project / "site_src"
    (site_src / "docs").mkdir(parents=True)
    (site_src / "docs" / "extra.md").write_text("# 自己写的页面\n", encoding="utf-8")
    before = tree_hash(site_src)
    target = site_src / "docs" / "published-site"
    result = invoke(*build_args(synthetic_project, target))
    assert result.exit_code == 2
    assert "site_src" in result.output
    assert not target.exists()
    assert tree_hash(site_src) == before


def test_build_dir_inside_the_data_is_refused(synthetic_project):
    data = synthetic_project / "datapackages"
    before = tree_hash(data)
    result = invoke("build", "--config", str(synthetic_project / "carbon-site.toml"),
                    "--out", str(synthetic_project.parent / "site"), "--build-dir", str(data / "build"))
    assert result.exit_code == 2
    assert "--build-dir" in result.output
    assert tree_hash(data) == before


def test_out_holding_other_files_is_not_replaced(synthetic_project):
    out = synthetic_project.parent / "documents"
    out.mkdir()
    (out / "notes.txt").write_text("不是网站", encoding="utf-8")
    result = invoke(*build_args(synthetic_project, out))
    assert result.exit_code == 2
    assert "不是本工具生成的网站" in result.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "不是网站"
