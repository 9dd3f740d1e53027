"""The site configuration (``carbon-site.toml`` at a project's root) as a declared schema.

One module owns reading and checking it. Every key is declared once in ``OPTIONS``
with its type, default and meaning; the README's table of keys is checked against
the same list. Reading reports every problem in one run (unknown keys, wrong types,
bad values, missing keys), each with the key, what was expected and what was found.
Relative paths in the file are relative to the file's own folder (the project root).
"""
from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from builder.problems import Problem, Report

CONFIG_NAME = "carbon-site.toml"
LANGUAGES = ("zh",)  # the English edition comes next
PORTAL = "portal"
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
PHONE = re.compile(r"^[0-9+()\- ]{5,30}$")
URL = re.compile(r"^https?://[^\s<>\"]+$")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Option:
    """One key of the configuration file."""

    key: str  # dotted: table.key
    type: type  # str, list or dict
    default: object  # None: required (unless optional)
    description: str  # Chinese, for the README and for messages
    example: str  # a value as written in TOML
    optional: bool = False  # may be left out even without a default
    check: Callable[[object], str | None] | None = None  # why a value of the right type is not allowed


def _text(value: str) -> str | None:
    if not value.strip():
        return "不能为空"
    if CONTROL.search(value):
        return "不能含有控制字符（如换行、制表符）"
    return None


def _relative_path(value: str) -> str | None:
    if not value.strip() or CONTROL.search(value):
        return "必须是不含控制字符的非空路径"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", value):
        return "必须是本地路径，不能是网址"
    return None


def _home(value: str) -> str | None:
    return None if value == PORTAL or ID.match(value) else f"应为 {PORTAL} 或某个规划的 plan_id（小写字母、数字和连字符）"


def _languages(value: list) -> str | None:
    if not value or not all(isinstance(v, str) for v in value):
        return "应为语言代码组成的非空列表，例如 [\"zh\"]"
    unknown = [v for v in value if v not in LANGUAGES]
    return f"暂不支持 {', '.join(unknown)}（目前只支持 {', '.join(LANGUAGES)}）" if unknown else None


def _email(value: str) -> str | None:
    return None if not value or EMAIL.match(value) else "不像电子邮箱地址（应形如 name@example.gov.cn）"


def _phone(value: str) -> str | None:
    return None if not value or PHONE.match(value) else "只能含数字、空格、括号、加号和连字符，例如 0438-1234567"


def _url(value: str) -> str | None:
    return None if not value or URL.match(value) else "应以 http:// 或 https:// 开头，且不含空格"


def _redirects(value: dict) -> str | None:
    for old, new in value.items():
        if not isinstance(new, str):
            return f"“{old}”的新地址应为文字"
        reason = redirect_problem(old, new)
        if reason:
            return reason
    return None


OPTIONS: tuple[Option, ...] = (
    Option("site.title", str, None, "网站名称，显示在每页标题栏和浏览器标签上", '"某某市碳达峰实施方案 公开数据"', check=_text),
    Option("site.description", str, None, "网站的一句话介绍，用于首页和分享卡片", '"《某某市碳达峰实施方案》的目标、责任单位与公开数值"',
           check=_text),
    Option("site.home", str, None, f"首页：某个规划的 plan_id（首页就是该规划），或 {PORTAL}（首页列出全部规划及其状态统计）",
           '"city-carbon-peak-2023"', check=_home),
    Option("site.languages", list, ["zh"], "网站语言；目前只支持 zh", '["zh"]', check=_languages),
    Option("site.data", str, "datapackages", "数据目录（每个数据包一个子目录），相对于本文件所在目录", '"datapackages"',
           check=_relative_path),
    Option("site.maintainer", str, "", "维护本网站的单位或项目名称，用于“关于”页和数据引用方式", '"某某市碳达峰公开数据项目"', check=None),
    Option("site.overrides", str, "site_src", "本项目自己的模板和页面所在目录：templates/ 中的同名模板、docs/ 中的同名文件优先于"
           "内置默认", '"site_src"', check=_relative_path),
    Option("site.mkdocs", str, "", "可选：MkDocs 设置文件，其中的设置合并到内置默认设置之上（如搜索词典）；留空时使用项目根目录的"
           " mkdocs.yml（若存在）", '"mkdocs.yml"', check=None),
    Option("contact.name", str, "", "接收纠错的单位或人，显示在每页页脚和“关于”页", '"某某市发展和改革委员会"', check=None),
    Option("contact.email", str, "", "纠错邮箱", '"opendata@example.gov.cn"', check=_email),
    Option("contact.phone", str, "", "纠错电话", '"0438-1234567"', check=_phone),
    Option("contact.url", str, "", "纠错表单或留言页面的网址（http/https）", '"https://example.gov.cn/feedback"', check=_url),
    Option("share.chart_images", bool, False, "为每张图表生成分享图片（PNG），微信等分享卡片显示该图；每张图约需 0.4 秒，"
           "构建时只重新生成有变化的图", "true"),
    Option("build.out", str, "site", "网站输出目录（命令行 --out 优先）", '"site"', check=_relative_path),
    Option("build.dir", str, "build", "生成的 MkDocs 项目和缓存所在目录（命令行 --build-dir 优先）", '"build"',
           check=_relative_path),
    Option("redirects", dict, {}, "旧网址 → 新位置：旧网址写读者用过的相对网址（如 \"areas/1/\"），新位置写网站中的页面（.md）"
           "或下载文件路径；让已经分享出去的链接继续有效", '{ "areas/1/" = "plans/p/areas/1.md" }', check=_redirects),
)
TABLES = ("site", "contact", "share", "build", "redirects")


@dataclass(frozen=True)
class Contact:
    """Where readers report an error."""

    name: str = ""
    email: str = ""
    phone: str = ""
    url: str = ""

    @property
    def given(self) -> bool:
        """Whether any channel (email, phone or form) is configured."""
        return bool(self.email or self.phone or self.url)


@dataclass(frozen=True)
class SiteConfig:
    """The checked configuration of one site project."""

    root: Path  # the project root: the config file's folder
    file: Path | None  # the config file, None when none was found (validate only)
    title: str = ""
    description: str = ""
    home: str = PORTAL
    languages: tuple[str, ...] = ("zh",)
    data: Path = Path("datapackages")
    maintainer: str = ""
    overrides: Path = Path("site_src")
    mkdocs: Path | None = None  # MkDocs settings merged over the defaults, if any
    contact: Contact = Contact()
    chart_images: bool = False  # a share image (PNG) per chart, for WeChat and other share cards
    out: Path = Path("site")
    build_dir: Path = Path("build")
    redirects: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (old URL, new page or file)

    @property
    def portal(self) -> bool:
        """Whether the home page lists every plan (else it is one plan's home)."""
        return self.home == PORTAL

    @property
    def display(self) -> str:
        """The config file as shown in messages."""
        return self.file.name if self.file else CONFIG_NAME


def find_config(start: Path) -> Path | None:
    """carbon-site.toml in the given folder, or None."""
    candidate = Path(start) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(path: Path, *, display: str | None = None) -> tuple[SiteConfig | None, list[Problem]]:
    """Read and check a config file; every problem in one run. The config is None when any is an error."""
    report = Report()
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        report.add("config-syntax", f"无法读取配置文件：{error.strerror or error}", file=shown)
        return None, report.problems
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        report.add("config-syntax", f"配置文件不是 UTF-8 编码（第 {line} 行）", file=shown, row=line,
                   hint="用文本编辑器把配置文件另存为 UTF-8 编码")
        return None, report.problems
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line = int(match.group(1)) if match else None
        where = f"第 {match.group(1)} 行第 {match.group(2)} 列" if match else ""
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        report.add("config-syntax", f"{where}附近有 TOML 语法错误（{detail}）", file=shown, row=line)
        return None, report.problems
    except RecursionError:
        report.add("config-syntax", "方括号或花括号嵌套太深，无法解析", file=shown)
        return None, report.problems
    config = parse_config(values, text, path.parent, report, shown)
    config = SiteConfig(**{**config.__dict__, "file": path})
    return (None if report.has_errors else config), report.problems


def parse_config(values: dict, text: str, root: Path, report: Report, shown: str) -> SiteConfig:
    """A SiteConfig from parsed TOML, reporting each key that is unknown, missing, of the wrong type or not allowed."""
    lines = _key_lines(text)
    declared = {o.key: o for o in OPTIONS}
    for table, content in values.items():
        if table not in TABLES:
            report.add("config-unknown-key", f"未知的配置表或键“{table}”（可用：{'、'.join(TABLES)}）", file=shown,
                       row=lines.get(table), field=table, hint=_did_you_mean(table, TABLES))
            continue
        if table == "redirects":
            continue
        if not isinstance(content, dict):
            report.add("config-type", f"“{table}”应为一个表（[{table}]），而不是 {_type_zh(content)}", file=shown,
                       row=lines.get(table), field=table)
            continue
        for key in content:
            dotted = f"{table}.{key}"
            if dotted not in declared:
                known = [o.key.split(".", 1)[1] for o in OPTIONS if o.key.startswith(table + ".")]
                report.add("config-unknown-key", f"[{table}] 中没有“{key}”这个键（可用：{'、'.join(known)}）", file=shown,
                           row=lines.get(dotted), field=dotted, hint=_did_you_mean(key, known))
    found: dict[str, object] = {}
    for option in OPTIONS:
        table, _, key = option.key.partition(".")
        container = values.get(table, {})
        present = isinstance(container, dict) and (key in container if key else True)
        if option.key == "redirects":
            present = "redirects" in values
            value = values.get("redirects")
        else:
            value = container.get(key) if present else None
        where = {"file": shown, "row": lines.get(option.key, lines.get(table)), "field": option.key}
        if not present:
            if option.default is None and not option.optional:
                report.add("config-required", f"缺少必填的键 {option.key}：{option.description}（例如 {option.key.split('.')[-1]} = "
                           f"{option.example}）", **where)
            found[option.key] = option.default
            continue
        if not isinstance(value, option.type) or (isinstance(value, bool) and option.type is not bool):
            report.add("config-type", f"{option.key} 应为{_TYPE_NAMES[option.type]}，实际是{_type_zh(value)}“{_shown(value)}”",
                       **where)
            found[option.key] = option.default
            continue
        reason = option.check(value) if option.check else None
        if reason:
            report.add("config-value", f"{option.key} 的值“{_shown(value)}”不对：{reason}", **where)
            found[option.key] = option.default
            continue
        found[option.key] = value
    contact = Contact(*(str(found[f"contact.{k}"] or "") for k in ("name", "email", "phone", "url")))
    if not contact.given and not report.has_errors:
        report.add("config-required", "没有配置纠错联系方式（contact.email、contact.phone 或 contact.url）；"
                   "页脚和“关于”页会写明尚未提供", file=shown, row=lines.get("contact"), field="contact",
                   severity="warning", hint="在 [contact] 中至少填写 email、phone 或 url 之一，让读者能报告错误")
    mkdocs = found["site.mkdocs"]
    return SiteConfig(
        root=root, file=None, title=str(found["site.title"] or ""), description=str(found["site.description"] or ""),
        home=str(found["site.home"] or PORTAL), languages=tuple(found["site.languages"] or ("zh",)),
        data=Path(str(found["site.data"])), maintainer=str(found["site.maintainer"] or ""),
        overrides=Path(str(found["site.overrides"])), mkdocs=Path(str(mkdocs)) if mkdocs else None,
        contact=contact, chart_images=bool(found["share.chart_images"]), out=Path(str(found["build.out"])),
        build_dir=Path(str(found["build.dir"])),
        redirects=tuple(sorted((str(k), str(v)) for k, v in (found["redirects"] or {}).items())))


def default_config(root: Path) -> SiteConfig:
    """The settings used when a project has no config file (enough to validate data)."""
    return SiteConfig(root=Path(root), file=None)


def resolve(config: SiteConfig, path: Path) -> Path:
    """A path from the config, relative to the project root."""
    return path if path.is_absolute() else config.root / path


def redirect_problem(old: str, new: str) -> str | None:
    """Why a redirect's old URL or new location is not acceptable, or None."""
    for label, value in (("旧地址", old), ("新地址", new)):
        if not value or CONTROL.search(value) or value.startswith(("/", "\\")) or "://" in value or value.startswith("#"):
            return f"{label}“{_shown(value)}”应为站内相对地址（不以 / 开头，不含网址和控制字符）"
        if ".." in PurePosixPath(value).parts or "\\" in value:
            return f"{label}“{_shown(value)}”不能含有“..”或反斜杠"
        if re.search(r"[<>\"'`\s?#]", value):
            return f"{label}“{_shown(value)}”不能含有空白、引号、尖括号、? 或 #"
    if old.endswith(".md"):
        return f"旧地址“{old}”应为读者访问过的网址（如 areas/1/ 或 areas/1.html），而不是 .md 源文件"
    return None


_TYPE_NAMES = {str: "文字（用英文双引号括起来）", list: "列表（[ … ]）", dict: "表（{ … } 或 [表名]）",
               bool: "true 或 false（不加引号）"}


def _type_zh(value: object) -> str:
    if isinstance(value, bool):
        return "真假值"
    if isinstance(value, (int, float)):
        return "数字"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "表"
    return type(value).__name__


def _shown(value: object) -> str:
    text = str(value)
    text = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= 60 else text[:60] + "…"


def _did_you_mean(key: str, known) -> str | None:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"是否指“{close[0]}”？" if close else None


def _key_lines(text: str) -> dict[str, int]:
    """Line of each table header and key (dotted), for messages."""
    found: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[([A-Za-z0-9_.\-]+)\]", stripped)
        if header:
            table = header.group(1)
            found.setdefault(table, number)
            continue
        key = re.match(r'^("?)([^"=]+?)\1\s*=', stripped)
        if key:
            name = key.group(2).strip()
            found.setdefault(f"{table}.{name}" if table else name, number)
    return found


def check_against_data(config: SiteConfig, plan_ids: list[str]) -> list[Problem]:
    """Problems between the config and the data: the home page must name a plan that exists."""
    report = Report()
    if not config.portal and config.home not in plan_ids:
        report.add("config-home-unknown-plan", f"site.home 是“{config.home}”，但数据中的规划是：{'、'.join(plan_ids) or '（无）'}",
                   file=config.display, row=_key_lines(_read(config.file)).get("site.home") if config.file else None,
                   field="site.home", hint=_did_you_mean(config.home, plan_ids) or CATALOGUE_HINT)
    return report.problems


def key_line(config: SiteConfig, dotted: str) -> int | None:
    """The line of a key in the config file (e.g. "redirects.areas/1/"), for messages."""
    return _key_lines(_read(config.file)).get(dotted) if config.file else None


CATALOGUE_HINT = "把 site.home 改成某个数据包 plans.csv 中的 plan_id，或改为 portal"


def _read(path: Path | None) -> str:
    try:
        return path.read_text(encoding="utf-8-sig") if path else ""
    except (OSError, UnicodeDecodeError):
        return ""


def options_markdown() -> str:
    """The README's table of configuration keys, from OPTIONS."""
    rows = ["| 键 | 类型 | 默认值 | 说明 |", "| --- | --- | --- | --- |"]
    for option in OPTIONS:
        kind = {str: "文字", list: "列表", dict: "表", bool: "真假"}[option.type]
        default = "（必填）" if option.default is None else f"`{json.dumps(option.default, ensure_ascii=False)}`"
        rows.append(f"| `{option.key}` | {kind} | {default} | {option.description} |")
    return "\n".join(rows)
