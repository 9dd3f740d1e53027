"""``carbon-site init``: a new site project that builds at once and says plainly that
nothing has been recorded yet.

The project holds its config file, a README saying what to fill in, and a data root
with one plan package (its one ``plans`` row, every other table empty) and an empty
published-values package. The descriptors are the package's own templates, so every
project starts from the same schema as every other.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from builder.config import CONFIG_NAME
from builder.excel import csv_bytes

HERE = Path(__file__).resolve().parent
PLAN_TEMPLATE = HERE / "plan-datapackage.json"
VALUES_TEMPLATE = HERE / "values-datapackage.json"
VALUES_FOLDER = "published-values"


class ProjectExists(Exception):
    """The target folder exists and is not empty; nothing was written."""


@dataclass(frozen=True)
class NewPlan:
    """What init knows about the first plan: placeholders a maintainer replaces."""

    plan_id: str = "plan"
    title_zh: str = "碳达峰实施方案（待填写）"
    jurisdiction_zh: str = "（待填写）"
    jurisdiction_code: str = "000000"
    jurisdiction_level: str = "state"


def _descriptor(template: Path, replacements: dict[str, str]) -> bytes:
    text = template.read_text(encoding="utf-8")
    for key, value in replacements.items():
        text = text.replace(key, json.dumps(value, ensure_ascii=False)[1:-1])
    return text.encode("utf-8")


def _empty_tables(descriptor: dict, rows: dict[str, list[dict]]) -> dict[str, bytes]:
    files = {}
    for resource in descriptor["resources"]:
        columns = [f["name"] for f in resource["schema"]["fields"]]
        files[resource["path"]] = csv_bytes(columns, rows.get(resource["name"], []))
    return files


def project_files(plan: NewPlan, maintainer: str = "") -> dict[str, bytes]:
    """Every file of a new project, by project-relative path."""
    replacements = {"PACKAGE_NAME": plan.plan_id, "PLAN_TITLE": plan.title_zh, "MAINTAINER": maintainer or "（待填写）"}
    plan_descriptor = _descriptor(PLAN_TEMPLATE, replacements)
    values_descriptor = _descriptor(VALUES_TEMPLATE, replacements)
    plan_row = {"plan_id": plan.plan_id, "title_zh": plan.title_zh, "title_en": "(to be filled in)",
                "jurisdiction_code": plan.jurisdiction_code, "jurisdiction_zh": plan.jurisdiction_zh,
                "jurisdiction_en": "(to be filled in)", "jurisdiction_level": plan.jurisdiction_level,
                "note": "由 carbon-site init 生成：请按 README.md 填写"}
    files: dict[str, bytes] = {
        CONFIG_NAME: config_text(plan, maintainer).encode("utf-8"),
        "README.md": readme_text(plan).encode("utf-8"),
        ".gitignore": b"/site/\n/build/\n",
        f"datapackages/{plan.plan_id}/datapackage.json": plan_descriptor,
        f"datapackages/{plan.plan_id}/README.md": f"# {plan.title_zh}\n\n规划的结构与目标，逐字引用原文。\n".encode("utf-8"),
        f"datapackages/{VALUES_FOLDER}/datapackage.json": values_descriptor,
        f"datapackages/{VALUES_FOLDER}/README.md": "# 已公开发布的指标数值\n\n只收录具名公开来源实际发布的数值。\n".encode(),
    }
    for rel, content in _empty_tables(json.loads(plan_descriptor), {"plans": [plan_row]}).items():
        files[f"datapackages/{plan.plan_id}/{rel}"] = content
    for rel, content in _empty_tables(json.loads(values_descriptor), {}).items():
        files[f"datapackages/{VALUES_FOLDER}/{rel}"] = content
    return files


def init_project(target: Path, plan: NewPlan, maintainer: str = "") -> list[Path]:
    """Write a new project into target (which must not exist, or be empty); the files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ProjectExists(str(target))
    written = []
    for rel, content in project_files(plan, maintainer).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


def config_text(plan: NewPlan, maintainer: str) -> str:
    def quoted(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    return f"""# carbon-site 网站配置。每个键的含义见 README.md 的“网站配置”一节。
# 相对路径都相对于本文件所在的目录。

[site]
title = {quoted(plan.title_zh.replace("（待填写）", "") + " 公开数据")}
description = {quoted("《" + plan.title_zh + "》的目标、责任单位与公开数值")}
# 首页：某个规划的 plan_id（首页就是该规划），或 "portal"（首页列出全部规划）
home = {quoted(plan.plan_id)}
languages = ["zh"]
data = "datapackages"
maintainer = {quoted(maintainer)}

# 读者报告错误的渠道，显示在每页页脚和“关于”页；至少填写 email、phone、url 之一
[contact]
name = ""
email = ""
phone = ""
url = ""
"""


def readme_text(plan: NewPlan) -> str:
    return f"""# {plan.title_zh} · 公开数据网站

本目录是一个 carbon-site 网站项目。`carbon-site build` 校验数据并把网站生成到 `site/`；
`carbon-site validate` 只校验数据；`carbon-site serve` 在本机预览。

## 需要填写什么

1. **网站配置** `{CONFIG_NAME}`：网站名称和介绍（`[site]`），以及读者纠错的联系方式（`[contact]`，
   至少填写邮箱、电话或留言网址之一）。
2. **规划** `datapackages/{plan.plan_id}/data/plans.csv`：规划的正式标题、发布机关、文号、印发日期、
   适用行政区及其六位行政区划代码（`jurisdiction_code`）和级别（`jurisdiction_level`）；
   有上级规划时在 `parent_plan_id` 填上级规划的 `plan_id`，并把上级规划的数据包也放进 `datapackages/`。
   把规划原文的文字转录件放在 `datapackages/{plan.plan_id}/source/` 下，并在 `source_text` 填它的路径。
3. **结构与目标** 同一目录下的 `action_areas.csv`（行动领域）、`tasks.csv`（任务）、`departments.csv` 和
   `task_departments.csv`（责任单位）、`indicators.csv`（指标）、`targets.csv`（目标，逐字引用原文并注明条款）、
   `key_projects.csv`（重点项目）。
4. **公开数值** `datapackages/{VALUES_FOLDER}/data/sources.csv`（来源：发布机构、标题、日期、网址）和
   `observations.csv`（数值：规划、指标、年份、数值及来源原文）。只收录具名公开来源实际发布的数值，
   不估算、不插补。

每个 CSV 都可以用 Excel 或 WPS 直接打开和保存（另存为“CSV UTF-8（逗号分隔）”）。改完后运行
`carbon-site validate`：每个问题都会写明文件、行、字段、哪里不对和怎样改。没有录入任何目标或数值时，
网站也能生成，并如实写明“尚未录入”。
"""
