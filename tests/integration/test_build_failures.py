"""A failed build never touches the previous site: bad data, a failing MkDocs run and
conflicting options all leave --out byte for byte as it was, with no staging left behind."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder import cli
from builder.cli import main
from builder.publish import BuildFailed, build_site
from fixtures.bad_cases import BAD_INPUT_CASES

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"
SITE_SRC = REPO / "site_src"
CANCELLED = "构建已取消，原网站未改动"


def copy_data(source: Path, parent: Path) -> Path:
    dest = parent / "datapackages"
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def previous_site(parent: Path) -> tuple[Path, str]:
    """A stand-in for the site a previous build published, and its hash."""
    out = parent / "site"
    (out / "assets").mkdir(parents=True)
    (out / "index.html").write_text("<html><body>上一次发布的网站</body></html>", encoding="utf-8")
    (out / "sitemap.xml").write_text("<urlset></urlset>", encoding="utf-8")
    (out / "assets" / "site.css").write_text("body { color: black; }", encoding="utf-8")
    return out, tree_hash(out)


def leftovers(out: Path) -> list[str]:
    """Staging or set-aside copies of the site left beside it."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def break_cell(data: Path, rel: str, line: int, old: str, new: str) -> None:
    """Replace old by new on one physical line (header = 1) of a CSV."""
    path = data / rel
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


# ---------------------------------------------------------------- bad data


def test_bad_data_exits_1_naming_file_and_row_and_keeps_the_site(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    break_cell(data, "songyuan-plan/data/targets.csv", 4, ",18,", ",abc,")
    out, before = previous_site(tmp_path)
    result = invoke("build", "--data", str(data), "--out", str(out), "--build-dir", str(tmp_path / "build"))
    assert result.exit_code == 1
    assert "targets.csv:4" in result.output
    assert CANCELLED in result.output
    assert "Traceback" not in result.output
    assert tree_hash(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize("name", sorted(BAD_INPUT_CASES))
def test_every_class_of_bad_input_is_refused_and_the_site_kept(name: str, tmp_path: Path):
    case = BAD_INPUT_CASES[name]
    data = case.make(tmp_path)
    out, before = previous_site(tmp_path)
    result = invoke("build", "--data", str(data), "--out", str(out), "--build-dir", str(tmp_path / "build"))
    assert result.exit_code == 1, result.output
    assert f"[{case.code}]" in result.output
    assert (f"{case.file}:{case.row}" if case.row else case.file) in result.output
    assert CANCELLED in result.output
    assert "Traceback" not in result.output
    assert tree_hash(out) == before
    assert leftovers(out) == []
    assert not (tmp_path / "build" / "docs").exists(), "nothing is generated from invalid data"


def test_console_script_refuses_bad_data_without_a_traceback(tmp_path: Path):
    exe = Path(sys.executable).parent / "carbon-site"
    assert exe.is_file(), "install the package: .venv/bin/pip install -e . --no-deps"
    case = BAD_INPUT_CASES["gbk-encoded-csv"]
    data = case.make(tmp_path)
    out, before = previous_site(tmp_path)
    proc = subprocess.run([str(exe), "build", "--data", str(data), "--out", str(out),
                           "--build-dir", str(tmp_path / "build")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 1
    assert f"{case.file}:{case.row}" in proc.stderr + proc.stdout
    assert CANCELLED in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert tree_hash(out) == before
    assert leftovers(out) == []


# ---------------------------------------------------------------- MkDocs fails


def project_with(tmp_path: Path, *, broken_page: bool = False, theme: str | None = None) -> tuple[Path, Path]:
    """A copy of site_src and mkdocs.yml, optionally with a page linking nowhere or an unknown theme."""
    root = tmp_path / "project"
    shutil.copytree(SITE_SRC, root / "site_src")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    if theme:
        config = config.replace("name: material", f"name: {theme}")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    if broken_page:
        page = root / "site_src" / "docs" / "indicators" / "broken-link.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("# 坏链接\n\n[不存在的页面](no-such-page.md)\n", encoding="utf-8")
    return root / "site_src", root / "mkdocs.yml"


def test_mkdocs_warning_fails_the_build_and_keeps_the_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    site_src, _ = project_with(tmp_path, broken_page=True)
    monkeypatch.setattr(cli, "SITE_SRC", site_src)
    data = copy_data(SYNTHETIC, tmp_path)
    out, before = previous_site(tmp_path)
    result = invoke("build", "--data", str(data), "--out", str(out), "--build-dir", str(tmp_path / "build"))
    assert result.exit_code == 1
    assert "构建失败" in result.output and "no-such-page.md" in result.output
    assert CANCELLED in result.output
    assert "Traceback" not in result.output
    assert tree_hash(out) == before
    assert leftovers(out) == []


def test_bad_site_config_fails_the_build_and_keeps_the_site(tmp_path: Path):
    site_src, mkdocs_yml = project_with(tmp_path, theme="no-such-theme")
    data = copy_data(SYNTHETIC, tmp_path)
    out, before = previous_site(tmp_path)
    with pytest.raises(BuildFailed) as failure:
        build_site(data, out, tmp_path / "build", site_src=site_src, mkdocs_yml=mkdocs_yml)
    assert "no-such-theme" in failure.value.message + "\n".join(failure.value.details)
    assert tree_hash(out) == before
    assert leftovers(out) == []


def test_first_build_that_fails_leaves_no_site_at_all(tmp_path: Path):
    site_src, mkdocs_yml = project_with(tmp_path, broken_page=True)
    data = copy_data(SYNTHETIC, tmp_path)
    with pytest.raises(BuildFailed):
        build_site(data, tmp_path / "site", tmp_path / "build", site_src=site_src, mkdocs_yml=mkdocs_yml)
    assert not (tmp_path / "site").exists()
    assert leftovers(tmp_path / "site") == []


# ---------------------------------------------------------------- conflicting options


def test_out_equal_to_data_is_refused_before_anything_happens(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    before = tree_hash(data)
    result = invoke("build", "--data", str(data), "--out", str(data), "--build-dir", str(tmp_path / "build"))
    assert result.exit_code == 2
    assert "--out" in result.output and "数据目录" in result.output
    assert tree_hash(data) == before
    assert not (tmp_path / "build").exists()


def test_out_around_the_data_is_refused(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    result = invoke("build", "--data", str(data), "--out", str(tmp_path), "--build-dir", str(tmp_path / "b"))
    assert result.exit_code == 2
    assert data.is_dir()


def test_out_inside_site_src_is_refused(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    before = tree_hash(SITE_SRC)
    target = SITE_SRC / "docs" / "published-site"
    result = invoke("build", "--data", str(data), "--out", str(target), "--build-dir", str(tmp_path / "build"))
    assert result.exit_code == 2
    assert "site_src" in result.output
    assert not target.exists()
    assert tree_hash(SITE_SRC) == before


def test_build_dir_inside_the_data_is_refused(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    before = tree_hash(data)
    result = invoke("build", "--data", str(data), "--out", str(tmp_path / "site"),
                    "--build-dir", str(data / "build"))
    assert result.exit_code == 2
    assert "--build-dir" in result.output
    assert tree_hash(data) == before


def test_out_holding_other_files_is_not_replaced(tmp_path: Path):
    data = copy_data(SYNTHETIC, tmp_path)
    out = tmp_path / "documents"
    out.mkdir()
    (out / "notes.txt").write_text("不是网站", encoding="utf-8")
    result = invoke("build", "--data", str(data), "--out", str(out), "--build-dir", str(tmp_path / "build"))
    assert result.exit_code == 2
    assert "index.html" in result.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
