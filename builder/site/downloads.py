"""Every file under the site's downloads/, each described where it is made.

Package files are the bytes the loader read (never re-opened here); derived tables
are written the way Excel writes "CSV UTF-8" (``builder.excel``); zips have fixed
timestamps and permissions, so the same data always gives the same bytes.
"""
from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace

from builder import rows
from builder.excel import csv_bytes
from builder.load.tables import PATTERN_WORDS, enum_text
from builder.model import DataRoot, Package, PlanPackage
from builder.progress import Assessment
from builder.site import contexts as c
from builder.site.urls import ALL_TARGETS_CSV, CHECKSUMS, DICTIONARY, DOWNLOADS, Urls
from builder.text import zh

ZIP_EPOCH = 315532800  # 1980-01-01, the earliest time a zip entry can carry
EXCEL_NOTE = "（UTF-8 带 BOM，Excel 和 WPS 可直接打开）"
CODE_COLUMNS = ("comparator",)  # closed vocabularies checked by validate; a lone "=" runs nothing

# The per-indicator table's columns and their meanings.
INDICATOR_COLUMNS: dict[str, str] = {
    "row_type": "行的类型：target 目标，observation 公开数值",
    "plan_id": "规划标识",
    "indicator_id": "指标标识（在规划内唯一）",
    "indicator_name_zh": "指标名称",
    "unit": "计量单位",
    "target_id": "目标标识（target 行）",
    "kind": rows.TARGET_COLUMNS["kind"],
    "aspirational": rows.TARGET_COLUMNS["aspirational"],
    "comparator": rows.TARGET_COLUMNS["comparator"],
    "target_value": rows.TARGET_COLUMNS["target_value"],
    "target_year": "目标年份",
    "baseline_year": "基准年",
    "baseline_value": "规划给出的基准值",
    "target_zh": "目标的文字表述",
    "status": "进展状态代码",
    "status_zh": "进展状态",
    "clause": "规划条款",
    "quote_zh": "规划原文（逐字）",
    "year": "公开数值所属年份（observation 行）",
    "value": "公开数值",
    "value_status": "数值性质：preliminary 初步数、final 最终数、revised 修订数",
    "source_id": "来源标识",
    "source_publisher": "来源发布机构",
    "source_title": "来源标题",
    "source_date": "来源发布日期",
    "source_url": "来源网址",
    "source_quote_zh": "来源原文中给出该数值的句子",
    "note": "说明",
}


@dataclass(frozen=True)
class Download:
    """One file under downloads/, with what it holds."""

    path: str  # docs-relative
    content: bytes
    description_zh: str
    package: str = ""  # the package it belongs to ("" for derived files)
    plan_id: str = ""  # the plan a derived file is about ("" for package and site-wide files)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def zip_package(package: Package, date_time: tuple) -> bytes:
    """A zip of one package (descriptor, tables, transcription, README) with sorted entries and fixed metadata."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel in sorted(package.files):
            info = zipfile.ZipInfo(f"{package.name}/{rel}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the building machine
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            archive.writestr(info, package.files[rel], compresslevel=9)
    return buffer.getvalue()


def _describe_package_file(package: Package, rel: str) -> str:
    if rel == "datapackage.json":
        return "数据包描述文件（Data Package 2.0）：资源、字段、类型和约束；版本号为本站的数据版本"
    if rel == "README.md":
        return "数据包说明（README）"
    for resource in package.descriptor.get("resources", []):
        if isinstance(resource, dict) and resource.get("path") == rel:
            return f"{resource.get('title') or resource.get('name')}（与数据源逐字节相同的 CSV）"
    return "规划原文转录件（纯文本）"


def released_descriptor(package: Package, version: str) -> bytes:
    """A package's descriptor as published: the same, with the data release as its version."""
    descriptor = dict(package.descriptor)
    descriptor["version"] = version
    return (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def released_package(package: Package, version: str) -> Package:
    """The package as published: its files, with the descriptor carrying the release version."""
    files = {**package.files, "datapackage.json": released_descriptor(package, version)}
    return replace(package, files=files, descriptor={**package.descriptor, "version": version})


def download_files(data: DataRoot, assessments: Mapping[tuple[str, str], Assessment], urls: Urls,
                   stamp: int, version: str) -> list[Download]:
    """Every file under docs/downloads/ except SHA256SUMS.txt: packages, site-wide tables, then each plan's
    tables in natural order (area 2 before area 10)."""
    files: list[Download] = []
    moment = time.gmtime(max(stamp, ZIP_EPOCH))
    zip_time = (*moment[:5], moment[5] - moment[5] % 2)  # zip keeps seconds in steps of two
    for package in (released_package(p, version) for p in data.packages):
        for rel, content in package.files.items():
            if rel.endswith(".md"):
                continue  # a package's README is in its zip: an .md file under docs/ would become a page
            files.append(Download(urls.package_file(package.name, rel), content,
                                  _describe_package_file(package, rel), package=package.name))
        with_text = "、规划原文转录件" if package.kind == "plan" else ""
        files.append(Download(urls.package_zip(package.name), zip_package(package, zip_time),
                              f"整个数据包的压缩包：描述文件、全部 CSV{with_text}和说明", package=package.name))
    everything = [rows.as_dict(r) for r in rows.target_records(data, assessments)]
    files.append(Download(ALL_TARGETS_CSV, _target_csv(everything),
                          f"全部规划的全部目标及其最新公开数值和状态{EXCEL_NOTE}"))
    for plan in data.plans:
        files.extend(plan_files(data, assessments, urls, plan))
    return files


def plan_files(data: DataRoot, assessments, urls: Urls, plan: PlanPackage) -> list[Download]:
    """One plan's derived tables: all its targets, per action area, per indicator."""
    p = plan.plan_id
    records = [rows.as_dict(r) for r in rows.target_records(data, assessments, plan=plan)]
    files = [Download(urls.plan_targets_csv(p), _target_csv(records),
                      f"《{plan.plan.title_zh}》的全部目标、最新公开数值和状态{EXCEL_NOTE}", plan_id=p)]
    for area in sorted(plan.areas, key=lambda a: a.area_id):
        area_rows = [rows.as_dict(r) for r in rows.target_records(data, assessments, plan=plan, area_id=area.area_id)]
        files.append(Download(urls.area_csv(p, area.area_id), _target_csv(area_rows),
                              f"行动领域 {area.area_id}“{area.name_zh}”的目标、最新公开数值和状态{EXCEL_NOTE}", plan_id=p))
    for indicator in sorted(plan.indicators, key=lambda i: i.indicator_id):
        files.append(Download(urls.indicator_csv(p, indicator.indicator_id),
                              indicator_csv(data, plan, indicator, assessments),
                              f"指标“{indicator.name_zh}”的目标与全部公开数值{EXCEL_NOTE}", plan_id=p))
    return files


def _target_csv(records: list[dict]) -> bytes:
    return csv_bytes(tuple(rows.TARGET_COLUMNS), records, unguarded=CODE_COLUMNS)


def indicator_csv(data: DataRoot, plan: PlanPackage, indicator, assessments) -> bytes:
    """One indicator's targets and published values as a CSV for spreadsheet users."""
    parent = data.parent(plan)
    authority = zh.authority(plan.plan.jurisdiction_level, parent.plan.jurisdiction_level if parent else None)
    base = {"plan_id": plan.plan_id, "indicator_id": indicator.indicator_id, "indicator_name_zh": indicator.name_zh,
            "unit": indicator.unit}
    table = []
    for target in plan.targets_for(indicator.indicator_id):
        status = assessments[target.key].status
        table.append({**base, "row_type": "target", "target_id": target.target_id, "kind": target.kind,
                      "aspirational": target.aspirational, "comparator": target.comparator,
                      "target_value": target.target_value, "target_year": target.target_year,
                      "baseline_year": target.baseline_year, "baseline_value": target.baseline_value,
                      "target_zh": zh.describe_target(target, indicator, authority), "status": status,
                      "status_zh": zh.status_label(status), "clause": target.clause, "quote_zh": target.quote_zh,
                      "note": target.note})
    for obs in data.observations_for(indicator.key):
        source = data.source(obs.source_id)
        table.append({**base, "row_type": "observation", "year": obs.year, "value": obs.value,
                      "value_status": obs.status, "source_id": obs.source_id,
                      "source_publisher": source.publisher if source else None,
                      "source_title": source.title if source else None,
                      "source_date": source.date if source else None,
                      "source_url": source.url if source else None,
                      "source_quote_zh": obs.source_quote_zh, "note": obs.note})
    return csv_bytes(tuple(INDICATOR_COLUMNS), table, unguarded=CODE_COLUMNS)


def checksums(files: list[Download]) -> bytes:
    """SHA256SUMS.txt for the download files, paths relative to downloads/ (`sha256sum -c` format)."""
    lines = [f"{_sha256(f.content)}  {f.path.removeprefix('downloads/')}\n" for f in sorted(files, key=lambda f: f.path)]
    return "".join(lines).encode("utf-8")


# --- the downloads page ------------------------------------------------------------------------------------
def _listed(f: Download) -> c.DownloadFile:
    return c.DownloadFile(f.path, len(f.content), _sha256(f.content), f.description_zh, f.package, f.plan_id)


def _constraints_text(field: Mapping) -> str:
    parts = []
    constraints = field.get("constraints") or {}
    if not isinstance(constraints, Mapping):
        return ""
    if constraints.get("required"):
        parts.append("必填")
    if constraints.get("unique"):
        parts.append("不重复")
    if "enum" in constraints:
        parts.append("取值：" + enum_text(constraints["enum"]))
    for key, label in (("minimum", "最小值"), ("maximum", "最大值"), ("minLength", "最短"), ("maxLength", "最长")):
        if key in constraints:
            parts.append(f"{label} {constraints[key]}")
    if "pattern" in constraints:
        pattern = str(constraints["pattern"])
        # in words where the format is one of the schema's own; the regular expression stays in datapackage.json
        parts.append(f"格式：{PATTERN_WORDS[pattern]}" if pattern in PATTERN_WORDS else f"格式须符合正则表达式 {pattern}")
    return "；".join(parts)


def _resource_docs(descriptor: Mapping) -> tuple[c.ResourceDoc, ...]:
    docs = []
    for resource in descriptor.get("resources", []):
        schema = resource.get("schema") or {}
        fields = tuple(c.FieldDoc(str(f.get("name", "")), str(f.get("type", "any")), str(f.get("title", "")),
                                  str(f.get("description", "")), _constraints_text(f))
                       for f in schema.get("fields", []))
        primary = schema.get("primaryKey") or []
        primary = [primary] if isinstance(primary, str) else list(primary)
        foreign = []
        for fk in schema.get("foreignKeys", []):
            local = fk.get("fields")
            local = [local] if isinstance(local, str) else list(local or [])
            reference = fk.get("reference") or {}
            remote = reference.get("fields")
            remote = [remote] if isinstance(remote, str) else list(remote or [])
            foreign.append(f"{'、'.join(local)} → {reference.get('resource') or '本资源'}.{'、'.join(remote)}")
        docs.append(c.ResourceDoc(str(resource.get("name", "")), str(resource.get("path", "")),
                                  str(resource.get("title", "")), str(resource.get("description", "")),
                                  fields, "、".join(primary), tuple(foreign)))
    return tuple(sorted(docs, key=lambda d: d.name))


def citation(descriptor: Mapping, name: str, maintainer: str, release: str = "", data_hash: str = "") -> str:
    """How to cite a package: its creators, title, name, the data release (version and hash) and licence."""
    creators = [str(c_.get("title", "")) for c_ in descriptor.get("contributors", [])
                if isinstance(c_, Mapping) and "creator" in (c_.get("roles") or [])]
    licenses = "、".join(str(lic.get("name", "")) for lic in descriptor.get("licenses", []) if isinstance(lic, Mapping))
    version = release or descriptor.get("version", "—")
    parts = [("、".join(creators) or maintainer or "数据维护者"), f"《{descriptor.get('title', name)}》",
             f"数据包 {name}，数据版本 {version}" + (f"（数据哈希 {data_hash[:12]}）" if data_hash else "")]
    if licenses:
        parts.append(f"{licenses} 许可")
    return "，".join(parts) + "。"


def downloads_page(data: DataRoot, files: list[Download], maintainer: str, release: str = "",
                   data_hash: str = "") -> c.DownloadsPage:
    """The downloads page's context: packages, then each plan's derived files, then site-wide ones."""
    packages = []
    for package in sorted(data.packages, key=lambda p: p.name):
        descriptor = package.descriptor
        licenses = tuple((str(lic.get("name", "")), str(lic.get("path", "")))
                         for lic in descriptor.get("licenses", []) if isinstance(lic, Mapping))
        own = tuple(_listed(f) for f in files if f.package == package.name)
        packages.append(c.PackageDownloads(package.name, str(descriptor.get("title", package.name)),
                                           release or str(descriptor.get("version", "")), licenses,
                                           citation(descriptor, package.name, maintainer, release, data_hash), own,
                                           _resource_docs(descriptor)))
    plans = tuple(c.PlanDownloads(plan, tuple(_listed(f) for f in files if f.plan_id == plan.plan_id))
                  for plan in data.plans)
    site_files = tuple(_listed(f) for f in files if not f.package and not f.plan_id)
    derived = (("目标表（全部目标、各规划和各行动领域的 targets.csv、area-*.csv）", tuple(rows.TARGET_COLUMNS.items())),
               ("指标表（indicators/ 下每个指标一个 CSV）", tuple(INDICATOR_COLUMNS.items())))
    return c.DownloadsPage(DOWNLOADS, tuple(packages), plans, site_files, CHECKSUMS, DICTIONARY, derived)
