"""The ``carbon-site`` command: Click only. Each command parses, makes one call,
prints, and exits 0 (clean), 1 (data problems) or 2 (usage)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from builder import __version__
from builder.problems import format_json, format_text

DATA_DIR = "datapackages"


def data_option(f):
    return click.option("--data", "data_dir", default=DATA_DIR, show_default=True,
                        type=click.Path(file_okay=False, path_type=Path),
                        help="数据目录：每个数据包一个子目录 / data root, one folder per package")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="carbon-site")
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
              show_default=True, help="输出格式 / output format")
def validate(data_dir: Path, output_format: str):
    """校验数据包（类型、约束、主键外键及本项目规则）。

    \b
    Example:
        carbon-site validate --data datapackages --format json
    """
    from builder.checks import validate_data_root

    result = validate_data_root(data_dir)
    click.echo(format_json(result.problems) if output_format == "json" else format_text(result.problems))
    sys.exit(1 if result.has_errors else 0)
