"""The ``carbon-site`` command: Click only. Each command parses, makes one call,
prints, and exits 0 (clean), 1 (data problems) or 2 (usage)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from builder import __version__
from builder.problems import format_json, format_text

DATA_DIR = "datapackages"
DEBUG_ENV = "CARBON_SITE_DEBUG"  # =1 shows the traceback of an internal error, like -v
VERBOSE = "carbon_site.verbose"  # key in ctx.meta, shared by the group and its commands


class ChineseUsageError(click.UsageError):
    """A usage error (exit 2) shown as one Chinese message plus where to find help."""

    def show(self, file=None) -> None:
        command = self.ctx.command_path if self.ctx else "carbon-site"
        click.echo(f"用法错误：{self.format_message()}\n运行“{command} -h”查看用法。", err=True)


def existing_data_dir(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """Refuse a --data directory that does not exist (a usage error, exit 2)."""
    if not value.is_dir():
        raise ChineseUsageError(f"数据目录“{value}”不存在或不是目录。用 --data 指定包含 songyuan-plan、"
                                f"jilin-plan、published-values 三个子目录的目录。", ctx)
    return value


def data_option(f):
    return click.option("--data", "data_dir", default=DATA_DIR, show_default=True, callback=existing_data_dir,
                        type=click.Path(file_okay=False, path_type=Path),
                        help="数据目录：每个数据包一个子目录 / data root, one folder per package")(f)


def remember_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Note -v in ctx.meta so the group shows tracebacks."""
    if value:
        ctx.meta[VERBOSE] = True


def verbose_option(f):
    """-v/--verbose: on an internal error, show the full traceback for the maintainers."""
    return click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=remember_verbose,
                        help="出现内部错误时显示完整调用栈 / show the traceback of an internal error")(f)


def internal_error_message(error: Exception, command: str) -> str:
    """What a maintainer sees instead of a traceback: it is our bug, not their data."""
    detail = f"{type(error).__name__}: {error}".strip()
    return (f"内部错误（internal-error）：carbon-site 自身出了问题，这不是数据错误。请把以下信息报告给维护者：\n"
            f"    carbon-site {__version__} {command}：{detail}\n"
            f"（加 -v 或设置环境变量 {DEBUG_ENV}=1 可显示完整的调用栈）")


class CarbonSiteGroup(click.Group):
    """Runs the commands; an exception nobody anticipated becomes a short internal-error message and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:
            if ctx.meta.get(VERBOSE) or os.environ.get(DEBUG_ENV) == "1":
                raise
            click.echo(internal_error_message(error, ctx.invoked_subcommand or ""), err=True)
            ctx.exit(1)


@click.group(cls=CarbonSiteGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="carbon-site")
@verbose_option
def main():
    """松原市碳达峰公开数据：校验数据包并生成网站。

    Validate the Songyuan carbon-peak data packages and build the public site.

    \b
    Example:
        carbon-site validate && carbon-site build
    """


@main.command()
@data_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="输出格式：text 给人看，json 给程序 / output format")
@verbose_option
def validate(data_dir: Path, output_format: str):
    """校验数据包（类型、约束、主键外键及本项目规则）。

    Validate the data packages: types, constraints, keys and the project's own rules.
    Exit 0 when clean, 1 when there are data errors, 2 for usage errors.

    \b
    Example:
        carbon-site validate --data datapackages --format json
    """
    from builder.checks import validate_data_root

    result = validate_data_root(data_dir)
    click.echo(format_json(result.problems) if output_format == "json" else format_text(result.problems))
    sys.exit(1 if result.has_errors else 0)


# ---------------------------------------------------------------- build, serve, status

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # holds mkdocs.yml and site_src/
SITE_SRC = PROJECT_ROOT / "site_src"
MKDOCS_YML = PROJECT_ROOT / "mkdocs.yml"
CANCELLED = "构建已取消，原网站未改动"


def build_dir_option(f):
    return click.option("--build-dir", "build_dir", default="build", show_default=True,
                        type=click.Path(file_okay=False, path_type=Path),
                        help="生成的 MkDocs 项目写到这里 / where the generated MkDocs project is written")(f)


def refuse(messages: list[str]) -> None:
    """Stop with a usage error (exit 2) saying why the options conflict."""
    raise ChineseUsageError("\n".join(messages), click.get_current_context())


def stage_printer(quiet: bool):
    """An on_stage callback printing "[n/N] stage…" on a terminal; None when quiet or not a TTY."""
    from builder.publish import STAGES

    if quiet or not sys.stderr.isatty():
        return None
    numbers = {key: (n, label) for n, (key, label) in enumerate(STAGES, start=1)}

    def show(stage: str) -> None:
        n, label = numbers[stage]
        click.echo(f"[{n}/{len(STAGES)}] {label}…", err=True)

    return show


@main.command()
@data_option
@click.option("--out", "out_dir", default="site", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="网站输出目录，构建成功后才整体替换 / site directory, replaced only when the build succeeds")
@build_dir_option
@click.option("-q", "--quiet", is_flag=True, help="不显示进度和摘要 / no progress or summary")
@verbose_option
def build(data_dir: Path, out_dir: Path, build_dir: Path, quiet: bool):
    """校验数据并生成网站；出错时原网站保持不变。

    Validate the data and build the site into --out; on any error the previous site is left untouched.

    \b
    Example:
        carbon-site build --data datapackages --out site
    """
    from builder.problems import DataInvalid
    from builder.publish import BuildFailed, PathConflict, build_site

    try:
        result = build_site(data_dir, out_dir, build_dir, site_src=SITE_SRC, mkdocs_yml=MKDOCS_YML,
                            on_stage=stage_printer(quiet))
    except PathConflict as error:
        refuse(error.messages)
    except DataInvalid as error:
        click.echo(format_text(error.problems, "build"), err=True)
        click.echo(CANCELLED, err=True)
        sys.exit(1)
    except BuildFailed as error:
        click.echo("\n".join([f"构建失败：{error.message}", *(f"    {d}" for d in error.details)]), err=True)
        click.echo(CANCELLED, err=True)
        sys.exit(1)
    except OSError as error:
        click.echo(f"构建失败：无法读写 {error.filename or ''}：{error.strerror or error}", err=True)
        click.echo(CANCELLED, err=True)
        sys.exit(1)
    if result.warnings:
        click.echo(format_text(list(result.warnings), "build"), err=True)
    if not quiet:
        unchanged = "（内容未变，沿用现有网站）" if result.reused else ""
        click.echo(f"网站已生成：{out_dir}（{result.pages} 个页面，{result.downloads} 个下载文件）{unchanged}",
                   err=True)


@main.command()
@data_option
@build_dir_option
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="预览端口，只监听 127.0.0.1 / port on 127.0.0.1")
@verbose_option
def serve(data_dir: Path, build_dir: Path, port: int):
    """本地预览网站；数据或 site_src 改动后自动重新生成。

    Preview the site on 127.0.0.1, regenerating it when the data or site_src change.

    \b
    Example:
        carbon-site serve --port 8000
    """
    from builder.problems import DataInvalid
    from builder.publish import BuildFailed, PathConflict, serve_site

    try:
        serve_site(data_dir, build_dir, site_src=SITE_SRC, mkdocs_yml=MKDOCS_YML, port=port,
                   on_event=lambda message: click.echo(message, err=True))
    except PathConflict as error:
        refuse(error.messages)
    except DataInvalid as error:
        click.echo(format_text(error.problems, "serve"), err=True)
        sys.exit(1)
    except BuildFailed as error:
        click.echo("\n".join([f"预览失败：{error.message}", *(f"    {d}" for d in error.details)]), err=True)
        sys.exit(1)
    except OSError as error:
        click.echo(f"预览失败：{error.strerror or error}（端口 {port} 可能已被占用，可用 --port 换一个）", err=True)
        sys.exit(1)


@main.command()
@data_option
@click.option("--area", "area_id", type=int, help="只看松原方案的某个行动领域（编号） / only this action area")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="输出格式：text 给人看，json 给程序 / output format")
@verbose_option
def status(data_dir: Path, area_id: int | None, output_format: str):
    """列出目标及其最新公开数值和进展状态。

    List targets with their latest published value and status.

    \b
    Example:
        carbon-site status --area 3
    """
    import json
    from dataclasses import asdict

    from builder.problems import DataInvalid
    from builder.publish import UnknownArea, status_rows

    try:
        rows = status_rows(data_dir, area_id=area_id)
    except DataInvalid as error:
        click.echo(format_text(error.problems, "status"), err=True)
        sys.exit(1)
    except UnknownArea as error:
        raise ChineseUsageError(f"--area：{error}") from None
    if output_format == "json":
        click.echo(json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=2))
    else:
        click.echo(status_table(rows))


def status_table(rows) -> str:
    """Targets as an aligned terminal table (CJK characters count two columns)."""
    header = ("目标", "指标", "目标值", "最新数值", "状态")
    lines = [header]
    for row in rows:
        lines.append((row.target_id, row.indicator_name_zh, row.target_zh, row.latest_zh, row.status_zh))
    widths = [max(display_width(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell + " " * (width - display_width(cell)) for cell, width in zip(line, widths)).rstrip()
            for line in lines]
    text.insert(1, "  ".join("-" * width for width in widths))
    text.append(f"共 {len(rows)} 个目标")
    return "\n".join(text)


def display_width(text: str) -> int:
    """Terminal columns: wide and full-width characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
