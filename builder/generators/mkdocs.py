"""The MkDocs adapter: the only module that knows MkDocs. It writes the generated
project (``mkdocs.yml`` + ``docs/``), builds it in a process of its own, serves it,
and reads its warnings. A move to another generator replaces this one file.

The generated ``mkdocs.yml`` is the package's defaults (``builder/site/mkdocs.yml``)
with the project's own settings merged over them and the site's generated parts
(name, description, nav, hidden pages, redirects, footer) filled in, so
``mkdocs build -f build/mkdocs.yml`` alone repeats the last stage of a build.
"""
from __future__ import annotations

import copy
import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULTS = Path(__file__).resolve().parents[1] / "site" / "mkdocs.yml"
THEME = Path(__file__).resolve().parents[1] / "site" / "theme"  # copied into the project as theme/
HOOKS = Path(__file__).resolve().parents[1] / "site" / "hooks"  # copied into the project as hooks/
GENERATED_KEYS = ("site_name", "site_description", "docs_dir", "site_dir", "nav", "not_in_nav", "use_directory_urls",
                  "site_url", "repo_url", "copyright")
PROBLEM_LINE = re.compile(r"^(WARNING|ERROR)\s*-\s+(.*)$")
# The notices MkDocs, Material and plugins print about MkDocs' future, not about this build.
QUIET_ENV = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


class GeneratorFailed(Exception):
    """MkDocs could not build the site: a message and the lines that say why."""

    def __init__(self, message: str, details: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.details = details


class SettingsInvalid(ValueError):
    """The project's MkDocs settings cannot be used: each reason in Chinese."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class NavItem:
    """A nav entry: a page (path) or a section (children)."""

    title: str
    path: str | None = None  # docs-relative page
    children: tuple[NavItem, ...] = ()


@dataclass(frozen=True)
class SiteSpec:
    """What the generator needs about one site, independent of MkDocs."""

    title: str
    description: str
    nav: tuple[NavItem, ...]
    hidden: tuple[str, ...]  # docs-relative pages, or folders ending in "/", reached from other pages, not the nav
    redirects: Mapping[str, str] = field(default_factory=dict)  # old page (.md, docs-relative) → new page
    footer_html: str = ""  # already escaped HTML shown at the foot of every page
    settings: Mapping = field(default_factory=dict)  # the project's own MkDocs settings (merged over the defaults)
    settings_root: Path | None = None  # where relative paths in settings are resolved


def read_settings(path: Path) -> dict:
    """A project's MkDocs settings file; SettingsInvalid saying why it cannot be used."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise SettingsInvalid([f"无法读取 {path.name}：{error.strerror or error}"]) from None
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as error:
        raise SettingsInvalid([f"{path.name} 不是合法的 YAML：{str(error).splitlines()[0] if str(error) else error}"]) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SettingsInvalid([f"{path.name} 的最外层应为“键: 值”的映射"])
    owned = [key for key in GENERATED_KEYS if key in loaded]
    if owned:
        raise SettingsInvalid([f"{path.name} 中的 {key} 由 carbon-site 生成（网站名称、介绍和首页等在 carbon-site.toml 中设置），"
                               "请删除该键" for key in owned])
    return loaded


def merge(base: dict, over: Mapping) -> dict:
    """over merged into a copy of base: mappings key by key, plugin lists by plugin name, other values replaced."""
    result = copy.deepcopy(base)
    for key, value in over.items():
        if key == "plugins" and isinstance(value, list):
            result[key] = _merge_plugins(result.get(key) or [], value)
        elif isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _plugin_name(entry) -> str:
    return entry if isinstance(entry, str) else next(iter(entry)) if isinstance(entry, dict) and entry else ""


def _merge_plugins(base: list, over: list) -> list:
    merged = {_plugin_name(p): (p if isinstance(p, dict) else {p: {}}) for p in base}
    for entry in over:
        name = _plugin_name(entry)
        options = entry.get(name) if isinstance(entry, dict) else {}
        current = merged.get(name, {name: {}})[name] or {}
        merged[name] = {name: merge(current, options or {})}
    return [({name: opts[name]} if opts[name] else name) for name, opts in merged.items()]


def _html(text: str) -> str:
    """Text the theme prints as it is (site name, nav titles): escaped once, here."""
    return html.escape(text, quote=True)


def _nav(items: tuple[NavItem, ...]) -> list:
    out = []
    for item in items:
        if item.children:
            out.append({_html(item.title): _nav(item.children)})
        else:
            out.append({_html(item.title): item.path})
    return out


def project_files(spec: SiteSpec, build_dir: Path) -> dict[str, bytes]:
    """mkdocs.yml (and the search dictionary it names) for the generated project in build_dir."""
    config = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    config = merge(config, spec.settings)
    config = {"site_name": _html(spec.title), "site_description": _html(spec.description), "docs_dir": "docs",
              "site_dir": "site", **config}
    # Pages are files (x.html), not folders (x/): the site also works opened from disk or a zip.
    config["use_directory_urls"] = False
    config["nav"] = _nav(spec.nav)
    config["not_in_nav"] = "".join(f"/{path.lstrip('/')}\n" for path in spec.hidden)
    if spec.footer_html:
        config["copyright"] = spec.footer_html  # Material prints it, as HTML, at the foot of every page
    extra: dict[str, bytes] = {}
    for plugin in config.get("plugins") or []:
        options = plugin.get("search") if isinstance(plugin, dict) else None
        if isinstance(options, dict) and options.get("jieba_dict_user"):
            source = Path(options["jieba_dict_user"])
            if not source.is_absolute() and spec.settings_root is not None:
                source = spec.settings_root / source
            try:
                extra["search/userdict.txt"] = source.read_bytes()
            except OSError as error:
                raise SettingsInvalid([f"找不到搜索用户词典 {source}（search 插件的 jieba_dict_user）"]) from error
            # The search plugin opens this path relative to the working directory, so make it absolute.
            options["jieba_dict_user"] = str(build_dir.resolve() / "search" / "userdict.txt")
    if spec.redirects:
        config["plugins"] = [*(config.get("plugins") or []), {"redirects": {"redirect_maps": dict(spec.redirects)}}]
    config["hooks"] = [*(config.get("hooks") or []), *(f"hooks/{p.name}" for p in sorted(HOOKS.glob("*.py")))]
    header = ("# Generated by carbon-site; do not edit.\n"
              "# `mkdocs build -f <this file>` rebuilds the site into site/ beside it.\n")
    text = header + yaml.dump(config, Dumper=_ConfigDumper, allow_unicode=True, sort_keys=False, width=1000)
    theme = {f"theme/{p.relative_to(THEME).as_posix()}": p.read_bytes()
             for p in sorted(THEME.rglob("*")) if p.is_file()}
    hooks = {f"hooks/{p.name}": p.read_bytes() for p in sorted(HOOKS.glob("*.py"))}
    return {"mkdocs.yml": text.encode("utf-8"), **theme, **hooks, **extra}


class _ConfigDumper(yaml.SafeDumper):
    """Writes multi-line strings (not_in_nav) as literal blocks, as a person would."""


_ConfigDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value,
                                                       style="|" if "\n" in value else None))


def write_project(build_dir: Path, files: Mapping[str, bytes], keep: frozenset[str]) -> None:
    """Make build_dir hold exactly these files (plus the top-level entries in keep), rewriting only what changed.

    Unchanged files keep their modification time, so a preview rebuilds only on real change.
    """
    build_dir.mkdir(parents=True, exist_ok=True)
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


def build(config_file: Path, site_dir: Path, epoch: int, *, command: str = "mkdocs",
          on_start: Callable[[subprocess.Popen], None] | None = None) -> None:
    """`mkdocs build --strict` of the generated project into site_dir; any warning fails the build.

    MkDocs runs in a process of its own, exactly as `mkdocs build -f build/mkdocs.yml` does:
    each build starts from jieba's plain dictionary (its tokenizer is process-wide), and MkDocs
    does not share a heap with the builder's data. command may be "properdocs" (the maintained
    fork of MkDocs 1.6) instead. on_start receives the process, so a caller can stop it.
    """
    # MkDocs reads the build date (sitemap lastmod, sitemap.xml.gz mtime) from the environment only.
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONIOENCODING": "utf-8", **QUIET_ENV}
    args = [sys.executable, "-m", command, "build", "--strict", "--clean",
            "--config-file", str(config_file.resolve()), "--site-dir", str(site_dir.resolve())]
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               encoding="utf-8", errors="replace")
    if on_start is not None:
        on_start(process)
    try:
        stdout, stderr = process.communicate()
    except BaseException:  # Ctrl+C or SIGTERM: stop MkDocs before the caller removes its staging directory
        process.kill()
        process.communicate()
        raise
    output = stderr.splitlines() + stdout.splitlines()
    messages = [f"{match[1]}: {match[2]}" for match in map(PROBLEM_LINE.match, output) if match]
    if process.returncode == 0 and not messages:
        return
    hint = f"提示：生成的 MkDocs 项目在 {config_file.parent}，运行 mkdocs build -f {config_file} 可复现"
    if process.returncode < 0:
        raise GeneratorFailed(f"MkDocs 被信号 {-process.returncode} 中止", (hint,))
    if messages:
        raise GeneratorFailed(f"MkDocs 报告了 {len(messages)} 个警告或错误（严格模式下任何警告都会让构建失败）：",
                              (*messages, hint))
    # A theme template or Markdown extension crashing: its last line names the error, without the traceback.
    last = next((line.strip() for line in reversed(output) if line.strip()), f"退出码 {process.returncode}")
    raise GeneratorFailed(f"MkDocs 未能生成网站：{last}", (hint,))


def serve(config_file: Path, port: int) -> None:
    """MkDocs' own live-reloading server on 127.0.0.1:port (until Ctrl+C)."""
    import logging

    from mkdocs.commands.serve import serve as mkdocs_serve

    os.environ.update(QUIET_ENV)
    try:
        import jieba  # it reports loading its dictionary at DEBUG level; keep a quiet preview quiet
        jieba.setLogLevel(logging.WARNING)
    except ImportError:
        pass
    mkdocs_serve(config_file=str(config_file), livereload=True, strict=False, dev_addr=f"127.0.0.1:{port}")
