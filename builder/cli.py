"""The ``carbon-site`` command: Click only. Each command parses, makes one call, prints
and exits 0 (clean), 1 (data or config problems) or 2 (usage). One decorator maps the
library's exceptions to messages and exit codes; anything it does not know is a bug
of ours and says so without a traceback (``-v`` shows it).
"""
from __future__ import annotations

import functools
import os
import signal
import sys
from dataclasses import asdict
from pathlib import Path

import click

from builder import __version__
from builder.problems import DataInvalid, format_json, format_text, json_text, printable

DEBUG_ENV = "CARBON_SITE_DEBUG"  # =1 shows the traceback of an internal error, like -v
VERBOSE = "carbon_site.verbose"  # key in ctx.meta, shared by the group and its commands
CANCELLED = "构建已取消，原网站未改动"


class ChineseUsageError(click.UsageError):
    """A usage error (exit 2) shown as one Chinese message plus where to find help."""

    def show(self, file=None) -> None:
        command = self.ctx.command_path if self.ctx else "carbon-site"
        click.echo(f"用法错误：{printable(self.format_message(), keep_newlines=True)}\n运行“{command} -h”查看用法。",
                   err=True)


def usage(message: str) -> None:
    """Stop with a usage error (exit 2)."""
    raise ChineseUsageError(message, click.get_current_context(silent=True))


# --- options shared by commands --------------------------------------------------------------------
def remember_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Note -v in ctx.meta so the group shows tracebacks."""
    if value:
        ctx.meta[VERBOSE] = True


def verbose_option(f):
    """-v/--verbose: on an internal error, show the full traceback for the maintainers."""
    return click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=remember_verbose,
                        help="出现内部错误时显示完整调用栈 / show the traceback of an internal error")(f)


def project_options(f):
    """--config and --data: which project and which data root."""
    f = click.option("--data", "data_dir", default=None, type=click.Path(path_type=Path),
                     help="数据目录（默认取配置文件的 site.data，没有配置时为 datapackages） / data root")(f)
    return click.option("--config", "config_path", default=None, type=click.Path(path_type=Path),
                        help="网站配置文件（默认为当前目录的 carbon-site.toml） / site config file")(f)


def format_option(f):
    return click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="输出格式：text 给人看，json 给程序 / output format")(f)


def build_dir_option(f):
    return click.option("--build-dir", "build_dir", default=None, type=click.Path(path_type=Path),
                        help="生成的 MkDocs 项目写到这里（默认取配置的 build.dir） / where the generated project goes")(f)


# --- the one place exceptions become messages and exit codes -----------------------------------------
def reports_errors(command: str):
    """Map what the library raises to a message and an exit code: data 1, usage 2, cancelled 130."""
    from builder.build import BuildFailed, PathConflict, UnknownArea
    from builder.scaffold import ProjectExists

    def decorate(f):
        @functools.wraps(f)
        def run(*args, **kwargs):
            try:
                return f(*args, **kwargs)
            except DataInvalid as error:
                click.echo(format_text(error.problems, command), err=True)
                if command == "build":
                    click.echo(CANCELLED, err=True)
                sys.exit(1)
            except PathConflict as error:
                usage("\n".join(error.messages))
            except (UnknownArea, ProjectExists) as error:
                usage(_usage_message(error))
            except BuildFailed as error:
                lines = [f"{'构建' if command == 'build' else '预览'}失败：{error.message}",
                         *(f"    {d}" for d in error.details)]
                click.echo(printable("\n".join(lines), keep_newlines=True), err=True)
                if command == "build":
                    click.echo(CANCELLED, err=True)
                sys.exit(1)
            except KeyboardInterrupt:
                click.echo(CANCELLED if command == "build" else "已停止", err=True)
                sys.exit(130)
            except OSError as error:
                where = f"{error.filename}：" if error.filename else ""
                click.echo(printable(f"{command} 失败：无法读写 {where}{error.strerror or error}"), err=True)
                if command == "build":
                    click.echo(CANCELLED, err=True)
                sys.exit(1)
        return run
    return decorate


def _usage_message(error: Exception) -> str:
    from builder.scaffold import ProjectExists

    if isinstance(error, ProjectExists):
        return f"目录“{error}”已存在且不是空目录。请指定一个新目录（init 不会覆盖已有文件）"
    return f"{error}"


def internal_error_message(error: BaseException, command: str) -> str:
    """What a maintainer sees instead of a traceback: it is our bug, not their data."""
    detail = printable(f"{type(error).__name__}: {error}".strip())
    return (f"内部错误（internal-error）：carbon-site 自身出了问题，这不是数据错误。请把以下信息报告给维护者：\n"
            f"    carbon-site {__version__} {command}：{detail}\n"
            f"（加 -v 或设置环境变量 {DEBUG_ENV}=1 可显示完整的调用栈）")


class CarbonSiteGroup(click.Group):
    """Runs the commands; an exception nobody anticipated becomes a short internal-error message and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as error:
            if ctx.meta.get(VERBOSE) or os.environ.get(DEBUG_ENV) == "1":
                raise
            click.echo(internal_error_message(error, ctx.invoked_subcommand or ""), err=True)
            ctx.exit(1)


# --- the project a command works on --------------------------------------------------------------------
def load_project(config_path: Path | None, *, required: bool):
    """The site config (checked), from --config or ./carbon-site.toml; a default one when none is needed."""
    from builder.config import CONFIG_NAME, default_config, find_config, load_config

    path = config_path or find_config(Path.cwd())
    if path is None:
        if required:
            usage(f"当前目录没有网站配置文件 {CONFIG_NAME}。请在项目目录中运行，或用 --config 指定配置文件；"
                  "新建项目请运行 carbon-site init 目录名")
        return default_config(Path.cwd()), []
    if not path.is_file():
        usage(f"配置文件“{path}”不存在或不是文件")
    config, problems = load_config(path, display=str(path) if config_path else path.name)
    if config is None:
        raise DataInvalid(problems)
    return config, problems


def data_dir_of(config, data_dir: Path | None) -> Path:
    """--data, else the config's data root (relative to the project)."""
    from builder.config import resolve

    chosen = data_dir if data_dir is not None else resolve(config, config.data)
    if not chosen.is_dir():
        usage(f"数据目录“{chosen}”不存在或不是目录。用 --data 或配置文件的 site.data 指定包含各数据包子目录的目录")
    return chosen


def stage_printer(quiet: bool):
    """An on_stage callback printing "[n/N] stage…" on a terminal; None when quiet or not a TTY."""
    from builder.build import STAGES

    if quiet or not sys.stderr.isatty():
        return None
    numbers = {key: (n, label) for n, (key, label) in enumerate(STAGES, start=1)}

    def show(stage: str) -> None:
        n, label = numbers[stage]
        click.echo(f"[{n}/{len(STAGES)}] {label}…", err=True)

    return show


def stop_on_sigterm() -> None:
    """SIGTERM stops a command the way Ctrl+C does, so a build cleans up after itself."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (e.g. inside a test runner's worker)
        pass


# --- commands ------------------------------------------------------------------------------------------
@click.group(cls=CarbonSiteGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="carbon-site")
@verbose_option
def main():
    """碳达峰实施方案公开数据：校验数据包并生成网站。

    Validate carbon-peak plan data packages and build their public-disclosure site.

    \b
    Example:
        carbon-site init my-site && cd my-site && carbon-site build
    """
    stop_on_sigterm()


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--plan-id", default="plan", show_default=True,
              help="第一个规划的 plan_id（小写字母、数字和连字符） / plan_id of the first plan")
@click.option("--title", default="碳达峰实施方案（待填写）", show_default=True, help="规划标题 / plan title")
@click.option("--jurisdiction", default="（待填写）", show_default=True, help="适用行政区 / jurisdiction")
@click.option("--code", "jurisdiction_code", default="000000", show_default=True,
              help="六位行政区划代码，如 220700 / six-digit division code")
@click.option("--level", "jurisdiction_level", type=click.Choice(["state", "province", "city", "county"]),
              default="state", show_default=True, help="行政级别 / jurisdiction level")
@click.option("--maintainer", default="", help="维护本网站的单位 / who maintains the site")
@verbose_option
@reports_errors("init")
def init(directory: Path, plan_id: str, title: str, jurisdiction: str, jurisdiction_code: str,
         jurisdiction_level: str, maintainer: str):
    """新建一个网站项目：配置文件、空的规划数据包和公开数值数据包。

    Create a new site project: its config file, an empty plan package and an empty
    published-values package, and a README saying what to fill in.

    \b
    Example:
        carbon-site init baicheng --plan-id baicheng-carbon-peak --code 220800 --level city
    """
    import re

    from builder.scaffold import NewPlan, init_project

    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", plan_id):
        usage(f"--plan-id“{plan_id}”只能由小写字母、数字和连字符组成，例如 baicheng-carbon-peak")
    if not re.fullmatch(r"[0-9]{6}", jurisdiction_code):
        usage(f"--code“{jurisdiction_code}”应为六位数字的行政区划代码，例如 220800")
    written = init_project(directory, NewPlan(plan_id, title, jurisdiction, jurisdiction_code, jurisdiction_level),
                           maintainer)
    click.echo(printable(f"已新建项目 {directory}（{len(written)} 个文件）。下一步：cd {directory}，按 README.md 填写数据，"
                         "然后运行 carbon-site build"), err=True)


@main.command()
@project_options
@format_option
@verbose_option
@reports_errors("validate")
def validate(config_path: Path | None, data_dir: Path | None, output_format: str):
    """校验配置和数据包（类型、约束、主键外键及本项目规则）。

    Validate the site config and the data packages: types, constraints, keys and the
    project's own rules. Exit 0 when clean, 1 when there are errors, 2 for usage errors.

    \b
    Example:
        carbon-site validate --format json
    """
    from builder.build import validate as run_validation

    try:
        config, config_problems = load_project(config_path, required=False)
    except DataInvalid as error:  # the config itself: reported in the format asked for
        click.echo(format_json(error.problems) if output_format == "json" else format_text(error.problems))
        sys.exit(1)
    _, problems = run_validation(config, data_dir_of(config, data_dir))
    problems = config_problems + problems
    click.echo(format_json(problems) if output_format == "json" else format_text(problems))
    sys.exit(1 if any(p.is_error for p in problems) else 0)


@main.command()
@project_options
@click.option("--out", "out_dir", default=None, type=click.Path(path_type=Path),
              help="网站输出目录（默认取配置的 build.out），构建成功后才整体替换 / site directory")
@build_dir_option
@click.option("-q", "--quiet", is_flag=True, help="不显示进度和摘要 / no progress or summary")
@verbose_option
@reports_errors("build")
def build(config_path: Path | None, data_dir: Path | None, out_dir: Path | None, build_dir: Path | None, quiet: bool):
    """校验数据并生成网站；出错或中断时原网站保持不变。

    Validate the data and build the site into --out; on any error or interruption the
    previous site is left untouched.

    \b
    Example:
        carbon-site build --out site
    """
    from builder.build import build_site
    from builder.config import resolve

    config, config_problems = load_project(config_path, required=True)
    out = out_dir if out_dir is not None else resolve(config, config.out)
    work = build_dir if build_dir is not None else resolve(config, config.build_dir)
    result = build_site(config, data_dir_of(config, data_dir), out, work, on_stage=stage_printer(quiet))
    warnings = config_problems + list(result.warnings)
    if warnings:
        click.echo(format_text(warnings, "build"), err=True)
    if result.history_error:
        click.echo(printable(f"警告：网站已生成，但数据发布记录没能写入（{result.history_error}）；"
                             "请检查该文件的写入权限，下一次构建会补记这次发布"), err=True)
    if not quiet:
        unchanged = "（内容未变，沿用现有网站）" if result.reused else ""
        click.echo(printable(f"网站已生成：{out}（{result.pages} 个页面，{result.downloads} 个下载文件）{unchanged}"), err=True)
        click.echo(printable(release_report(result), keep_newlines=True), err=True)


def release_report(result) -> str:
    """What the build published: the data release, and what changed since the one before."""
    from builder.text import zh

    release = result.release
    if not result.new_release:
        return f"数据版本 {release.version}：数据与上次发布相同，没有新的发布。"
    lines = [f"新的数据版本 {release.version}（数据哈希 {release.short_hash}）：{zh.release_summary(release)}"]
    if not release.first:
        lines += [f"    {zh.value_change_line(v, f'{v.plan_id}/{v.indicator_id}', '')}" for v in release.values]
        lines += [f"    {zh.status_change_line(s, s.indicator_id)}" for s in release.statuses
                  if s.old is not None and s.new is not None]
        lines += [f"    {zh.target_edit_line(t, t.target_id)}" for t in release.targets]
    lines.append("    数据发布记录已写入数据目录的 releases.json，请随数据一起提交。")
    return "\n".join(lines)


@main.command()
@project_options
@build_dir_option
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="预览端口，只监听 127.0.0.1 / port on 127.0.0.1")
@verbose_option
@reports_errors("serve")
def serve(config_path: Path | None, data_dir: Path | None, build_dir: Path | None, port: int):
    """本地预览网站；数据或项目文件改动后自动重新生成。

    Preview the site on 127.0.0.1, regenerating it when the data or the project's files change.

    \b
    Example:
        carbon-site serve --port 8000
    """
    from builder.build import serve_site
    from builder.config import resolve

    config, _ = load_project(config_path, required=True)
    work = build_dir if build_dir is not None else resolve(config, config.build_dir)
    try:
        serve_site(config, data_dir_of(config, data_dir), work, port=port,
                   on_event=lambda message: click.echo(printable(message, keep_newlines=True), err=True))
    except OSError as error:
        click.echo(printable(f"预览失败：{error.strerror or error}（端口 {port} 可能已被占用，可用 --port 换一个）"), err=True)
        sys.exit(1)


@main.command()
@project_options
@click.option("--plan", "plan_id", default=None, help="只看某个规划（plan_id） / only this plan")
@click.option("--area", "area_id", type=int, help="只看该规划的某个行动领域（编号） / only this action area")
@format_option
@verbose_option
@reports_errors("status")
def status(config_path: Path | None, data_dir: Path | None, plan_id: str | None, area_id: int | None,
           output_format: str):
    """列出目标及其最新公开数值和进展状态。

    List targets with their latest published value and status.

    \b
    Example:
        carbon-site status --area 3
    """
    from builder.build import status_records

    config, _ = load_project(config_path, required=False)
    records = status_records(config, data_dir_of(config, data_dir), plan_id=plan_id, area_id=area_id)
    if output_format == "json":
        click.echo(json_text([asdict(r) for r in records]))
    else:
        click.echo(status_table(records))


def status_table(records) -> str:
    """Targets as an aligned terminal table (CJK characters count two columns), control characters escaped."""
    header = ("规划", "目标", "指标", "目标值", "最新数值", "状态")
    lines = [header]
    for r in records:
        lines.append(tuple(printable(cell) for cell in
                           (r.plan_id, r.target_id, r.indicator_name_zh, r.target_zh, r.latest_zh, r.status_zh)))
    widths = [max(display_width(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell + " " * (width - display_width(cell)) for cell, width in zip(line, widths)).rstrip()
            for line in lines]
    text.insert(1, "  ".join("-" * width for width in widths))
    text.append(f"共 {len(records)} 个目标")
    return "\n".join(text)


def display_width(text: str) -> int:
    """Terminal columns: wide and full-width characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@main.command()
@project_options
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path),
              help="工作簿写到这里（.xlsx） / where the workbook goes")
@click.option("--force", is_flag=True, help="覆盖已有的同名文件 / overwrite an existing file")
@verbose_option
@reports_errors("template")
def template(config_path: Path | None, data_dir: Path | None, out_path: Path, force: bool):
    """生成填报工作簿：列出每个规划的每个指标，供在 Excel 或 WPS 中填写新的公开数值及其来源。

    Write a data-entry workbook (.xlsx) listing every indicator of every plan, with columns
    to fill in newly published values, a sheet for their sources and a read-me. Fill it in
    Excel or WPS, then run carbon-site import.

    \b
    Example:
        carbon-site template --out 填报.xlsx
    """
    from builder.workbook import write_template

    if out_path.suffix.lower() != ".xlsx":
        usage(f"--out“{out_path}”应以 .xlsx 结尾，例如 填报.xlsx")
    if out_path.is_dir():
        usage(f"--out“{out_path}”是一个目录，请给出文件名，例如 {out_path / '填报.xlsx'}")
    if out_path.exists() and not force:
        usage(f"“{out_path}”已存在。为免覆盖填写过的工作簿，请换一个文件名，或加 --force 覆盖")
    if not out_path.parent.is_dir():
        usage(f"目录“{out_path.parent}”不存在")
    config, _ = load_project(config_path, required=False)
    result = write_template(config, data_dir_of(config, data_dir), out_path)
    click.echo(printable(f"已生成填报工作簿 {out_path}（{result.indicators} 个指标，{result.sources} 个已有来源）。"
                         f"在 Excel 或 WPS 中填写后运行：carbon-site import {out_path}"), err=True)


@main.command(name="import")
@click.argument("workbook", type=click.Path(path_type=Path))
@project_options
@click.option("--apply", "apply_changes", is_flag=True,
              help="检查无误后写入 observations.csv 和 sources.csv（不加时只检查并列出改动） / write the CSVs")
@verbose_option
@reports_errors("import")
def import_command(workbook: Path, config_path: Path | None, data_dir: Path | None, apply_changes: bool):
    """导入填好的工作簿：按 validate 的规则检查，列出将要写入的改动；加 --apply 才写入。

    Read a filled data-entry workbook, check the data with its rows added (the same rules
    as validate, each problem naming the sheet, row and column) and list the changes:
    indicator, year, old value → new value, source. Only with --apply are the CSVs
    written, all or none. Exit 0 when clean, 1 when there are errors, 2 for usage errors.

    \b
    Example:
        carbon-site import 填报.xlsx
        carbon-site import 填报.xlsx --apply
    """
    from builder.workbook import describe_import, import_workbook

    if not workbook.is_file():
        usage(f"工作簿“{workbook}”不存在或不是文件")
    config, config_problems = load_project(config_path, required=False)
    result = import_workbook(config, data_dir_of(config, data_dir), workbook, display=str(workbook),
                             apply=apply_changes)
    warnings = config_problems + list(result.warnings)
    if warnings:
        click.echo(format_text(warnings, "import"), err=True)
    click.echo(printable(describe_import(result), keep_newlines=True))
