"""Targets as flat records with their latest published value and status: the rows of
``carbon-site status`` and of the downloadable target tables. Pure.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from builder.model import DataRoot, PlanPackage, latest_observation
from builder.progress import Assessment
from builder.text import zh


@dataclass(frozen=True)
class TargetRecord:
    """One target with its latest published value and status."""

    plan_id: str
    jurisdiction_zh: str
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
    status_reason_zh: str  # why a target is not judged, in a few words ("" when it is judged)
    clause: str
    quote_zh: str


# Column order of the target CSVs, with the meaning of each column (the downloads page documents them).
TARGET_COLUMNS: dict[str, str] = {
    "plan_id": "规划标识（plans.plan_id）",
    "jurisdiction_zh": "规划适用的行政区",
    "area_id": "行动领域编号；主要目标为空",
    "indicator_id": "指标标识（在规划内唯一）",
    "indicator_name_zh": "指标名称",
    "unit": "计量单位",
    "target_id": "目标标识（在规划内唯一）",
    "kind": "目标类型：level 水平、reduction 下降、addition 新增、count 计数、deferred 完成上级下达目标、qualitative 定性",
    "aspirational": "是否为“力争”目标（true/false）",
    "comparator": "比较方式：>= 不低于、<= 不高于、> 高于、< 低于、≈ 左右、= 等于",
    "target_value": "目标数值（reduction 为下降的百分数）",
    "target_year": "目标年份",
    "baseline_year": "基准年",
    "baseline_value": "规划给出的基准值",
    "target_zh": "目标的文字表述",
    "latest_year": "最新公开数值的年份",
    "latest_value": "最新公开数值",
    "latest_value_status": "最新公开数值的性质：preliminary 初步数、final 最终数、revised 修订数",
    "latest_source_id": "最新公开数值的来源标识（sources.csv）",
    "latest_zh": "最新公开数值的文字表述",
    "status": "进展状态代码（见方法说明）",
    "status_zh": "进展状态",
    "status_reason_zh": "暂不能判断或无数值目标的原因",
    "clause": "规划条款",
    "quote_zh": "规划原文（逐字）",
}


def target_records(data: DataRoot, assessments: Mapping[tuple[str, str], Assessment], *,
                   plan: PlanPackage | None = None, area_id: int | None = None) -> list[TargetRecord]:
    """Targets (of every plan, or of one plan and optionally one area) with latest value and status, in data order."""
    records = []
    for current in (plan,) if plan else data.plans:
        parent = data.parent(current)
        authority = zh.authority(current.plan.jurisdiction_level, parent.plan.jurisdiction_level if parent else None)
        for target in current.targets:
            indicator = current.indicator(target.indicator_id)
            if indicator is None or (area_id is not None and indicator.area_id != area_id):
                continue
            assessment = assessments[target.key]
            latest = assessment.latest or latest_observation(data.observations_for(indicator.key))
            records.append(TargetRecord(
                plan_id=current.plan_id, jurisdiction_zh=current.plan.jurisdiction_zh, area_id=indicator.area_id,
                indicator_id=indicator.indicator_id, indicator_name_zh=indicator.name_zh, unit=indicator.unit,
                target_id=target.target_id, kind=target.kind, aspirational=target.aspirational,
                comparator=target.comparator, target_value=target.target_value, target_year=target.target_year,
                baseline_year=target.baseline_year, baseline_value=target.baseline_value,
                target_zh=zh.describe_target(target, indicator, authority),
                latest_year=latest.year if latest else None, latest_value=latest.value if latest else None,
                latest_value_status=latest.status if latest else None,
                latest_source_id=latest.source_id if latest else None,
                latest_zh=f"{zh.value_of(latest.value, indicator)}（{latest.year}年）" if latest else zh.NO_VALUE,
                status=assessment.status, status_zh=zh.status_label(assessment.status),
                status_reason_zh=zh.reason_short(assessment), clause=target.clause, quote_zh=target.quote_zh))
    return records


def as_dict(record: TargetRecord) -> dict:
    """A record as a CSV row."""
    return {column: getattr(record, column) for column in TARGET_COLUMNS}
