"""Every word a reader of the Chinese site sees: status words, units and numbers,
targets in words, how a status was worked out, chart labels and summaries, and the
published method. The arithmetic lives in ``progress`` and ``charts``; this module
only words its results, so nothing here decides a status.
"""
from __future__ import annotations

from builder import progress
from builder.model import Indicator, Observation, Target
from builder.progress import Assessment, default_comparator

# --- statuses -------------------------------------------------------------------------------
STATUS_LABEL = {
    "achieved": "已实现",
    "on-track": "进展顺利",
    "needs-acceleration": "需要加快",
    "off-track": "偏离轨道",
    "missed": "未实现",
    "not-judgeable": "暂不能判断",
    "no-data": "暂无公开数值",
    "not-quantified": "无数值目标",
}
# What each status means, in one sentence a citizen can follow (methodology page, legends).
STATUS_MEANING = {
    "achieved": "最新公开数值（目标年份过后则为目标年份的数值）已经满足目标。",
    "on-track": "尚未达到目标，但按目前的速度能够按期实现。",
    "needs-acceleration": "尚未达到目标，照目前的速度会晚于目标年份，需要加快。",
    "off-track": "尚未达到目标，目前的速度远远不够，或正朝远离目标的方向变化。",
    "missed": "目标年份已过，目标年份公布的数值没有满足目标。",
    "not-judgeable": "已有公开数值，但还不能据此判断进展，例如只有一个数值、基准年的数值没有公开；目标旁会写明原因。",
    "no-data": "这项指标还没有任何公开发布的数值。",
    "not-quantified": "规划没有为这项目标给出具体数值（如“完成省下达目标”或定性目标），无法计算进展；有上级规划的可比目标时一并列出。",
}
NO_VALUE = "暂无公开数值"
VALUE_STATUS = {"preliminary": "初步数", "final": "最终数", "revised": "修订数"}
PROJECT_STATUS = {
    "unknown": "未知（无公开来源）",
    "planned": "规划中",
    "under-construction": "在建",
    "completed": "已建成",
    "cancelled": "已取消",
}
# Said once under a list of projects none of which has a status from a public source, instead of
# two columns repeating "unknown, no source" on every row.
PROJECTS_NO_STATUS = "这些项目的进展（规划中、在建、已建成或已取消）都还没有找到公开来源，暂不标注状态。"
ROLE = {"lead": "牵头", "support": "配合"}
DIRECTION = {"higher": "越高越好", "lower": "越低越好"}
LEVEL = {"state": "国家", "province": "省", "city": "市", "county": "县"}
LEVEL_NOUN = {"state": "国家", "province": "省级", "city": "市级", "county": "县级"}
ABOVE = {"county": "city", "city": "province", "province": "state"}  # the level a plan answers to by default
COMPARATOR_SYMBOL = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "≈": "≈", "=": "="}
_CMP_WORDS = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "=": "为"}


def status_label(status: str) -> str:
    """A status as the word readers see, e.g. 进展顺利."""
    return STATUS_LABEL.get(status, status)


# --- numbers and units ---------------------------------------------------------------------------
def number(x: float | int | None) -> str:
    """A number without float noise: at most four decimals, trailing zeros stripped; "—" for None."""
    if x is None:
        return "—"
    text = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def is_percent(unit: str) -> bool:
    return unit.strip() in ("%", "％", "‰")


def dimensionless(unit: str) -> bool:
    return unit.strip() in ("", "无", "-", "—")


def value_with_unit(value: float | None, unit: str) -> str:
    """The one formatter of a value with its unit: "8.6%", "600 万吨", "3" (no unit for 无); "—" for None."""
    if value is None:
        return "—"
    unit = unit.strip()
    if is_percent(unit):
        return f"{number(value)}{unit}"
    if dimensionless(unit):
        return number(value)
    return f"{number(value)} {unit}"


def value_of(value: float, indicator: Indicator) -> str:
    """A value with the indicator's unit."""
    return value_with_unit(value, indicator.unit)


def gap(diff: float, indicator: Indicator) -> str:
    """A difference between two values: percentage points for a share, else the value with its unit."""
    if is_percent(indicator.unit) and indicator.unit.strip() != "‰":
        return f"{number(abs(diff))} 个百分点"
    return value_of(abs(diff), indicator)


def observation_text(obs: Observation, indicator: Indicator) -> str:
    """A published value with its year, e.g. "16.2%（2023年，初步数）"."""
    extra = "" if obs.status == "final" else f"，{VALUE_STATUS.get(obs.status, obs.status)}"
    return f"{value_of(obs.value, indicator)}（{obs.year}年{extra}）"


def _sp(text: str) -> str:
    """A leading space where Chinese text runs into a number, as in “为 2020 年”."""
    return f" {text}" if text[:1].isascii() and text[:1].isalnum() else text


# --- who a deferred target answers to -------------------------------------------------------------
def authority(level: str, parent_level: str | None) -> str:
    """Who sets the figure a deferred target defers to: 省, 国家, 市 ... from the parent plan's level.

    Without a parent plan in the data, the level above the plan's own (a city answers to the
    province, a province to the state).
    """
    above = parent_level or ABOVE.get(level)
    return LEVEL.get(above, "上级") if above else "上级"


# --- targets in words -------------------------------------------------------------------------------
def describe_target(target: Target, indicator: Indicator, authority_word: str = "上级") -> str:
    """The target in words with its number and unit, e.g. "到 2025 年不低于 8.6%"."""
    if target.kind == "deferred":
        return f"完成{authority_word}下达的目标（规划未给出具体数值）"
    if target.kind == "qualitative" or target.target_value is None:
        return "定性目标（规划未给出具体数值）"
    when = f"到 {target.target_year} 年" if target.target_year else ""
    cmp = default_comparator(target, indicator)
    x = target.target_value
    if target.kind == "reduction":
        amount = f"{number(x)}%"
        how = {"≈": f"下降 {amount} 左右", ">": f"下降超过 {amount}", "<=": f"下降不超过 {amount}",
               "<": f"下降少于 {amount}", "=": f"下降 {amount}"}.get(cmp, f"下降 {amount}")
        text = f"{when}比 {target.baseline_year} 年{how}" if target.baseline_year else f"{when}{how}"
    elif target.kind == "addition":
        amount = value_of(x, indicator)
        how = {"≈": f"新增 {amount} 左右", ">": f"新增超过 {amount}"}.get(cmp, f"新增 {amount}")
        span = f"{target.baseline_year} 年至 {target.target_year} 年" if target.baseline_year and target.target_year else when
        text = f"{span}{how}"
    else:
        amount = value_of(x, indicator)
        text = f"{when} {amount} 左右".strip() if cmp == "≈" else f"{when}{_CMP_WORDS.get(cmp, '达到')} {amount}"
    return f"力争{_sp(text)}" if target.aspirational else text


def target_short(target: Target, indicator: Indicator, authority_word: str = "上级") -> str:
    """The target in a few characters for tables: "≥ 8.6%", "比2020年下降 14.5%", "力争 ≈ 25%", "完成省定目标"."""
    text = _short(target, indicator, authority_word)
    if not target.aspirational:
        return text
    return "力争" + ("" if "\u4e00" <= text[0] <= "\u9fff" else " ") + text


def _short(target: Target, indicator: Indicator, authority_word: str) -> str:
    if target.kind == "deferred":
        return f"完成{authority_word}定目标"
    if target.kind == "qualitative" or target.target_value is None:
        return "定性目标（无数值）"
    symbol = COMPARATOR_SYMBOL.get(target.comparator or "", "")
    # "下降 14.5%" already means at least 14.5%: only other comparators are spelled out.
    qualifier = f"{symbol} " if symbol not in ("", "≥", "=") else ""
    base = f"比{target.baseline_year}年" if target.baseline_year else ""
    if target.kind == "reduction":
        text = f"{base}下降 {qualifier}{number(target.target_value)}%"
    elif target.kind == "addition":
        text = f"{base}新增 {qualifier}{value_of(target.target_value, indicator)}"
    else:
        text = f"{symbol} {value_of(target.target_value, indicator)}".strip()
    if target.comparator == "≈" and target.tolerance is not None:
        text += f"（±{value_of(target.tolerance, indicator)}）"
    return text


# --- how a status was worked out ---------------------------------------------------------------------
def _where(obs: Observation, indicator: Indicator) -> str:
    note = "（初步数）" if obs.status == "preliminary" else ""
    return f"{obs.year} 年公开数值为 {value_of(obs.value, indicator)}{note}"


def _progress(a: Assessment, obs: Observation, indicator: Indicator) -> str:
    """Where a value stands against the target, in the target's own terms."""
    y0, v0 = a.baseline if a.baseline else (None, None)
    if a.compare_quantity == "reduction":
        change = progress.round_half_up(progress.change_since_base("reduction", a.baseline, obs.value), 2)
        moved = f"下降 {number(change)}%" if change >= 0 else f"上升 {number(-change)}%"
        return f"{_where(obs, indicator)}，比 {y0} 年（{value_of(v0, indicator)}）{moved}"
    if a.compare_quantity == "addition":
        added = progress.change_since_base("addition", a.baseline, obs.value)
        return f"{_where(obs, indicator)}，{y0} 年以来新增 {value_of(added, indicator)}"
    return _where(obs, indicator)


def _extras(a: Assessment, target: Target, indicator: Indicator, noted: Observation | None) -> str:
    """The notes every explanation ends with: tolerance, where the base came from, preliminary values, 力争."""
    extra: list[str] = []
    if a.tolerance is not None:
        tol = f"{number(a.tolerance)} 个百分点" if target.kind == "reduction" else gap(a.tolerance, indicator)
        default = "" if a.tolerance_stated else f"（规划未给出容差，取目标值的 ±{number(progress.APPROX_TOLERANCE * 100)}%）"
        extra.append(f"“左右”按 ±{tol}计{default}")
    if a.base_source == "earliest" and a.baseline is not None:
        extra.append(f"规划未给出基准值，以最早的公开数值（{a.baseline[0]} 年）为基准")
    if a.base_source == "assumed-zero" and a.baseline is not None:
        extra.append(f"规划未给出基准值，按 {a.baseline[0]} 年从 0 起算")
    if a.passed_without_value:
        extra.append(f"目标年份 {target.target_year} 年的数值尚未公布，按趋势判断")
    if noted is not None and noted.status == "preliminary":
        extra.append("最新数值为初步数，可能修订")
    if target.aspirational:
        extra.append("规划用语为“力争”，计算方法不变")
    return "；".join(extra) + "。" if extra else ""


def explain(a: Assessment, target: Target, indicator: Indicator, authority_word: str = "上级") -> str:
    """One or two sentences: how the target's status was worked out, with its numbers."""
    words = describe_target(target, indicator, authority_word)
    latest = a.latest
    reason = a.reason
    if reason == "deferred":
        return f"规划只要求完成{authority_word}下达的目标，没有给出具体数值，无法计算进度。"
    if reason == "qualitative":
        return "这是一项没有具体数值的定性目标，无法计算进度。"
    if reason == "no-values":
        return f"没有公开数值，无法判断进度；规划目标为{_sp(words)}。"
    if reason == "base-year-value-missing":
        what = "下降幅度" if target.kind == "reduction" else "新增量"
        return (f"基准年 {target.baseline_year} 年的数值没有公开，无法计算{what}；"
                f"最新公开数值为 {latest.year} 年的 {value_of(latest.value, indicator)}。")
    if reason == "no-base-year":
        return "规划没有给出基准年，无法计算进度。"
    if reason == "base-not-positive":
        return "基准值不是正数，无法计算下降比例。"
    if reason in ("met-in-target-year", "missed-in-target-year"):
        final = a.judged
        extras = _extras(a, target, indicator, final if final is latest else None)
        verdict = "已实现" if reason == "met-in-target-year" else "未实现"
        return f"目标年份已过：{_progress(a, final, indicator)}，{verdict}目标（{words}）。{extras}"
    extras = _extras(a, target, indicator, latest)
    if reason == "met":
        return f"{_progress(a, latest, indicator)}，已达到目标（{words}）。{extras}"
    if reason == "no-target-year":
        return f"{_progress(a, latest, indicator)}，尚未达到目标（{words}）；规划没有给出目标年份，无法计算进度。{extras}"
    y0, v0 = a.baseline
    if reason == "single-value":
        return (f"只有一个公开数值（{latest.year} 年 {value_of(latest.value, indicator)}），"
                f"尚未达到目标（{words}），无法判断趋势。{extras}")
    if reason == "no-value-after-base":
        return f"基准年 {y0} 年之后还没有公开数值，无法判断趋势；目标为{_sp(words)}。{extras}"
    if reason == "target-year-not-after-base":
        return f"目标年份 {target.target_year} 年不晚于基准年 {y0} 年，无法计算进度。{extras}"
    if reason == "moved-away-from-met-base":
        return (f"{_progress(a, latest, indicator)}，未达到目标（{words}）；"
                f"{y0} 年（{value_of(v0, indicator)}）时已达到，此后朝远离目标的方向变化。{extras}")
    if a.compare_quantity == "level":
        distance = f"距目标（{words}）还差 {gap(a.target_level - latest.value, indicator)}"
    else:
        distance = f"目标为{_sp(words)}"
    label = status_label(a.status)
    if reason == "no-movement":
        trend = f"按 {y0} 年（{value_of(v0, indicator)}）以来的变化，数值没有朝目标移动（{label}）"
    else:
        how = "年均变化率（复合）" if a.compound else "年均变化量"
        tail = ("：正朝远离目标的方向变化）" if a.ratio < progress.MOVING_AWAY_RATIO
                else "：变化太慢）" if a.status == "off-track" else "）")
        trend = f"按 {y0} 年（{value_of(v0, indicator)}）以来的{how}，进度比为 {number(a.ratio)}（{label}{tail}"
    return f"{_progress(a, latest, indicator)}，{distance}；{trend}。{extras}"


# Why a value exists but cannot be judged, in a few words (shown beside the status word).
REASON_SHORT = {
    "base-year-value-missing": "基准年数值未公开",
    "no-base-year": "规划未给出基准年",
    "base-not-positive": "基准值不是正数",
    "no-target-year": "规划未给出目标年份",
    "single-value": "只有一个数值，看不出趋势",
    "no-value-after-base": "基准年之后还没有数值",
    "target-year-not-after-base": "目标年份不晚于基准年",
    "deferred": "规划未给出数值",
    "qualitative": "定性目标",
}


def reason_short(a: Assessment) -> str:
    """A few words saying why a target is not judged (empty for a judged or no-data status)."""
    if a.status in ("not-judgeable", "not-quantified"):
        return REASON_SHORT.get(a.reason, "")
    return ""


# --- the published method ------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{number(x * 100)}%"


P = progress
METHOD_RULES: tuple[tuple[str, str, str], ...] = (
    ("ratio", "进度比",
     "进度比 = 基准年以来实际的年均变化 ÷ 从基准年到目标年份按期实现目标所需的年均变化。"
     "基准值、目标水平和最新数值都为正数时用年均复合增长率计算；基准值为 0 或出现负数时改用每年的绝对变化量。"
     "新增和计数目标一律用每年的绝对变化量。进度比四舍五入到两位小数后再与阈值比较，页面显示的就是这个数。"),
    ("thresholds", "状态阈值",
     f"尚未达到目标时：进度比 ≥ {number(P.ON_TRACK_RATIO)} 为“{STATUS_LABEL['on-track']}”；"
     f"{number(P.ACCELERATE_RATIO)} ≤ 进度比 < {number(P.ON_TRACK_RATIO)} 为“{STATUS_LABEL['needs-acceleration']}”；"
     f"进度比 < {number(P.ACCELERATE_RATIO)} 为“{STATUS_LABEL['off-track']}”，其中 {number(P.MOVING_AWAY_RATIO)} ≤ 进度比 < "
     f"{number(P.ACCELERATE_RATIO)} 说明变化太慢，进度比 < {number(P.MOVING_AWAY_RATIO)} 说明正朝远离目标的方向变化。"),
    ("achieved-missed", "已实现与未实现",
     f"最新公开数值已满足目标即为“{STATUS_LABEL['achieved']}”。目标年份过后，若目标年份的数值已公布："
     f"满足目标为“{STATUS_LABEL['achieved']}”，否则为“{STATUS_LABEL['missed']}”。"
     "目标年份已过但该年数值尚未公布时，按趋势判断，并在说明中写明。"),
    ("level", "水平目标（达到、以上、以下）",
     "比较最新数值与目标值：“达到”“以上”按 ≥，“以下”“控制在”按 ≤，“超过”按 >，“低于”按 <；"
     "“>”“<”在恰好等于目标值时不算实现。原文没有比较方式时，越高越好的指标按 ≥，越低越好的按 ≤。"
     "需要移动的方向由基准值到目标值决定。“=”（恰好）按规划给出的容差判断，没有容差则须相等。"),
    ("approx", "“左右”目标",
     f"数值与目标值相差不超过容差即为实现；规划未给出容差时取目标值的 ±{_pct(P.APPROX_TOLERANCE)}。"
     "朝指标向好的方向超出目标（如越高越好的指标高于目标）也算实现；朝不利方向差得超过容差则未实现。"),
    ("reduction", "下降目标（比基准年下降 x%）",
     "目标水平 = 基准值 × (1 − x/100)。基准值取规划给出的数值，否则取基准年的公开数值；"
     f"有公开数值但基准年的数值没有公开时为“{STATUS_LABEL['not-judgeable']}”（基准年数值未公开）。"
     "比较的是相对基准年的下降百分比；“左右”的容差以百分点计，多降不算未实现。"),
    ("addition", "新增目标（“十四五”新增 X）",
     "公开数值是存量。已新增 = 最新数值 − 基准年（“十四五”为 2020 年）数值；所需路径从基准年的 0 新增线性增长到"
     "目标年份的 X，进度比 = 已新增 ÷ (X × 已过年数 ÷ 总年数)。有公开数值但基准年的数值没有公开时为"
     f"“{STATUS_LABEL['not-judgeable']}”。"),
    ("count", "计数目标（建成 N 个）",
     "公开数值是累计数量，按“≥ 目标值”判断，按每年的绝对变化量计算进度。基准年取规划给出的基准年，"
     "没有则取规划印发年份；基准值取规划给出的数值，否则取该年的公开数值，都没有则从 0 起算"
     "（数的是规划印发后建成的数量），并在说明中写明。"),
    ("baseline", "基准",
     "水平目标的基准取规划给出的基准年和基准值；规划只给出基准年时取该年的公开数值；"
     "都没有时取最早的公开数值，并在说明中写明。"),
    ("single", "只有一个数值",
     f"只有一个公开数值时：已满足目标为“{STATUS_LABEL['achieved']}”；否则，若规划给出了基准值，以它为起点计算进度比；"
     f"若没有，一个数值看不出趋势，为“{STATUS_LABEL['not-judgeable']}”，并写明原因。"),
    ("no-number", "没有数值的目标",
     f"“完成上级下达目标”和定性目标没有数值，为“{STATUS_LABEL['not-quantified']}”；上级规划有可比目标时，在该目标旁列出上级的数值。"
     f"有数值的目标，其指标没有任何公开数值时为“{STATUS_LABEL['no-data']}”。"),
    ("revisions", "初步数与修订数",
     "同一年有多个数值时，取修订数，其次最终数，再次初步数；最新数值为初步数时在说明中写明。"),
    ("aspirational", "“力争”",
     "“力争”目标的计算方法与其他目标相同，说明中会注明。"),
    ("path", "所需路径",
     "图中虚线是从基准到目标每年应达到的数值，用与进度比相同的方法（年均复合增长或每年相同增量）计算，"
     "因此某年的公开数值落在虚线上或更好的一侧，就说明到那一年为止的进度不慢于要求。"
     "基准已满足目标时不画路径。"),
    ("as-of", "评估日期",
     "评估以数据本身能证明的最晚日期为准：来源中最晚的查阅日期，没有来源时取规划印发日期；"
     "与构建网站的时间无关，同样的数据总是得出同样的结果。"),
)


def thresholds() -> tuple[tuple[str, str], ...]:
    """(what it is, value) for each threshold constant, for the methodology page."""
    return (
        (f"“{STATUS_LABEL['on-track']}”的最低进度比", number(P.ON_TRACK_RATIO)),
        (f"“{STATUS_LABEL['needs-acceleration']}”的最低进度比", number(P.ACCELERATE_RATIO)),
        ("低于此进度比说明正朝远离目标的方向变化", number(P.MOVING_AWAY_RATIO)),
        ("“左右”目标未给出容差时的默认容差（占目标值）", f"±{number(P.APPROX_TOLERANCE * 100)}%"),
        ("进度比比较前保留的小数位数", str(P.RATIO_DECIMALS)),
    )


# --- charts ----------------------------------------------------------------------------------------------
SERIES = {"observed": "公开数值", "base": "基准", "target": "目标", "path": "所需路径"}
CHART_UNDATED = "（规划未给出年份）"
CHART_NO_YEAR = "未给出"  # the table's year cell for a target without a year
NO_CHART = "本指标既没有公开数值，也没有可以画出的数值目标，因此没有图表。"


def chart_words(target: Target, indicator: Indicator) -> str:
    """The target in words, saying so when the plan gives no year."""
    text = describe_target(target, indicator)
    return text if target.target_year is not None else f"{text}{CHART_UNDATED}"


def chart_observation_note(obs: Observation, *, as_base: bool) -> str:
    """The table's note on a published value: its status, its own note, and whether it is the base."""
    parts = [VALUE_STATUS.get(obs.status, obs.status)]
    if obs.note:
        parts.append(obs.note.rstrip("。；;. "))  # the maintainer's sentence ends where the next part begins
    if as_base:
        parts.append("作为基准")
    return "；".join(parts)


def chart_base_note(target: Target, assessment: Assessment) -> str:
    """Where a base that is not a published value comes from."""
    if assessment.base_source == "plan":
        return "规划给出的基准值"
    if assessment.base_source == "assumed-zero":
        return "规划未给出基准值，按 0 起算"
    return "基准值"


# A chart label is two short lines (what, then how much), so it fits beside its point on a phone.
def chart_base_label(year: int, text: str) -> str:
    return f"{year} 年基准\n{text}"


def chart_target_label(year: int, text: str) -> str:
    return f"{year} 年目标\n{text}"


def chart_undated_label(target: Target, indicator: Indicator) -> str:
    return f"目标{CHART_UNDATED}\n{describe_target(target, indicator)}"


def _change_words(target: Target, indicator: Indicator) -> str:
    """A reduction or addition in short words for a chart label, e.g. "下降 20%" or "力争新增 500 万千瓦"."""
    cmp = default_comparator(target, indicator)
    x = target.target_value
    if target.kind == "reduction":
        amount, verb = f"{number(x)}%", "下降"
    else:
        amount, verb = value_of(x, indicator), "新增"
    how = {"≈": f"{verb} {amount} 左右", ">": f"{verb}超过 {amount}", "<=": f"{verb}不超过 {amount}",
           "<": f"{verb}少于 {amount}"}.get(cmp, f"{verb} {amount}")
    return f"力争{how}" if target.aspirational else how


def chart_change_value(kind: str, value: float, indicator: Indicator) -> str:
    if value == 0:
        return "0"
    if kind == "reduction":
        return f"下降 {number(value)}%"
    return f"新增 {value_of(value, indicator)}"


def chart_change_start_note(kind: str, base_year: int, published: bool) -> str:
    quantity = "下降幅度" if kind == "reduction" else "新增量"
    note = f"规划起点：{quantity}从 {base_year} 年算起"
    return note if published else f"{note}；{base_year} 年的数值没有公开"


def chart_change_start_label(year: int) -> str:
    return f"{year} 年起点\n0"


def chart_change_target_label(target: Target, indicator: Indicator) -> str:
    return f"{target.target_year} 年目标\n{_change_words(target, indicator)}"


def chart_change_undated_label(target: Target, indicator: Indicator) -> str:
    return f"目标{CHART_UNDATED}\n{_change_words(target, indicator)}"


def chart_y_title(layout, indicator: Indicator) -> str:
    unit = indicator.unit.strip()
    if layout.mode == "change":
        b = layout.base_year
        if layout.change_kind == "reduction":
            return f"比 {b} 年下降（%）" if b is not None else "下降幅度（%）"
        suffix = "" if dimensionless(unit) else f"（{unit}）"
        return f"{b} 年以来累计新增{suffix}" if b is not None else f"新增{suffix}"
    return "数值" if dimensionless(unit) else f"单位：{unit}"


def _relation(value: float, level: float) -> str:
    if abs(value - level) <= 1e-9 * max(1.0, abs(level)):
        return "等于"
    return "高于" if value > level else "低于"


def _headline(charted: list, year: int):
    """The target the latest value is compared with: the first one due in or after that year, else the last."""
    if not charted:
        return None
    due = [pair for pair in charted if pair[0].target_year >= year]
    return due[0] if due else charted[-1]


def chart_summary(layout, indicator: Indicator, by_id) -> str:
    """One plain-language sentence: where the latest value stands against the target, as the chart draws it."""
    drawn = "、".join(chart_words(t, indicator) for t in layout.drawn)
    extra = ("；另有目标" + "、".join(chart_words(t, indicator) for t in layout.undrawn) + "无法在图中标出"
             if layout.undrawn else "")
    head = ""
    if layout.observations:
        latest = layout.observations[-1]
        value = value_of(latest.value, indicator)
        if latest.status == "preliminary":
            value += "（初步数）"
        head = f"最新公开数值为 {latest.year} 年的 {value}"
    if layout.mode == "change":
        b = layout.base_year
        if layout.change_kind == "reduction":
            quantity, since = "下降幅度", (f"比 {b} 年的下降幅度" if b is not None else "下降幅度")
        else:
            quantity, since = "新增量", (f"{b} 年以来的新增量" if b is not None else "新增量")
        if not head:
            start = f"图中以 {b} 年为起点画出{quantity}" if b is not None else f"图中按{quantity}画出"
            return f"暂无公开数值；规划目标为{_sp(drawn)}，{start}{extra}。"
        missing = f"{b} 年的数值没有公开" if b is not None else "规划没有给出基准年"
        return f"{head}，但{_sp(missing)}，无法换算为{since}，图中只画出规划目标：{drawn}{extra}。"
    if not head:
        if drawn:
            return f"暂无公开数值；规划目标为{_sp(drawn)}{extra}。"
        return "暂无公开数值；规划没有给出具体数值目标。"
    latest = layout.observations[-1]
    charted = [(t, by_id[t.target_id]) for t in layout.drawn
               if t.target_id in by_id and t.target_year is not None and by_id[t.target_id].target_level is not None]
    pair = _headline(charted, latest.year)
    if pair is not None:
        target, assessment = pair
        level = assessment.target_level
        return (f"{head}，{_relation(latest.value, level)} {target.target_year} 年目标 {value_of(level, indicator)}"
                f"（进展状态：{status_label(assessment.status)}）{extra}。")
    undated = [t for t in layout.drawn if t.target_year is None]
    if undated:
        target = undated[0]
        assessment = by_id.get(target.target_id)
        level = assessment.target_level if assessment and assessment.target_level is not None else target.target_value
        status = f"；进展状态：{status_label(assessment.status)}" if assessment else ""
        return (f"{head}，{_relation(latest.value, level)}目标 {value_of(level, indicator)}"
                f"（规划未给出年份{status}）{extra}。")
    if layout.undrawn:
        return f"{head}{extra}。"
    return f"{head}；规划没有给出具体数值目标。"


def chart_path_sentence(layout, indicator: Indicator) -> str:
    """The dashed required path in words: from where, to what, how fast (the table lists no computed rows)."""
    sentences = []
    for target, points, compound in layout.paths:
        (y0, v0), (y1, v1) = points[0], points[-1]
        span = y1 - y0
        head = f"图中虚线是实现 {y1} 年目标所需的路径（计算值）："
        if layout.mode == "change":
            goal = chart_change_value(layout.change_kind, v1, indicator)
            if layout.change_kind == "reduction" and compound:
                yearly = (1 - (1 - v1 / 100) ** (1 / span)) * 100
                pace = f"每年比上一年下降约 {number(progress.round_half_up(yearly, 2))}%"
            else:
                pace = f"每年新增约 {value_of(progress.round_half_up(v1 / span, 4), indicator)}"
            sentences.append(f"{head}以 {y0} 年为起点，到 {y1} 年{goal}，{pace}。")
            continue
        start, end = value_of(v0, indicator), value_of(v1, indicator)
        if compound and v0 > 0 and v1 > 0:
            rate = ((v1 / v0) ** (1 / span) - 1) * 100
            direction = "增长" if rate >= 0 else "下降"
            pace = f"每年{direction}约 {number(progress.round_half_up(abs(rate), 2))}%"
        else:
            step = (v1 - v0) / span
            pace = f"每年{'增加' if step >= 0 else '减少'}约 {gap(progress.round_half_up(step, 4), indicator)}"
        sentences.append(f"{head}从 {y0} 年的 {start}到 {y1} 年的 {end}，{pace}。")
    return "".join(sentences)


# --- releases --------------------------------------------------------------------------------------------
def release_summary(release) -> str:
    """What a data release changed, in one sentence."""
    if release.first:
        values = len(release.added)
        targets = sum(1 for t in release.targets if t.change == "added")
        return f"首次发布：收录目标 {targets} 项，公开数值 {values} 个。"
    parts = []
    for count, word in ((len(release.added), "新增公开数值"), (len(release.changed), "修改公开数值"),
                        (len(release.removed), "删除公开数值")):
        if count:
            parts.append(f"{word} {count} 个")
    moved = [s for s in release.statuses if s.old is not None and s.new is not None]
    if moved:
        parts.append(f"{len(moved)} 项目标的状态变化")
    for change, word in (("added", "新增目标"), ("removed", "删除目标"), ("edited", "修改目标")):
        count = sum(1 for t in release.targets if t.change == change)
        if count:
            parts.append(f"{word} {count} 项")
    return ("、".join(parts) + "。") if parts else "数据文件有变化（如说明文字、来源信息或格式），公开数值、目标和状态都没有变化。"


TARGET_FIELD_WORDS = {"indicator_id": "指标", "kind": "类型", "target_year": "目标年份", "target_value": "目标值",
                      "comparator": "比较方式", "tolerance": "容差", "aspirational": "“力争”", "baseline_year": "基准年",
                      "baseline_value": "基准值", "quote_zh": "原文引文", "clause": "条款"}


def value_change_line(change, name: str, unit: str) -> str:
    """One changed published value: indicator, year, old value → new value."""
    kind = VALUE_STATUS.get(change.status, change.status)
    if change.old is None:
        return f"新增：{name} {change.year} 年{kind} {value_with_unit(change.new, unit)}（来源 {change.source_id}）"
    if change.new is None:
        return f"删除：{name} {change.year} 年{kind} {value_with_unit(change.old, unit)}（来源 {change.source_id}）"
    return (f"修改：{name} {change.year} 年{kind} {value_with_unit(change.old, unit)} → "
            f"{value_with_unit(change.new, unit)}（来源 {change.source_id}）")


def status_change_line(change, name: str) -> str:
    """One target whose status moved."""
    old = status_label(change.old) if change.old else "（新目标）"
    new = status_label(change.new) if change.new else "（已删除）"
    return f"{name}（{change.target_id}）：{old} → {new}"


def target_edit_line(edit, name: str) -> str:
    """One target added, removed or edited."""
    if edit.change == "added":
        return f"新增目标：{name}（{edit.target_id}）"
    if edit.change == "removed":
        return f"删除目标：{name}（{edit.target_id}）"
    fields = "、".join(TARGET_FIELD_WORDS.get(f, f) for f in edit.fields)
    return f"修改目标：{name}（{edit.target_id}）的{fields}"


# --- worked examples of the ladder (methodology page) ------------------------------------------------------
def status_examples() -> dict[str, tuple[str, str]]:
    """For each status, an example (invented figures, said to be invented) worked out by the same code as the site.

    status → (the example's target and values, the explanation the site would show).
    """
    from builder.model import Indicator, Observation, Target

    share = Indicator("example", "示例指标", "Example", "%", "%", "higher", "示例", plan_id="example")

    def target(**fields) -> Target:
        values = dict(target_id="t", indicator_id="example", kind="level", aspirational=False, quote_zh="示例",
                      clause="一", target_year=2025, target_value=20.0, comparator=">=", plan_id="example")
        values.update(fields)
        return Target(**values)

    def values(*pairs) -> tuple[Observation, ...]:
        return tuple(Observation("example", "example", year, value, "final", "s", row=i)
                     for i, (year, value) in enumerate(pairs, start=2))

    cases = {
        "achieved": (target(), values((2020, 15.0), (2023, 21.0)), 2024),
        "on-track": (target(), values((2020, 12.0), (2023, 17.3)), 2024),
        "needs-acceleration": (target(), values((2020, 12.0), (2023, 15.2)), 2024),
        "off-track": (target(), values((2020, 12.0), (2023, 12.5)), 2024),
        "missed": (target(), values((2020, 12.0), (2025, 18.0)), 2026),
        "not-judgeable": (target(), values((2023, 16.0),), 2024),
        "no-data": (target(), (), 2024),
        "not-quantified": (target(kind="deferred", target_value=None, comparator=None), (), 2024),
    }
    examples = {}
    for status, (t, observed, year) in cases.items():
        assessment = progress.assess_target(t, share, observed, year)
        assert assessment.status == status, (status, assessment.status)  # the examples must show what they say
        shown = "、".join(f"{o.year} 年 {value_of(o.value, share)}" for o in observed) or "没有"
        setup = (f"目标为{_sp(describe_target(t, share, '省'))}；公开数值：{shown}；"
                 f"评估年份 {year} 年。")
        examples[status] = (setup, explain(assessment, t, share, "省"))
    return examples


def error_report(plan_title: str, indicator_name: str, page_path: str, targets: list[str]) -> tuple[str, str]:
    """(subject, body) of a reader's error report about an indicator page, ready to be filled in."""
    subject = f"纠错：{indicator_name}（{plan_title}）"
    lines = [f"页面：{page_path}", f"指标：{indicator_name}", f"规划：《{plan_title}》"]
    lines += [f"目标：{t}" for t in targets]
    lines += ["", "哪里有误：", "", "正确的信息及其公开来源（发布机构、标题、日期、网址）：", ""]
    return subject, "\n".join(lines)
