"""Build the public site, stage by stage, and swap it into place only when complete.

validate → progress → charts → pages → downloads → the generated MkDocs project in
build/ → MkDocs into a staging directory beside --out → swap.

Charts are the costly part of our own stages; each one is kept in build/.cache/charts/
under a key computed from everything it is made of (its inputs, the builder's code, the
versions of Altair and vl-convert), so a rebuild recomputes only charts whose inputs
changed, and a chart made from other inputs can never be reused.

Nothing is written into site_src/ or the data directory. On any failure before the
swap the staging directory is removed and the previous site is left untouched.
"""
from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path, PurePosixPath

import yaml

from builder import __version__
from builder.load import SOURCE_TEXT_PATH
from builder.model import DataRoot, Indicator, Target
from builder.problems import DataInvalid, Problem

# (key passed to on_stage, what a maintainer sees)
STAGES: tuple[tuple[str, str], ...] = (
    ("validate", "读取并校验数据"),
    ("progress", "评估目标进展"),
    ("charts", "生成图表"),
    ("pages", "生成页面"),
    ("downloads", "准备下载文件"),
    ("project", "写入 MkDocs 项目"),
    ("mkdocs", "运行 MkDocs 生成网站"),
    ("publish", "替换为新网站"),
)

CITY_PLAN = "songyuan-plan"  # the plan whose action areas get pages and per-area downloads
BUILD_MARKER = ".carbon-site-build"  # marks a directory this tool generated and may clear
CACHE_DIR = ".cache"  # inside build_dir; survives regeneration
CACHE_FORMAT = "1"  # bump when what the cache records changes meaning
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CODE_COLUMNS = frozenset({"comparator"})  # closed vocabularies checked by validate; a lone "=" runs nothing
ZIP_EPOCH = 315532800  # 1980-01-01, the earliest time a zip entry can carry


class BuildFailed(Exception):
    """The site could not be built (not a data problem); the previous site is untouched."""

    def __init__(self, message: str, details: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.details = details


class UnknownArea(ValueError):
    """--area names no action area of the city plan."""


class PathConflict(Exception):
    """The requested directories would overwrite sources or each other; nothing was done."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Project:
    """The generated MkDocs project in build_dir, ready for `mkdocs build -f`."""

    build_dir: Path
    config_file: Path
    digest: str  # sha256 over every project file and the tools that turn it into a site
    source_date_epoch: int  # the date MkDocs stamps into sitemap.xml
    pages: int  # Markdown pages
    downloads: int  # files under docs/downloads/
    warnings: tuple[Problem, ...]  # data warnings found while validating


@dataclass(frozen=True)
class BuildResult:
    """What build_site produced."""

    out_dir: Path
    build_dir: Path
    pages: int
    downloads: int
    warnings: tuple[Problem, ...]
    reused: bool  # True when MkDocs was skipped: the project and the site were unchanged
    stage_seconds: tuple[tuple[str, float], ...]  # wall time per stage, in order


@dataclass(frozen=True)
class TargetRow:
    """One target with its latest published value and status: a row of `status` and the CSVs."""

    package: str
    area_id: int | None
    indicator_id: str
    indicator_name_zh: str
    unit: str
    target_id: str
    kind: str
    aspirational: bool
    comparator: str | None
    target_value: float | None
    target_year: int | None
    baseline_year: int | None
    baseline_value: float | None
    target_zh: str  # the target in words, e.g. "到 2025 年不低于 8.6%"
    latest_year: int | None
    latest_value: float | None
    latest_value_status: str | None
    latest_source_id: str | None
    latest_zh: str  # latest value with unit and year, or 暂无公开数值
    status: str
    status_zh: str
    clause: str
    quote_zh: str


# ---------------------------------------------------------------------------
# The build, top to bottom
# ---------------------------------------------------------------------------

def build_site(data_dir: Path, out_dir: Path, build_dir: Path, *, site_src: Path, mkdocs_yml: Path,
               on_stage: Callable[[str], None] | None = None) -> BuildResult:
    """Validate, render, run MkDocs into a staging directory and swap it into out_dir."""
    conflicts = check_paths(data_dir, out_dir, build_dir, site_src=site_src, mkdocs_yml=mkdocs_yml)
    if conflicts:
        raise PathConflict(conflicts)
    timer = _StageTimer(on_stage)
    previous = _read_last_build(build_dir)
    project = _generate(data_dir, build_dir, site_src=site_src, mkdocs_yml=mkdocs_yml, timer=timer)

    timer.start("mkdocs")
    if _site_is_current(previous, project, out_dir):
        timer.start("publish")
        timer.stop()
        return _result(project, out_dir, timer, reused=True)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        run_mkdocs(project.config_file, staging, project.source_date_epoch)
        timer.start("publish")
        site_digest = tree_digest(staging)
        staging.chmod(0o755)  # mkdtemp makes it private; a web server must read the site
        swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _write_last_build(build_dir, project, out_dir, site_digest)
    timer.stop()
    return _result(project, out_dir, timer, reused=False)


def generate_project(data_dir: Path, build_dir: Path, *, site_src: Path, mkdocs_yml: Path,
                     on_stage: Callable[[str], None] | None = None) -> Project:
    """Write the MkDocs project (build_dir/mkdocs.yml and build_dir/docs/) for the data."""
    conflicts = check_paths(data_dir, None, build_dir, site_src=site_src, mkdocs_yml=mkdocs_yml)
    if conflicts:
        raise PathConflict(conflicts)
    return _generate(data_dir, build_dir, site_src=site_src, mkdocs_yml=mkdocs_yml, timer=_StageTimer(on_stage))


def _generate(data_dir: Path, build_dir: Path, *, site_src: Path, mkdocs_yml: Path, timer: _StageTimer) -> Project:
    from builder.checks import validate_data_root

    timer.start("validate")
    result = validate_data_root(data_dir)
    if result.has_errors or result.data is None:
        raise DataInvalid(result.problems)
    # The data model and the modules' own objects live through the whole build: without this,
    # every full collection during the later stages walks them all again (~0.2 s at 1,000 indicators).
    gc.freeze()
    try:
        warnings = tuple(p for p in result.problems if not p.is_error)
        return _render_project(result.data, warnings, data_dir, build_dir, site_src=site_src, mkdocs_yml=mkdocs_yml,
                               timer=timer)
    finally:
        gc.unfreeze()


def _render_project(data: DataRoot, warnings: tuple[Problem, ...], data_dir: Path, build_dir: Path, *,
                    site_src: Path, mkdocs_yml: Path, timer: _StageTimer) -> Project:
    """Every stage after validation, through the MkDocs project written into build_dir."""
    from builder import pages

    epoch = source_date_epoch(data)

    timer.start("progress")
    assessments = assess(data)

    timer.start("charts")
    chart_views = cached_chart_views(data, assessments, build_dir)

    timer.start("pages")
    rendered = pages.render_pages(data, assessments, site_src, plan_texts=plan_texts(data, data_dir),
                                  charts=chart_views)

    timer.start("downloads")
    downloads = download_files(data, data_dir, assessments, epoch)
    listing = [pages.DownloadFile(path=path, size_bytes=len(content), sha256=_sha256(content),
                                  description_zh=describe_download(path, data), package=_package_of(path, data))
               for path, content in sorted(downloads.items())]
    downloads["downloads/SHA256SUMS.txt"] = checksums(downloads)
    rendered["downloads/index.md"] = pages.render_downloads_page(data, listing, site_src)

    timer.start("project")
    files = {f"docs/{path}": content for path, content in static_files(site_src / "docs").items()}
    generated = {**{p: t.encode("utf-8") for p, t in rendered.items()}, **downloads,
                 "assets/vega/vega-bundle.js": vega_bundle(build_dir)}
    clashes = sorted(f"docs/{p}" for p in generated if f"docs/{p}" in files)
    if clashes:
        raise BuildFailed("site_src/docs 中的文件与生成的文件同名，无法决定用哪一个",
                          tuple(f"site_src/{p}" for p in clashes))
    files.update({f"docs/{path}": content for path, content in generated.items()})
    config_text, extra = project_config(mkdocs_yml, build_dir)
    files["mkdocs.yml"] = config_text.encode("utf-8")
    files.update(extra)
    write_project(build_dir, files)
    timer.stop()
    return Project(build_dir=build_dir, config_file=build_dir / "mkdocs.yml",
                   digest=_project_digest(files, epoch), source_date_epoch=epoch,
                   pages=len(rendered), downloads=len(downloads),
                   warnings=warnings)


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------

def check_paths(data_dir: Path, out_dir: Path | None, build_dir: Path, *, site_src: Path,
                mkdocs_yml: Path) -> list[str]:
    """Reasons (Chinese) why these directories cannot be used together; empty when they can.

    out_dir is None when nothing will be published (serve, generate_project).
    """
    data, build, src = (p.resolve() for p in (data_dir, build_dir, site_src))
    sources = (("数据目录 --data", data), ("模板目录 site_src", src))
    messages = []
    if out_dir is not None:
        out = out_dir.resolve()
        config_dir = mkdocs_yml.resolve().parent
        for name, path in sources:
            if _overlaps(out, path):
                messages.append(f"--out {out_dir} 与{name} {path} 重叠：构建会覆盖或删除源文件。"
                                "请把网站输出到单独的目录，例如 site/")
        if _overlaps(out, build):
            messages.append(f"--out {out_dir} 与 --build-dir {build_dir} 重叠，请使用两个互不包含的目录")
        if out == config_dir or out in config_dir.parents:
            messages.append(f"--out {out_dir} 包含项目配置 {mkdocs_yml}：替换网站时会删除它。请换一个目录")
        if out.exists() and not out.is_dir():
            messages.append(f"--out {out_dir} 是一个文件，不是目录")
        elif out.is_dir() and any(out.iterdir()) and not looks_like_site(out):
            messages.append(f"--out {out_dir} 已存在，但不像本工具生成的网站（没有 index.html 和 sitemap.xml）。"
                            "为避免误删其中的文件，请指定新目录或空目录")
    for name, path in sources:
        if _overlaps(build, path):
            messages.append(f"--build-dir {build_dir} 与{name} {path} 重叠：生成的文件会写进源文件。"
                            "请换一个目录，例如 build/")
    if build.exists() and not build.is_dir():
        messages.append(f"--build-dir {build_dir} 是一个文件，不是目录")
    elif build.is_dir() and any(build.iterdir()) and not (build / BUILD_MARKER).is_file():
        messages.append(f"--build-dir {build_dir} 已存在，但不是本工具生成的目录（没有 {BUILD_MARKER}）。"
                        "为避免误删其中的文件，请指定新目录或空目录")
    return messages


def looks_like_site(path: Path) -> bool:
    """True when path holds a built MkDocs site, which a new build may replace."""
    return (path / "index.html").is_file() and (path / "sitemap.xml").is_file()


def _overlaps(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


def swap_into_place(staging: Path, out_dir: Path) -> None:
    """Replace out_dir with staging: the old site is renamed aside, then removed."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    aside.rmdir()  # only its unique name is needed
    out_dir.rename(aside)
    try:
        staging.rename(out_dir)
    except BaseException:
        aside.rename(out_dir)
        raise
    shutil.rmtree(aside, ignore_errors=True)


# ---------------------------------------------------------------------------
# The generated project
# ---------------------------------------------------------------------------

def static_files(docs_src: Path) -> dict[str, bytes]:
    """Hand-written pages and assets under site_src/docs, by docs-relative path."""
    if not docs_src.is_dir():
        raise BuildFailed(f"找不到手写页面和静态资源目录 {docs_src}")
    return {path.relative_to(docs_src).as_posix(): path.read_bytes()
            for path in sorted(docs_src.rglob("*"))
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(docs_src).parts)}


def project_config(mkdocs_yml: Path, build_dir: Path) -> tuple[str, dict[str, bytes]]:
    """build/mkdocs.yml from the root one, plus the files it needs beside it (the search dictionary)."""
    try:
        config = yaml.safe_load(mkdocs_yml.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BuildFailed(f"无法读取站点配置 {mkdocs_yml}：{error}") from error
    if not isinstance(config, dict):
        raise BuildFailed(f"站点配置 {mkdocs_yml} 不是 YAML 映射（键: 值）")
    config["docs_dir"] = "docs"
    config["site_dir"] = "site"
    extra: dict[str, bytes] = {}
    for plugin in config.get("plugins") or []:
        options = plugin.get("search") if isinstance(plugin, dict) else None
        if isinstance(options, dict) and options.get("jieba_dict_user"):
            source = mkdocs_yml.parent / options["jieba_dict_user"]
            try:
                extra["search/userdict.txt"] = source.read_bytes()
            except OSError as error:
                raise BuildFailed(f"找不到搜索用户词典 {source}（mkdocs.yml 的 search.jieba_dict_user）") from error
            # The search plugin opens this path relative to the working directory, so make it absolute.
            options["jieba_dict_user"] = str(build_dir.resolve() / "search" / "userdict.txt")
    header = ("# Generated by carbon-site from the root mkdocs.yml; do not edit.\n"
              "# `mkdocs build -f <this file>` rebuilds the site into site/ beside it.\n")
    return header + yaml.dump(config, Dumper=_ConfigDumper, allow_unicode=True, sort_keys=False, width=1000), extra


class _ConfigDumper(yaml.SafeDumper):
    """Writes multi-line strings (not_in_nav) as literal blocks, as a person would."""


_ConfigDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value,
                                                       style="|" if "\n" in value else None))


def write_project(build_dir: Path, files: Mapping[str, bytes]) -> None:
    """Make build_dir hold exactly these files (plus the cache), rewriting only what changed.

    Unchanged files keep their modification time, so `serve` rebuilds only on real change.
    """
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / BUILD_MARKER).write_text("carbon-site 生成的目录，可以整个删除。\n", encoding="utf-8")
    keep = {BUILD_MARKER, CACHE_DIR}
    for path in sorted(build_dir.rglob("*"), reverse=True):  # children before parents
        rel = path.relative_to(build_dir)
        if rel.parts[0] in keep:
            continue
        if path.is_symlink() or path.is_file():
            if rel.as_posix() not in files:
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for rel, content in files.items():
        target = build_dir / rel
        if target.is_file() and not target.is_symlink() and target.read_bytes() == content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            shutil.rmtree(target)
        target.write_bytes(content)


def vega_bundle(build_dir: Path) -> bytes:
    """vl_convert's JavaScript bundle (vega, vega-lite, vega-embed) for the Vega-Lite version the charts use.

    Making it takes ~1.3 s and depends only on the installed vl-convert and that version, so it is
    kept under those two in build/.cache and in the user's cache directory (shared by every
    build/ on the machine, e.g. a fresh clone or a benchmark run).
    """
    import vl_convert

    from builder.charts import VEGA_LITE_VERSION

    name = f"vega-bundle-{metadata.version('vl-convert-python')}-vl{VEGA_LITE_VERSION}.js"
    places = [build_dir / CACHE_DIR / name, user_cache_dir() / name]
    for cached in places:
        if cached.is_file():
            return cached.read_bytes()
    content = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION).encode("utf-8")
    for cached in places:
        try:
            _write_atomically(cached, content)
        except OSError:  # a read-only home directory only costs the next build the 1.3 s
            pass
    return content


def user_cache_dir() -> Path:
    """Where carbon-site keeps what any build on this machine can reuse ($XDG_CACHE_HOME/carbon-site)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "carbon-site"


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------

def download_files(data: DataRoot, data_dir: Path, assessments: Mapping, epoch: int) -> dict[str, bytes]:
    """Every file under docs/downloads/ except SHA256SUMS.txt and the page, by docs-relative path."""
    files: dict[str, bytes] = {}
    stamp = time.gmtime(max(epoch, ZIP_EPOCH))
    zip_time = (*stamp[:5], stamp[5] - stamp[5] % 2)  # zip keeps seconds in steps of two
    transcriptions = {p.name: (p.plan.source_text,) for p in data.plans if SOURCE_TEXT_PATH.match(p.plan.source_text)}
    for package in sorted(data.descriptors):
        members = package_files(data_dir / package, data.descriptors[package], transcriptions.get(package, ()))
        for rel, content in members.items():
            files[f"downloads/{package}/{rel}"] = content
        files[f"downloads/{package}.zip"] = zip_package(package, members, zip_time)
    for indicator in data.indicators():
        files[f"downloads/indicators/{indicator.indicator_id}.csv"] = indicator_csv(data, indicator, assessments)
    city = data.plan_package(CITY_PLAN)
    for area in (city.areas if city else ()):
        rows = target_rows(data, assessments, package=CITY_PLAN, area_id=area.area_id)
        files[f"downloads/areas/area-{area.area_id}.csv"] = table_csv(TARGET_COLUMNS, [_row_dict(r) for r in rows])
    files["downloads/targets.csv"] = table_csv(TARGET_COLUMNS, [_row_dict(r) for r in target_rows(data, assessments)])
    return files


def package_files(package_dir: Path, descriptor: dict, extra: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The descriptor, every resource file and the extra files of one package, byte for byte.

    Keyed by package-relative path; extra holds the plan transcriptions plans.source_text names.
    """
    files = {"datapackage.json": (package_dir / "datapackage.json").read_bytes()}
    for resource in descriptor.get("resources", []):
        paths = resource.get("path")
        for rel in ([paths] if isinstance(paths, str) else paths or []):
            files[_safe_member(package_dir, rel)] = (package_dir / rel).read_bytes()
    for rel in extra:
        files[_safe_member(package_dir, rel)] = (package_dir / rel).read_bytes()
    return dict(sorted(files.items()))


def plan_texts(data: DataRoot, data_dir: Path) -> dict[str, str]:
    """Each plan package's transcribed plan text (the file plans.source_text names), by package name."""
    texts = {}
    for package in data.plans:
        rel = package.plan.source_text
        if SOURCE_TEXT_PATH.match(rel):  # otherwise source_text describes the transcription in words
            path = data_dir / package.name / _safe_member(data_dir / package.name, rel)
            texts[package.name] = path.read_text(encoding="utf-8-sig")
    return texts


def describe_download(path: str, data: DataRoot) -> str:
    """What a download file holds, in Chinese, for the downloads page."""
    parts = PurePosixPath(path).parts[1:]  # without "downloads"
    if parts[0] == "indicators":
        indicator_id = PurePosixPath(parts[1]).stem
        found = data.indicator(indicator_id)
        name = found.name_zh if found else indicator_id
        return f"指标“{name}”的目标与全部公开数值（UTF-8 带 BOM，Excel 可直接打开）"
    if parts[0] == "areas":
        area_id = int(PurePosixPath(parts[1]).stem.removeprefix("area-"))
        city = data.plan_package(CITY_PLAN)
        area = next((a for a in (city.areas if city else ()) if a.area_id == area_id), None)
        name = f"“{area.name_zh}”" if area else ""
        return f"行动领域 {area_id}{name}的目标、最新公开数值和状态（UTF-8 带 BOM，Excel 可直接打开）"
    if parts == ("targets.csv",):
        return "全部目标及其最新公开数值和状态（UTF-8 带 BOM，Excel 可直接打开）"
    if len(parts) == 1 and parts[0].endswith(".zip"):
        with_text = " 和规划原文转录件" if data.plan_package(parts[0].removesuffix(".zip")) else ""
        return f"整个数据包的压缩包：描述文件、全部 CSV{with_text}"
    rel = "/".join(parts[1:])
    if rel == "datapackage.json":
        return "数据包描述文件（Data Package 2.0）：资源、字段、类型和约束"
    for resource in data.descriptors.get(parts[0], {}).get("resources", []):
        if resource.get("path") == rel:
            return f"{resource.get('title') or resource.get('name')}（与数据源逐字节相同的 CSV）"
    return "规划原文转录件（纯文本）"


def _package_of(path: str, data: DataRoot) -> str:
    top = PurePosixPath(path).parts[1]
    name = top.removesuffix(".zip")
    return name if name in data.descriptors else ""


def _safe_member(package_dir: Path, rel: str) -> str:
    # The loader refuses unsafe paths before validation passes; this guards the copy itself.
    pure = PurePosixPath(rel)
    resolved = (package_dir / rel).resolve()
    if (pure.is_absolute() or ".." in pure.parts or "://" in rel or (package_dir / rel).is_symlink()
            or package_dir.resolve() not in resolved.parents):
        raise BuildFailed(f"数据包 {package_dir.name} 的资源路径 {rel!r} 不安全，不能复制到下载目录")
    return pure.as_posix()


def zip_package(package: str, members: Mapping[str, bytes], date_time: tuple) -> bytes:
    """A zip of one package with sorted entries, fixed timestamps and fixed permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel in sorted(members):
            info = zipfile.ZipInfo(f"{package}/{rel}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the building machine
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            archive.writestr(info, members[rel], compresslevel=9)
    return buffer.getvalue()


def checksums(files: Mapping[str, bytes]) -> bytes:
    """SHA256SUMS.txt for the download files, paths relative to downloads/ (`sha256sum -c` format)."""
    lines = [f"{_sha256(content)}  {path.removeprefix('downloads/')}\n"
             for path, content in sorted(files.items())]
    return "".join(lines).encode("utf-8")


TARGET_COLUMNS = ("package", "area_id", "indicator_id", "indicator_name_zh", "unit", "target_id", "kind",
                  "aspirational", "comparator", "target_value", "target_year", "baseline_year",
                  "baseline_value", "target_zh", "latest_year", "latest_value", "latest_value_status", "latest_source_id",
                  "status", "status_zh", "clause", "quote_zh")

INDICATOR_COLUMNS = ("row_type", "indicator_id", "indicator_name_zh", "unit", "target_id", "kind",
                     "aspirational", "comparator", "target_value", "target_year", "baseline_year",
                     "baseline_value", "target_zh", "status", "status_zh", "clause", "quote_zh", "year", "value",
                     "value_status", "source_id", "source_publisher", "source_title", "source_date",
                     "source_url", "source_quote_zh", "note")


def target_rows(data: DataRoot, assessments: Mapping, *, package: str | None = None,
                area_id: int | None = None) -> list[TargetRow]:
    """Targets (optionally of one package and area) with latest value and status, in data order."""
    from builder.progress import STATUS_LABEL_ZH, describe_target_zh, format_value_zh, preferred_observations

    indicators = {i.indicator_id: i for i in data.indicators()}
    rows = []
    for target in data.targets():
        indicator = indicators.get(target.indicator_id)
        if indicator is None or (package and target.package != package):
            continue
        if area_id is not None and indicator.area_id != area_id:
            continue
        assessment = assessments[target.target_id]
        # The value the assessment used; for targets it cannot use (deferred, qualitative) the
        # indicator's latest published value, so no one reads "no value" where one exists.
        published = preferred_observations(data.observations_for(indicator.indicator_id))
        latest = assessment.latest or (published[-1] if published else None)
        rows.append(TargetRow(
            package=target.package, area_id=indicator.area_id, indicator_id=indicator.indicator_id,
            indicator_name_zh=indicator.name_zh, unit=indicator.unit, target_id=target.target_id,
            kind=target.kind, aspirational=target.aspirational, comparator=target.comparator,
            target_value=target.target_value, target_year=target.target_year,
            baseline_year=target.baseline_year, baseline_value=target.baseline_value,
            target_zh=describe_target_zh(target, indicator), latest_year=latest.year if latest else None, latest_value=latest.value if latest else None,
            latest_value_status=latest.status if latest else None,
            latest_source_id=latest.source_id if latest else None,
            latest_zh=f"{format_value_zh(latest.value, indicator)}（{latest.year}年）" if latest else "暂无公开数值",
            status=assessment.status, status_zh=STATUS_LABEL_ZH[assessment.status],
            clause=target.clause, quote_zh=target.quote_zh))
    return rows


def status_rows(data_dir: Path, *, area_id: int | None = None) -> list[TargetRow]:
    """Every target (or those of one city action area) with latest value and status, for `status`."""
    from builder.checks import validate_data_root

    result = validate_data_root(data_dir)
    if result.has_errors or result.data is None:
        raise DataInvalid(result.problems)
    data = result.data
    if area_id is not None:
        city = data.plan_package(CITY_PLAN)
        areas = sorted(a.area_id for a in city.areas) if city else []
        if area_id not in areas:
            raise UnknownArea(f"没有编号为 {area_id} 的行动领域；可用的编号：{'、'.join(map(str, areas)) or '无'}")
    assessments = assess(data)
    if area_id is None:
        return target_rows(data, assessments)
    return target_rows(data, assessments, package=CITY_PLAN, area_id=area_id)


def indicator_csv(data: DataRoot, indicator: Indicator, assessments: Mapping) -> bytes:
    """One indicator's targets and published values as a CSV for spreadsheet users."""
    from builder.progress import STATUS_LABEL_ZH, describe_target_zh

    sources = {s.source_id: s for s in data.sources}
    base = {"indicator_id": indicator.indicator_id, "indicator_name_zh": indicator.name_zh,
            "unit": indicator.unit}
    rows = []
    for target in _targets_of(data, indicator):
        status = assessments[target.target_id].status
        rows.append({**base, "row_type": "target", "target_id": target.target_id, "kind": target.kind,
                     "aspirational": target.aspirational, "comparator": target.comparator,
                     "target_value": target.target_value, "target_year": target.target_year,
                     "baseline_year": target.baseline_year, "baseline_value": target.baseline_value,
                     "target_zh": describe_target_zh(target, indicator), "status": status, "status_zh": STATUS_LABEL_ZH[status], "clause": target.clause,
                     "quote_zh": target.quote_zh, "note": target.note})
    for obs in data.observations_for(indicator.indicator_id):
        source = sources.get(obs.source_id)
        rows.append({**base, "row_type": "observation", "year": obs.year, "value": obs.value,
                     "value_status": obs.status, "source_id": obs.source_id,
                     "source_publisher": source.publisher if source else None,
                     "source_title": source.title if source else None,
                     "source_date": source.date if source else None,
                     "source_url": source.url if source else None,
                     "source_quote_zh": obs.source_quote_zh, "note": obs.note})
    return table_csv(INDICATOR_COLUMNS, rows)


def _targets_of(data: DataRoot, indicator: Indicator) -> tuple[Target, ...]:
    return data.targets_for(indicator.indicator_id)


def _row_dict(row: TargetRow) -> dict:
    return {column: getattr(row, column) for column in TARGET_COLUMNS}


def table_csv(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    """A derived CSV: UTF-8 with a BOM (so Excel shows Chinese), CRLF, header row first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    guarded = [(column, column not in CODE_COLUMNS) for column in columns]
    for row in rows:
        writer.writerow([format_cell(row.get(column), guard=guard) for column, guard in guarded])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def format_cell(value: object, *, guard: bool = True) -> str:
    """A cell's text: numbers in their shortest exact form, booleans as true/false, empty for None.

    With guard, text Excel would run as a formula stops the build.
    """
    if value is None:
        return ""
    if isinstance(value, str):  # most cells: checked first
        text = value
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, int):
        return str(value)
    elif isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, date):
        return value.isoformat()
    else:
        text = str(value)
    if guard and text.startswith(FORMULA_PREFIXES):
        # validate refuses such text cells; reaching here means a rule is missing, so stop.
        raise BuildFailed(f"文本“{text[:40]}”以 {text[0]!r} 开头，用 Excel 打开时会被当作公式执行，"
                          "不能写入下载文件。请修改数据，并把此情况报告给维护者（校验规则有遗漏）")
    return text


# ---------------------------------------------------------------------------
# MkDocs
# ---------------------------------------------------------------------------

def run_mkdocs(config_file: Path, site_dir: Path, epoch: int) -> None:
    """`mkdocs build --strict` of the generated project into site_dir; any warning fails the build.

    MkDocs runs in a process of its own, exactly as `mkdocs build -f build/mkdocs.yml` does:
    each build starts from jieba's plain dictionary (its tokenizer is process-wide, and a second
    build in one process segmented the search index differently), and MkDocs does not share a
    heap with the builder's data (in-process it ran ~0.7 s slower at 1,000 indicators).
    """
    # MkDocs reads the build date (sitemap lastmod, sitemap.xml.gz mtime) from the environment only.
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONIOENCODING": "utf-8",
           "NO_MKDOCS_2_WARNING": "1"}  # Material's end-of-life notice, not a problem of this build
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
               "--config-file", str(config_file.resolve()), "--site-dir", str(site_dir.resolve())]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, encoding="utf-8", errors="replace")
    output = completed.stderr.splitlines() + completed.stdout.splitlines()
    messages = [f"{match[1]}: {match[2]}" for match in map(MKDOCS_PROBLEM.match, output) if match]
    if completed.returncode == 0 and not messages:
        return
    hint = f"提示：生成的 MkDocs 项目在 {config_file.parent}，运行 mkdocs build -f {config_file} 可复现"
    if messages:
        raise BuildFailed(f"MkDocs 报告了 {len(messages)} 个警告或错误（严格模式下任何警告都会让构建失败）：",
                          (*messages, hint))
    # A theme template or Markdown extension crashing: its last line names the error, without the traceback.
    last = next((line.strip() for line in reversed(output) if line.strip()), f"退出码 {completed.returncode}")
    raise BuildFailed(f"MkDocs 未能生成网站：{last}", (hint,))


MKDOCS_PROBLEM = re.compile(r"^(WARNING|ERROR)\s*-\s+(.*)$")


def _quiet_jieba() -> None:
    # jieba reports loading its dictionary on stderr at DEBUG level, and sets that level when
    # first imported; import it here so the setting sticks and a quiet preview stays quiet.
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)


def assess(data: DataRoot) -> dict:
    """Every target's assessment, as of SOURCE_DATE_EPOCH's year or the latest date the data knows."""
    from builder import progress

    return progress.assess_all(data, progress.as_of_year(data, os.environ.get("SOURCE_DATE_EPOCH")))


def source_date_epoch(data: DataRoot) -> int:
    """The site's date: SOURCE_DATE_EPOCH if set, else the latest source access date, else the plans' issue date."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is not None:
        try:
            return int(value)
        except ValueError:
            raise BuildFailed(f"环境变量 SOURCE_DATE_EPOCH={value!r} 不是整数秒数；请删除它或设为例如 1735689600") from None
    known = data.latest_known_date()
    if known is None:
        return ZIP_EPOCH
    return int(datetime.combine(known, datetime.min.time(), timezone.utc).timestamp())


# ---------------------------------------------------------------------------
# Chart cache: every chart of the last build, each under the digest of everything it is made of
# ---------------------------------------------------------------------------

CHART_CACHE = "charts.json"  # build_dir/.cache/charts.json: {"entries": {key: entry}}
CHART_TOOLS = ("altair", "vl-convert-python", "jsonschema", "narwhals")  # packages whose versions can change a spec


def cached_chart_views(data: DataRoot, assessments: Mapping, build_dir: Path) -> dict:
    """Every indicator's pages.ChartView, from build_dir/.cache/charts.json where the same inputs were charted before.

    The key of a chart is the sha256 of its inputs (indicator, targets, published values and
    the targets' assessments, every field of each) together with the builder code's fingerprint
    and the chart tools' versions; an entry is used only when it is stored under that key and
    names its own key and indicator. The file is rewritten only when an entry was added or
    dropped, and then holds exactly this build's charts. One file rather than one per chart:
    at 1,000 indicators, creating a thousand small files cost more than drawing the charts.
    """
    from builder import pages

    path = build_dir / CACHE_DIR / CHART_CACHE
    cached = _read_chart_cache(path)
    salt = _chart_salt()
    views = {}
    entries: dict[str, dict] = {}
    for indicator_id, inputs in pages.chart_inputs(data, assessments).items():
        key = _chart_key(salt, tuple(inputs))
        view = _chart_from_entry(cached.get(key), key, indicator_id) if key is not None else None
        if view is None:
            view = pages.chart_view(*inputs)
        views[indicator_id] = view
        if key is not None:
            entries[key] = _chart_entry(key, view)
    if entries != cached:
        text = json.dumps({"format": CACHE_FORMAT, "entries": entries}, ensure_ascii=False, sort_keys=True)
        try:
            _write_atomically(path, text.encode("utf-8"))
        except OSError:
            pass  # without the file the next build just computes the charts again
    return views


def _chart_salt() -> bytes:
    """What every chart key shares: cache format, builder code and chart tool versions."""
    digest = hashlib.sha256()
    for part in (CACHE_FORMAT, __version__, sys.version, builder_fingerprint(),
                 *(f"{name}=={_version(name)}" for name in CHART_TOOLS)):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.digest()


def builder_fingerprint(package_dir: Path | None = None) -> str:
    """sha256 over the bytes of every builder/*.py (the code that turns inputs into charts and pages)."""
    root = package_dir or Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.glob("*.py")):
        digest.update(path.name.encode("utf-8") + b"\0" + _sha256(path.read_bytes()).encode("ascii") + b"\0")
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "-"


def _chart_key(salt: bytes, inputs: tuple) -> str | None:
    # repr of the model's dataclasses, tuples and dicts names every field with its value
    # (floats exactly, 1 apart from 1.0, strings quoted), so equal text means equal inputs.
    # An object without a repr of its own shows only its address: such inputs are not cached.
    text = repr(inputs)
    if " object at 0x" in text:
        return None
    return hashlib.sha256(salt + text.encode("utf-8")).hexdigest()


def _chart_entry(key: str, view) -> dict:
    return {"key": key, "indicator_id": view.indicator_id, "name_zh": view.name_zh, "spec_json": view.spec_json,
            "summary_zh": view.summary_zh, "rows": [[r.year, r.kind, r.value, r.note] for r in view.rows]}


def _read_chart_cache(path: Path) -> dict[str, dict]:
    try:
        record = json.loads(path.read_bytes())
        entries = record["entries"] if record.get("format") == CACHE_FORMAT else {}
        return entries if isinstance(entries, dict) else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # missing or damaged: every chart is computed again


def _chart_from_entry(entry, key: str, indicator_id: str):
    from builder.pages import ChartRow, ChartView

    try:
        if entry["key"] != key or entry["indicator_id"] != indicator_id:
            return None
        spec_json = entry["spec_json"]
        if not (spec_json is None or isinstance(spec_json, str)):
            return None
        return ChartView(indicator_id, str(entry["name_zh"]), spec_json, str(entry["summary_zh"]),
                         tuple(ChartRow(*map(str, row)) for row in entry["rows"]))
    except (KeyError, TypeError, ValueError):
        return None  # absent or damaged: computed again


# ---------------------------------------------------------------------------
# Whole-build cache: skip MkDocs when neither the project nor the site changed
# ---------------------------------------------------------------------------

def _project_digest(files: Mapping[str, bytes], epoch: int) -> str:
    # Everything that decides MkDocs' output: the project files, the date, and every installed
    # distribution (mkdocs, the theme, Markdown extensions, jieba ...) with Python itself.
    digest = hashlib.sha256()
    tools = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    for part in (CACHE_FORMAT, __version__, sys.version, platform.machine(), str(epoch), *tools):
        digest.update(part.encode("utf-8") + b"\0")
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + _sha256(files[path]).encode("ascii") + b"\0")
    return digest.hexdigest()


def tree_digest(root: Path) -> str:
    """sha256 over every file's relative path and bytes under root."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            digest.update(rel.encode("utf-8") + b"\0" + _sha256(path.read_bytes()).encode("ascii") + b"\0")
    return digest.hexdigest()


def _read_last_build(build_dir: Path) -> dict:
    try:
        return json.loads((build_dir / CACHE_DIR / "last-build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_last_build(build_dir: Path, project: Project, out_dir: Path, site_digest: str) -> None:
    record = {"project": project.digest, "out_dir": str(out_dir.resolve()), "site": site_digest}
    try:
        _write_atomically(build_dir / CACHE_DIR / "last-build.json",
                          json.dumps(record, indent=2, sort_keys=True).encode("utf-8"))
    except OSError:
        pass  # the site is already published; without the record the next build just runs MkDocs again


def _site_is_current(previous: dict, project: Project, out_dir: Path) -> bool:
    return (bool(previous) and previous.get("project") == project.digest
            and previous.get("out_dir") == str(out_dir.resolve()) and out_dir.is_dir()
            and previous.get("site") == tree_digest(out_dir))


# ---------------------------------------------------------------------------
# Serve
# ---------------------------------------------------------------------------

def serve_site(data_dir: Path, build_dir: Path, *, site_src: Path, mkdocs_yml: Path, port: int,
               on_event: Callable[[str], None], poll_seconds: float = 1.0) -> None:
    """Preview on 127.0.0.1:port, regenerating build/ whenever the data, site_src or mkdocs.yml change."""
    from mkdocs.commands.serve import serve

    project = generate_project(data_dir, build_dir, site_src=site_src, mkdocs_yml=mkdocs_yml)
    stop = threading.Event()
    watched = (data_dir, site_src, mkdocs_yml)

    def regenerate_on_change() -> None:
        seen = inputs_snapshot(watched)
        while not stop.wait(poll_seconds):
            now = inputs_snapshot(watched)
            if now == seen:
                continue
            seen = now
            try:
                generate_project(data_dir, build_dir, site_src=site_src, mkdocs_yml=mkdocs_yml)
                on_event("已重新生成页面")
            except DataInvalid as error:
                on_event(_problems_text(error.problems))
            except (BuildFailed, OSError) as error:
                on_event(f"重新生成失败：{error}")

    watcher = threading.Thread(target=regenerate_on_change, name="carbon-site-watch", daemon=True)
    watcher.start()
    _quiet_jieba()
    on_event(f"预览地址：http://127.0.0.1:{port}/  （按 Ctrl+C 停止）")
    try:
        serve(config_file=str(project.config_file), livereload=True, strict=False,
              dev_addr=f"127.0.0.1:{port}")
    finally:
        stop.set()
        watcher.join()


def inputs_snapshot(paths: tuple[Path, ...]) -> tuple:
    """(path, size, mtime) of every file under the given paths, to notice edits by polling."""
    entries = []
    for root in paths:
        candidates = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for path in candidates:
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                entries.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def _problems_text(problems: list[Problem]) -> str:
    from builder.problems import format_text

    return format_text(problems, "serve")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

class _StageTimer:
    """Calls on_stage as each stage starts and records how long each took."""

    def __init__(self, on_stage: Callable[[str], None] | None):
        self.on_stage = on_stage
        self.current: str | None = None
        self.started = 0.0
        self.seconds: list[tuple[str, float]] = []

    def start(self, name: str) -> None:
        self.stop()
        self.current, self.started = name, time.perf_counter()
        if self.on_stage:
            self.on_stage(name)

    def stop(self) -> None:
        if self.current is not None:
            self.seconds.append((self.current, time.perf_counter() - self.started))
            self.current = None


def _result(project: Project, out_dir: Path, timer: _StageTimer, *, reused: bool) -> BuildResult:
    return BuildResult(out_dir=out_dir, build_dir=project.build_dir, pages=project.pages,
                       downloads=project.downloads, warnings=project.warnings, reused=reused,
                       stage_seconds=tuple(timer.seconds))


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    partial.replace(path)
