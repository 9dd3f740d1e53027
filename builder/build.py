"""Build a site, stage by stage, and swap it into place only when complete.

validate → progress → charts → pages → downloads → the generated project in the build
directory → the generator into a staging directory beside --out → swap.

Reads like the stages it runs; each stage is a call into the module that owns it. The
build holds a lock on --out for its whole run, clears the staging debris of builds that
were killed, replaces --out only when it is empty or a site this tool built, and on any
failure (or Ctrl+C, or SIGTERM) removes its staging directory and leaves the previous
site untouched. Nothing is written into the data or the project's own files.
"""
from __future__ import annotations

import fcntl
import gc
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from builder import cache, clock, progress, releases
from builder.checks import validate_data_root
from builder.load import display_prefix
from builder.config import SiteConfig, check_against_data, key_line, redirect_problem, resolve
from builder.generators import mkdocs as generator
from builder.model import DataRoot
from builder.problems import DataInvalid, Problem, problem
from builder.rows import TargetRecord, target_records
from builder.site import changelog, contexts, downloads, pages, share
from builder.site.render import make_environment, render
from builder.site.urls import CHANGELOG, CODES, DICTIONARY, DOWNLOADS, FEED, Urls, page_url

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

BUILD_MARKER = ".carbon-site-build"  # marks a build directory this tool generated and may clear
SITE_MARKER = ".carbon-site"  # marks a published site this tool built and may replace
STAGING_MARKER = ".carbon-site-staging"  # marks a staging directory of a build in progress
PACKAGE_DOCS = Path(__file__).resolve().parent / "site" / "docs"


class BuildFailed(Exception):
    """The site could not be built (not a data problem); the previous site is untouched."""

    def __init__(self, message: str, details: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.details = details


class PathConflict(Exception):
    """The requested directories would overwrite sources, each other, or files that are not ours."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class UnknownArea(ValueError):
    """--plan or --area names no plan or action area."""


@dataclass(frozen=True)
class Project:
    """The generated project in build_dir, ready for the generator."""

    build_dir: Path
    config_file: Path
    digest: str  # sha256 over every project file and the tools that turn it into a site
    epoch: int  # the date the generator stamps into sitemap.xml
    pages: int  # Markdown pages
    downloads: int  # files under docs/downloads/
    warnings: tuple[Problem, ...]  # data warnings found while validating
    release: releases.Release  # the data release the site shows
    history: releases.History  # the release history including it
    new_release: bool  # whether this build records a new release


@dataclass(frozen=True)
class BuildResult:
    """What build_site produced."""

    out_dir: Path
    build_dir: Path
    pages: int
    downloads: int
    warnings: tuple[Problem, ...]
    reused: bool  # True when the generator was skipped: the project and the site were unchanged
    stage_seconds: tuple[tuple[str, float], ...]  # wall time per stage, in order
    release: releases.Release  # the data release the site shows
    new_release: bool  # whether this build recorded it
    history_error: str | None = None  # why the release could not be recorded (the site was published)


# ---------------------------------------------------------------------------------------------------
# The build, top to bottom
# ---------------------------------------------------------------------------------------------------

def build_site(config: SiteConfig, data_dir: Path, out_dir: Path, build_dir: Path, *,
               on_stage: Callable[[str], None] | None = None, generator_command: str = "mkdocs") -> BuildResult:
    """Validate, render, run the generator into a staging directory and swap it into out_dir."""
    conflicts = check_paths(config, data_dir, out_dir, build_dir)
    if conflicts:
        raise PathConflict(conflicts)
    timer = _StageTimer(on_stage)
    with out_lock(out_dir):
        clear_stale_staging(out_dir)
        previous = cache.read_last_build(build_dir)
        project = _generate(config, data_dir, build_dir, timer)

        timer.start("mkdocs")
        if cache.site_is_current(previous, project.digest, out_dir):
            timer.start("publish")
            timer.stop()
            return _result(project, out_dir, timer, reused=True)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        # The generator writes into staging/site; the marker sits beside it, not inside, because
        # MkDocs empties its output directory first (a marker inside would be gone while it runs,
        # and a build killed then would leave a directory nobody could prove was ours).
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
        try:
            (staging / STAGING_MARKER).write_text(f"{os.getpid()}\n", encoding="utf-8")
            new_site = staging / "site"
            new_site.mkdir()
            try:
                generator.build(project.config_file, new_site, project.epoch, command=generator_command)
            except generator.GeneratorFailed as error:
                raise BuildFailed(error.message, error.details) from None
            timer.start("publish")
            (new_site / SITE_MARKER).write_text("carbon-site 生成的网站；重新构建时会整个替换。\n", encoding="utf-8")
            site_digest = cache.tree_digest(new_site)
            new_site.chmod(0o755)
            swap_into_place(new_site, out_dir)
            shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        cache.write_last_build(build_dir, project.digest, out_dir, site_digest)
        history_error = None
        if project.new_release:
            try:
                cache.write_atomically(data_dir / releases.HISTORY_FILE, releases.history_bytes(project.history))
            except OSError as error:  # the site is published; the release is recorded by the next build
                history_error = f"{data_dir / releases.HISTORY_FILE}：{error.strerror or error}"
        timer.stop()
        return replace(_result(project, out_dir, timer, reused=False), history_error=history_error)


def generate_project(config: SiteConfig, data_dir: Path, build_dir: Path, *,
                     on_stage: Callable[[str], None] | None = None) -> Project:
    """Write the generated project (build_dir/mkdocs.yml and build_dir/docs/) for the data."""
    conflicts = check_paths(config, data_dir, None, build_dir)
    if conflicts:
        raise PathConflict(conflicts)
    return _generate(config, data_dir, build_dir, _StageTimer(on_stage))


def validate(config: SiteConfig, data_dir: Path) -> tuple[DataRoot | None, list[Problem]]:
    """The data and every problem with it, including the config's references into it.

    Dates in the data are checked against the real date today (a source cannot be read in the
    future); that only ever lets more data pass as time goes on, never less.
    """
    result = validate_data_root(data_dir, date.today())
    problems = list(result.problems)
    if result.data is not None and config.file is not None:
        problems += check_against_data(config, [p.plan_id for p in result.data.plans])
    return result.data, problems


def _generate(config: SiteConfig, data_dir: Path, build_dir: Path, timer: _StageTimer) -> Project:
    timer.start("validate")
    data, problems = validate(config, data_dir)
    if data is None or any(p.is_error for p in problems):
        raise DataInvalid(problems)
    # The data model lives through the whole build: without this, every full collection during
    # the later stages walks it all again (~0.2 s at 1,000 indicators).
    gc.freeze()
    try:
        warnings = tuple(p for p in problems if not p.is_error)
        return _render_project(config, data, data_dir, warnings, build_dir, timer)
    finally:
        gc.unfreeze()


def _render_project(config: SiteConfig, data: DataRoot, data_dir: Path, warnings: tuple[Problem, ...],
                    build_dir: Path, timer: _StageTimer) -> Project:
    """Every stage after validation, through the generated project written into build_dir."""
    epoch_env = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        as_of = clock.as_of(data, epoch_env)
        stamp = clock.stamp(data, epoch_env)
    except clock.BadEpoch:
        raise BuildFailed(f"环境变量 SOURCE_DATE_EPOCH={epoch_env!r} 不是整数秒数；请删除它或设为例如 1735689600") from None
    urls = Urls(None if config.portal else config.home)

    timer.start("progress")
    assessments = progress.assess_all(data, as_of.year)
    try:
        history = releases.read_history(data_dir / releases.HISTORY_FILE)
    except releases.HistoryUnreadable as error:
        raise DataInvalid([problem("releases-invalid", f"无法读取数据发布记录：{error}",
                                   file=f"{display_prefix(data_dir) or data_dir}/{releases.HISTORY_FILE}")]) from None
    history, release, new_release = releases.next_release(history, data, assessments, as_of)

    timer.start("charts")
    chart_views = cached_chart_views(data, assessments, build_dir)

    timer.start("pages")
    site = pages.SiteModel(data, assessments, urls, chart_views)
    info = site_info(config, data, urls, as_of, release)
    env = make_environment([resolve(config, config.overrides) / "templates"], site=info)
    rendered = pages.render_pages(site, env, portal=config.portal)
    changes = changelog.changelog_page(history.releases, data)
    rendered[CHANGELOG] = render(env, "changelog.md.j2", changes)

    timer.start("downloads")
    files = downloads.download_files(data, assessments, urls, stamp, release.version)
    generated = {f.path: f.content for f in files}
    generated["downloads/SHA256SUMS.txt"] = downloads.checksums(files)
    generated[FEED] = changelog.atom_feed(info.title, changes.releases, changelog.site_id(info.title),
                                          page_url(CHANGELOG))
    images: dict[str, dict] = {}
    for plan in data.plans:
        for indicator in plan.indicators:
            view = site.chart(plan, indicator)
            if view.spec_json is None:
                continue
            card = site.share(plan, indicator)
            generated[card.embed_path] = share.embed_page(view, card, info.title)
            if config.chart_images:
                images[card.image_path] = share.image_spec(view.spec_json, card, info.title)
    generated.update(cache.cached_images(build_dir, images, share.render_png))
    listing = downloads.downloads_page(data, files, config.maintainer, release.version, release.data_hash)
    rendered[DOWNLOADS] = render(env, "downloads.md.j2", listing)
    rendered[DICTIONARY] = render(env, "dictionary.md.j2", replace(listing, page_path=DICTIONARY))

    timer.start("project")
    docs = static_files(config)
    generated.update({p: t.encode("utf-8") for p, t in rendered.items()})
    generated["assets/vega/vega-bundle.js"] = cache.vega_bundle(build_dir)
    clashes = sorted(p for p in generated if p in docs.project)
    if clashes:
        raise BuildFailed("项目 docs 目录中的文件与生成的页面或下载文件同名，无法决定用哪一个；"
                          "要改动生成的页面，请在 templates 中覆盖它的模板",
                          tuple(f"{config.overrides.as_posix()}/docs/{p}" for p in clashes))
    all_docs = {**docs.merged, **generated}
    redirects, aliases = resolve_redirects(config, all_docs)
    all_docs.update(aliases)
    spec = generator.SiteSpec(
        title=config.title or "碳达峰实施方案公开数据", description=config.description,
        nav=site_nav(data, urls, config.portal), hidden=("plans/", DICTIONARY, CODES), redirects=redirects,
        footer_html=footer_html(info), settings=project_settings(config), settings_root=config.root)
    try:
        project_files = generator.project_files(spec, build_dir)
    except generator.SettingsInvalid as error:
        raise DataInvalid([problem("config-value", reason, file=_settings_display(config), field="mkdocs")
                           for reason in error.reasons]) from None
    files_out = {f"docs/{path}": content for path, content in sorted(all_docs.items())}
    files_out.update(project_files)
    generator.write_project(build_dir, files_out, keep=frozenset({BUILD_MARKER, cache.CACHE_DIR}))
    (build_dir / BUILD_MARKER).write_text("carbon-site 生成的目录，可以整个删除。\n", encoding="utf-8")
    timer.stop()
    return Project(build_dir=build_dir, config_file=build_dir / "mkdocs.yml",
                   digest=cache.project_digest(files_out, stamp), epoch=stamp, pages=len(rendered),
                   downloads=len(files) + 1, warnings=warnings, release=release, history=history,
                   new_release=new_release)


def cached_chart_views(data: DataRoot, assessments, build_dir: Path) -> dict:
    """Every indicator's ChartView, from the chart cache where the same inputs were charted before."""
    def from_entry(entry, key):
        try:
            if entry["key"] != key:
                return None
            spec_json = entry["spec_json"]
            if not (spec_json is None or isinstance(spec_json, str)):
                return None
            return contexts.ChartView(str(entry["indicator_id"]), str(entry["name_zh"]), spec_json,
                                      str(entry["summary_zh"]), str(entry["path_zh"]),
                                      tuple(contexts.ChartRow(*map(str, row)) for row in entry["rows"]))
        except (KeyError, TypeError, ValueError):
            return None  # absent or damaged: computed again

    def to_entry(key, view):
        return {"key": key, "indicator_id": view.indicator_id, "name_zh": view.name_zh, "spec_json": view.spec_json,
                "summary_zh": view.summary_zh, "path_zh": view.path_zh,
                "rows": [[r.year, r.kind, r.value, r.note] for r in view.rows]}

    inputs = pages.chart_inputs(data, assessments)
    views = cache.cached(build_dir, inputs, lambda i: pages.chart_view(*i), to_entry, from_entry)
    # an entry is used only for the very indicator it was made for
    return {k: v for k, v in views.items() if v.indicator_id == k[1]}


# ---------------------------------------------------------------------------------------------------
# The site's parts that are neither pages nor downloads
# ---------------------------------------------------------------------------------------------------

def site_info(config: SiteConfig, data: DataRoot, urls: Urls, as_of, release: releases.Release) -> contexts.SiteInfo:
    contact = contexts.Contact(config.contact.name, config.contact.email, config.contact.phone, config.contact.url)
    plans = tuple(contexts.NavLink(f"{p.plan.jurisdiction_zh}：{p.plan.title_zh}", urls.plan_home(p.plan_id))
                  for p in data.plans)
    return contexts.SiteInfo(config.title or "碳达峰实施方案公开数据", config.description, config.maintainer, contact,
                             config.portal, plans, as_of.isoformat(), release.version, CHANGELOG,
                             config.chart_images)


def footer_html(info: contexts.SiteInfo) -> str:
    """The line at the foot of every page: where to report an error, and the date the data is as of (escaped)."""
    from html import escape

    contact = info.contact
    parts = []
    if contact.given:
        ways = []
        if contact.email:
            ways.append(f'<a href="mailto:{escape(contact.email)}">{escape(contact.email)}</a>')
        if contact.phone:
            ways.append(f'电话 <a href="tel:{escape(contact.phone.replace(" ", ""))}">{escape(contact.phone)}</a>')
        if contact.url:
            ways.append(f'<a href="{escape(contact.url)}">纠错留言</a>')
        who = f"（{escape(contact.name)}）" if contact.name else ""
        parts.append(f"发现错误请告诉我们{who}：{'，'.join(ways)}")
    else:
        parts.append("本站尚未提供纠错联系方式")
    parts.append(f"数据截至 {escape(info.data_as_of)}（数据版本 {escape(info.release)}）")
    return " · ".join(parts)


def site_nav(data: DataRoot, urls: Urls, portal: bool) -> tuple[generator.NavItem, ...]:
    """The nav: the home plan's own pages (or every plan on a portal), then the site's pages."""
    nav = generator.NavItem
    items = [nav("首页", "index.md")]
    home = None if portal else data.plan(urls.home_plan)
    if home is not None:
        p = home.plan_id
        items += [nav("行动领域", urls.areas_index(p)), nav("责任单位", urls.departments_index(p)),
                  nav("规划原文", urls.plan_text(p))]
        if data.children(home):
            items.append(nav("下级规划对照", urls.compare(p)))
    others = [plan for plan in data.plans if plan is not home]
    if others:
        children = []
        for plan in others:
            children.append(nav(f"{plan.plan.jurisdiction_zh}：{plan.plan.title_zh}", urls.plan_home(plan.plan_id)))
            if data.children(plan):
                children.append(nav(f"{plan.plan.jurisdiction_zh}与下级规划对照", urls.compare(plan.plan_id)))
        items.append(nav("各地规划" if portal else "相关规划", children=tuple(children)))
    items += [nav("数据下载", DOWNLOADS), nav("方法说明", "methodology.md"), nav("更新记录", CHANGELOG),
              nav("关于", "about.md")]
    return tuple(items)


@dataclass(frozen=True)
class _Docs:
    merged: dict[str, bytes]  # the package's static files with the project's over them
    project: dict[str, bytes]  # the project's own static files


def static_files(config: SiteConfig) -> _Docs:
    """The static files (CSS, JS, images, hand-written pages): the package's, with the project's of the same name over them."""
    def read(root: Path) -> dict[str, bytes]:
        if not root.is_dir():
            return {}
        return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*"))
                if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts)}

    project = read(resolve(config, config.overrides) / "docs")
    merged = {path: compact(path, content) for path, content in {**read(PACKAGE_DOCS), **project}.items()}
    return _Docs(merged, project)


def compact(path: str, content: bytes) -> bytes:
    """A stylesheet or script without its comments and layout (rcssmin, rjsmin): fewer bytes for every reader."""
    if path.endswith(".min.js") or path.endswith(".min.css"):
        return content
    if path.endswith(".js"):
        import rjsmin

        return rjsmin.jsmin(content.decode("utf-8")).encode("utf-8")
    if path.endswith(".css"):
        import rcssmin

        return rcssmin.cssmin(content.decode("utf-8")).encode("utf-8")
    return content


def project_settings(config: SiteConfig) -> dict:
    """The project's own MkDocs settings (site.mkdocs, else mkdocs.yml at the project root when present)."""
    path = resolve(config, config.mkdocs) if config.mkdocs else config.root / "mkdocs.yml"
    if config.mkdocs is None and not path.is_file():
        return {}
    try:
        return generator.read_settings(path)
    except generator.SettingsInvalid as error:
        raise DataInvalid([problem("config-value", reason, file=_settings_display(config), field="mkdocs")
                           for reason in error.reasons]) from None


def _settings_display(config: SiteConfig) -> str:
    return (config.mkdocs or Path("mkdocs.yml")).as_posix()


def resolve_redirects(config: SiteConfig, docs: dict[str, bytes]) -> tuple[dict[str, str], dict[str, bytes]]:
    """The config's redirects as the generator's page map, and copies of moved download files at their old paths.

    An old URL ending in "/" or ".html" is a page (a redirect page is written there); any other
    old URL is a file, served again at its old path. Every problem is reported, as config problems.
    """
    pages_map: dict[str, str] = {}
    aliases: dict[str, bytes] = {}
    problems = []
    for old, new in config.redirects:
        reason = redirect_problem(old, new)
        if reason is None and new not in docs:
            reason = f"新位置“{new}”在网站中不存在（页面写 .md 源文件路径，下载文件写 downloads/ 下的路径）"
        if reason is None and old.endswith("/"):
            old_page = f"{old}index.md"
        elif reason is None and old.endswith(".html"):
            old_page = f"{old[:-5]}.md"
        else:
            old_page = None
        if reason is None and old_page is not None and not new.endswith(".md"):
            reason = f"旧网址“{old}”是页面，新位置“{new}”却不是页面（.md）"
        if reason is None and old_page is None and new.endswith(".md"):
            reason = f"旧网址“{old}”是文件，新位置“{new}”却是页面；文件只能重定向到文件"
        if reason is None and (old_page or old) in docs:
            reason = f"旧网址“{old}”仍是网站中的页面或文件，不能再重定向"
        if reason is not None:
            problems.append(problem("config-redirect-invalid", reason, file=config.display,
                                    row=key_line(config, f"redirects.{old}"), field=f"redirects.{old}"))
        elif old_page is not None:
            pages_map[old_page] = new
        else:
            aliases[old] = docs[new]
    if problems:
        raise DataInvalid(problems)
    return pages_map, aliases


# ---------------------------------------------------------------------------------------------------
# Paths, the lock and the swap
# ---------------------------------------------------------------------------------------------------

def check_paths(config: SiteConfig, data_dir: Path, out_dir: Path | None, build_dir: Path) -> list[str]:
    """Reasons (Chinese) why these directories cannot be used together; empty when they can.

    out_dir is None when nothing will be published (serve, generate_project).
    """
    data, build = data_dir.resolve(), build_dir.resolve()
    sources = [("数据目录 --data", data), ("项目目录中的 site_src", resolve(config, config.overrides).resolve())]
    messages = []
    if out_dir is not None:
        out = out_dir.resolve()
        for name, path in sources:
            if _overlaps(out, path):
                messages.append(f"--out {out_dir} 与{name} {path} 重叠：构建会覆盖或删除源文件。请把网站输出到单独的目录，例如 site/")
        if _overlaps(out, build):
            messages.append(f"--out {out_dir} 与 --build-dir {build_dir} 重叠，请使用两个互不包含的目录")
        root = config.root.resolve()
        if out == root or out in root.parents:
            messages.append(f"--out {out_dir} 包含项目目录 {root}：替换网站时会删除整个项目。请换一个目录")
        if out.exists() and not out.is_dir():
            messages.append(f"--out {out_dir} 是一个文件，不是目录。请指定一个目录，例如 site/")
        elif out.is_dir() and any(out.iterdir()) and not (out / SITE_MARKER).is_file():
            messages.append(f"--out {out_dir} 已存在且不是空目录，但不是本工具生成的网站（没有 {SITE_MARKER} 标记），"
                            "构建会把它整个替换。为避免误删其中的文件，请指定新目录或空目录")
    for name, path in sources:
        if _overlaps(build, path):
            messages.append(f"--build-dir {build_dir} 与{name} {path} 重叠：生成的文件会写进源文件。请换一个目录，例如 build/")
    if build.exists() and not build.is_dir():
        messages.append(f"--build-dir {build_dir} 是一个文件，不是目录")
    elif build.is_dir() and any(build.iterdir()) and not (build / BUILD_MARKER).is_file():
        messages.append(f"--build-dir {build_dir} 已存在，但不是本工具生成的目录（没有 {BUILD_MARKER}）。"
                        "为避免误删其中的文件，请指定新目录或空目录")
    return messages


def _overlaps(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


@contextmanager
def out_lock(out_dir: Path) -> Iterator[None]:
    """Hold the lock on out_dir for a build; a second build for the same --out stops with a clear message."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    path = out_dir.parent / f".{out_dir.name}.carbon-site.lock"
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BuildFailed(f"另一个 carbon-site 构建正在写入 {out_dir}，请等它结束后再运行",
                              (f"锁文件：{path}（进程结束后自动释放，不需要手动删除）",)) from None
        yield
    finally:
        handle.close()


def clear_stale_staging(out_dir: Path) -> None:
    """Remove what killed builds for out_dir left beside it: staging and set-aside directories this tool made.

    Called with the lock held, so no other build for out_dir is running: every such directory
    is a leftover. Only directories named like ours and carrying one of our markers are removed.
    """
    for entry in out_dir.parent.glob(f".{out_dir.name}.*-*"):
        if not entry.is_dir() or entry.is_symlink():
            continue
        if entry.name.startswith(f".{out_dir.name}.old-") and (entry / SITE_MARKER).is_file():
            if not out_dir.exists():  # killed between moving the old site aside and the new one in
                entry.rename(out_dir)
            else:
                shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(f".{out_dir.name}.new-") and (entry / STAGING_MARKER).is_file():
            shutil.rmtree(entry, ignore_errors=True)


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


# ---------------------------------------------------------------------------------------------------
# Serve and status
# ---------------------------------------------------------------------------------------------------

def serve_site(config: SiteConfig, data_dir: Path, build_dir: Path, *, port: int,
               on_event: Callable[[str], None], poll_seconds: float = 1.0) -> None:
    """Preview on 127.0.0.1:port, regenerating the project whenever the data or the project's files change."""
    import threading

    from builder.problems import format_text

    project = generate_project(config, data_dir, build_dir)
    stop = threading.Event()
    watched = tuple(p for p in (data_dir, resolve(config, config.overrides), config.file, config.root / "mkdocs.yml")
                    if p is not None)

    def regenerate_on_change() -> None:
        seen = inputs_snapshot(watched)
        while not stop.wait(poll_seconds):
            now = inputs_snapshot(watched)
            if now == seen:
                continue
            seen = now
            try:
                generate_project(config, data_dir, build_dir)
                on_event("已重新生成页面")
            except DataInvalid as error:
                on_event(format_text(error.problems, "serve"))
            except (BuildFailed, OSError) as error:
                on_event(f"重新生成失败：{error}")

    watcher = threading.Thread(target=regenerate_on_change, name="carbon-site-watch", daemon=True)
    watcher.start()
    on_event(f"预览地址：http://127.0.0.1:{port}/  （按 Ctrl+C 停止）")
    try:
        generator.serve(project.config_file, port)
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
                info = path.stat()
            except OSError:
                continue
            if path.is_file():
                entries.append((str(path), info.st_size, info.st_mtime_ns))
    return tuple(entries)


def status_records(config: SiteConfig, data_dir: Path, *, plan_id: str | None = None,
                   area_id: int | None = None) -> list[TargetRecord]:
    """Every target (or those of one plan, or one of its action areas) with latest value and status."""
    data, problems = validate(config, data_dir)
    if data is None or any(p.is_error for p in problems):
        raise DataInvalid(problems)
    plan = None
    if plan_id is not None:
        plan = data.plan(plan_id)
        if plan is None:
            raise UnknownArea(f"没有 plan_id 为“{plan_id}”的规划；可用的：{'、'.join(p.plan_id for p in data.plans)}")
    elif area_id is not None:
        plan = data.plan(config.home) if not config.portal else (data.plans[0] if len(data.plans) == 1 else None)
        if plan is None:
            raise UnknownArea("数据中有多个规划，请用 --plan 指定 --area 属于哪个规划")
    if area_id is not None and plan.area(area_id) is None:
        areas = sorted(a.area_id for a in plan.areas)
        raise UnknownArea(f"规划 {plan.plan_id} 没有编号为 {area_id} 的行动领域；可用的编号：{'、'.join(map(str, areas)) or '无'}")
    assessments = progress.assess_all(data, clock.as_of(data, os.environ.get("SOURCE_DATE_EPOCH")).year)
    return target_records(data, assessments, plan=plan, area_id=area_id)


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------

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
                       stage_seconds=tuple(timer.seconds), release=project.release,
                       new_release=project.new_release and not reused)
