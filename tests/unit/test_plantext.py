"""A plan's transcription as text a reader can follow (page furniture dropped, wrapped lines
rejoined, headings found) and the plan's own words located and marked in it (``builder.plantext``).
Texts here are SYNTHETIC, apart from the test over the real packages' transcriptions."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder import plantext
from builder.load import load_data_root
from builder.model import Furniture
from builder.plantext import TextBlock, find_quote, furniture_in, locate_in_text, locate_quotes, mark_blocks, tidy_plan_text

REPO = Path(__file__).resolve().parents[2]
LINE = "一二三四五六七八九十" * 3 + "甲乙丙丁戊"  # 35 characters: a full line of a wrapped transcription
DECLARED = Furniture(lines=("^本文内容来自网络",), fragments=("[（(]\\s*[上下][接转]\\s*\\d+\\s*版\\s*[）)]",))


def joined(blocks) -> str:
    return "\n".join(b.text for b in blocks)


# --- tidying -----------------------------------------------------------------------------------------
def test_tidying_rejoins_wrapped_lines_and_drops_generic_and_declared_furniture():
    raw = "\n\n".join([
        "二、主要目标",
        LINE, LINE, "到 2025 年，非化石能源消费比重达到 21%。",
        "本文内容来自网络，由合成网站搜集整理，如有异议请联系我们！",
        "- 3 -",
        "1．大力发展可再生能源。" + LINE[:20] + "。",
        LINE, "短句结束。（下转06版）",
    ] + [LINE] * 8 + ["末段。"])
    blocks = tidy_plan_text(raw, DECLARED)

    assert blocks[0] == TextBlock("heading", "二、主要目标", 1)
    assert blocks[1].text == LINE * 2 + "到2025年，非化石能源消费比重达到21%。"
    assert blocks[2].text == "1．大力发展可再生能源。" + LINE[:20] + "。" + LINE + "短句结束。"
    text = joined(blocks)
    assert "本文内容来自网络" not in text and "下转" not in text and "- 3 -" not in text


def test_declared_furniture_is_only_what_the_package_declares():
    raw = "二、主要目标\n\n本文内容来自网络，合成。\n\n（合成）正文（下转06版）。"
    kept = joined(tidy_plan_text(raw))
    assert "本文内容来自网络" in kept and "（下转06版）" in kept  # nothing declared: nothing of it dropped
    dropped = joined(tidy_plan_text(raw, DECLARED))
    assert "本文内容来自网络" not in dropped and "（下转06版）" not in dropped and "（合成）正文。" in dropped


@pytest.mark.parametrize("page_line", ["- 12 -", "—12—", "12", "－ 3 －", "第 3 页", "第3页 共20页"])
def test_page_numbers_are_furniture_in_every_transcription(page_line):
    raw = f"二、主要目标\n\n（合成）第一段。\n\n{page_line}\n\n（合成）第二段。"
    text = joined(tidy_plan_text(raw))
    assert "（合成）第一段。" in text and "（合成）第二段。" in text
    assert page_line.strip() not in text.replace("（合成）第一段。", "").replace("（合成）第二段。", "")


def test_headings_are_ranked_and_long_or_sentence_lines_are_paragraphs():
    raw = "\n\n".join(["一、总体要求", "（一）指导思想", "专栏1 重点工程", "（二）" + "很长的条目" * 10,
                       "三、这是一句话。后面还有话"])
    blocks = tidy_plan_text(raw)
    assert [(b.kind, b.rank) for b in blocks] == [("heading", 1), ("heading", 2), ("heading", 3),
                                                 ("paragraph", 0), ("paragraph", 0)]


def test_typesetting_spaces_beside_chinese_are_removed_but_not_between_latin_words():
    blocks = tidy_plan_text("（合成）到 2025 年， CO2 capture 达到 100 万吨。")
    assert blocks[0].text == "（合成）到2025年，CO2 capture达到100万吨。"


def test_line_ends_of_any_system_and_page_breaks_are_handled():
    unix = tidy_plan_text("二、主要目标\n\n（合成）正文。")
    assert tidy_plan_text("二、主要目标\r\n\r\n（合成）正文。") == unix
    assert tidy_plan_text("二、主要目标\r\r（合成）正文。") == unix
    assert tidy_plan_text("二、主要目标\n\f\n（合成）正文。") == unix
    # a page break inside a paragraph is no paragraph break: the paragraph runs on
    assert joined(tidy_plan_text("（合成）一段跨页\f的正文。")) == "（合成）一段跨页的正文。"


def test_the_synthetic_transcriptions_tidy_into_their_sections(synthetic_root):
    data, _ = load_data_root(synthetic_root)
    second = tidy_plan_text(data.plan("synthetic-second-city").text)
    headings = [b.text for b in second if b.kind == "heading"]
    assert "（十一）合成领域十一：碳汇能力巩固提升（合成）" in headings
    assert headings.index("二、重点任务") < headings.index("（一）合成领域一：能源绿色低碳转型（合成）")


# --- finding quotes ------------------------------------------------------------------------------------
def test_quotes_are_found_across_line_breaks_spaces_and_full_width_forms():
    text = "到 2025 年，城镇新建民用建筑中绿色建筑面积占比达到 100％，绿\n色生活创建行动"
    start, end = find_quote(text, "城镇新建民用建筑中绿色建筑面积占比达到100%")
    assert text[start:end] == "城镇新建民用建筑中绿色建筑面积占比达到 100％"
    assert find_quote(text, "绿色生活创建行动") == (text.index("绿\n色"), len(text))
    assert find_quote(text, "２０２５年") == (text.index("2025"), text.index("年") + 1)
    assert find_quote(text, "不存在的话") is None
    assert find_quote(text, "   ") is None


SECTIONS = "\n\n".join([
    "一、总体要求和主要目标",
    "（三）主要目标（合成）",
    "（合成）到2025年，森林覆盖率达到50%。",
    "二、重点任务",
    "（一）合成领域一",
    "1. 合成任务。（合成）到2025年，森林覆盖率达到50%。",
    "（十）合成领域十",
    "1. 合成任务。（合成）推广生态农业。",
    "（十一）合成领域十一",
    "1. 合成任务。（合成）到2025年，森林覆盖率达到50%。",
])
QUOTE = "（合成）到2025年，森林覆盖率达到50%"


@pytest.mark.parametrize("clause, section", [
    ("一（三）", 0),  # the main targets
    ("二（一）1", 1),
    ("二（十一）1", 2),  # （十一）, not （一）: the clause's own section
    ("二（十）1", 1),  # （十） has no such words: the first occurrence in 二
    ("三", 0),  # no such section: the first occurrence
    ("二", 1),
])
def test_a_quote_found_more_than_once_is_taken_from_the_section_its_clause_names(clause, section):
    blocks = tidy_plan_text(SECTIONS)
    text = joined(blocks)
    occurrences = [m.start() for m in re.finditer(re.escape(QUOTE), text)]
    assert len(occurrences) == 3
    found = locate_quotes(blocks, {"t": (QUOTE, clause)})
    assert found["t"][0] == occurrences[section]


def test_quotes_not_found_are_left_out():
    blocks = tidy_plan_text(SECTIONS)
    assert locate_quotes(blocks, {"here": ("（合成）推广生态农业", "二（十）1"), "gone": ("（合成）没有的话", "二")}) == {
        "here": (joined(blocks).index("（合成）推广生态农业"),
                 joined(blocks).index("（合成）推广生态农业") + len("（合成）推广生态农业"))}


def test_locate_in_text_tidies_with_the_plans_furniture_first():
    raw = SECTIONS.replace("（合成）推广生态农业。", "（合成）推广（下转06版）生态农业。")
    blocks, spans = locate_in_text(raw, DECLARED, {"t": ("（合成）推广生态农业", "二（十）1")})
    assert "t" in spans
    assert blocks == tidy_plan_text(raw, DECLARED)
    _, none = locate_in_text(raw, Furniture(), {"t": ("（合成）推广生态农业", "二（十）1")})
    assert none == {}


def test_furniture_in_a_quote_is_found_by_the_declared_rules_only():
    assert furniture_in("（合成）到2025年（下转06版）", DECLARED) == "（下转06版）"
    assert furniture_in("本文内容来自网络的话", DECLARED) == "本文内容来自网络"
    assert furniture_in("（合成）建成充电站 12 座", DECLARED) is None  # a number is not a page number
    assert furniture_in("12", DECLARED) is None
    assert furniture_in("（合成）正文", Furniture()) is None


def test_the_second_citys_quotes_are_all_located_in_their_sections(synthetic_root):
    data, _ = load_data_root(synthetic_root)
    plan = data.plan("synthetic-second-city")
    quotes = {t.target_id: (t.quote_zh, t.clause) for t in plan.targets}
    blocks, spans = locate_in_text(plan.text, plan.furniture, quotes)
    assert set(spans) == set(quotes)
    text = joined(blocks)
    wetland = spans["wetland-2025"][0]
    assert text.rfind("（十一）合成领域十一", 0, wetland) > text.rfind("（十）合成领域十", 0, wetland)


def test_every_real_target_quote_is_found_once_the_furniture_is_dropped(real_root):
    data, problems = load_data_root(real_root)
    assert data is not None and not any(p.is_error for p in problems)
    for plan in data.plans:
        assert plan.text, plan.plan_id
        quotes = {t.target_id: (t.quote_zh, t.clause) for t in plan.targets}
        blocks, spans = locate_in_text(plan.text, plan.furniture, quotes)
        assert set(spans) == set(quotes), (plan.plan_id, sorted(set(quotes) - set(spans)))
        text = joined(blocks)
        assert "本文内容来自网络" not in text and "要闻链接" not in text
        assert not re.search(r"[上下][接转]\s*\d+\s*版", text)


# --- marking -----------------------------------------------------------------------------------------
def test_overlapping_quotes_share_one_mark_and_each_keeps_its_anchor():
    blocks = (TextBlock("heading", "二、主要目标", 1), TextBlock("paragraph", "甲乙丙丁戊己庚"))
    offset = len("二、主要目标") + 1
    spans = {"a": (offset + 1, offset + 4), "b": (offset + 3, offset + 6)}
    refs = {"a": ("指标甲", "plans/p/indicators/a.md"), "b": ("指标乙", "plans/p/indicators/b.md")}
    marked = mark_blocks(blocks, spans, refs)
    assert marked[0].kind == "heading" and marked[0].level == 2
    segments = marked[1].segments
    assert [(s.text, s.marked) for s in segments] == [("甲", False), ("乙丙丁戊己", True), ("庚", False)]
    assert segments[1].anchor_ids == ("a", "b")
    assert segments[1].refs == (refs["a"], refs["b"])


def test_a_quote_across_two_blocks_is_marked_in_both_and_linked_after_its_end():
    blocks = (TextBlock("paragraph", "甲乙丙"), TextBlock("paragraph", "丁戊己"))
    spans = {"q": (1, 6)}  # 乙丙 \n 丁戊
    marked = mark_blocks(blocks, spans, {"q": ("指标", "x.md")})
    first, second = marked[0].segments, marked[1].segments
    assert [(s.text, s.marked, s.anchor_ids, s.refs) for s in first] == [
        ("甲", False, (), ()), ("乙丙", True, ("q",), ())]
    assert [(s.text, s.marked, s.anchor_ids, s.refs) for s in second] == [
        ("丁戊", True, (), (("指标", "x.md"),)), ("己", False, (), ())]


def test_heading_levels_start_at_the_base_and_never_skip():
    blocks = (TextBlock("heading", "（一）甲", 2), TextBlock("heading", "专栏1 乙", 3), TextBlock("heading", "二、丙", 1))
    levels = [b.level for b in mark_blocks(blocks, {}, {}, heading_base=2)]
    assert levels == [2, 3, 2]
    assert all(2 <= level <= 6 for level in levels)


def test_mark_blocks_keeps_every_character_of_the_text():
    blocks = tidy_plan_text(SECTIONS)
    spans = locate_quotes(blocks, {"a": (QUOTE, "二（十一）1"), "b": ("（合成）推广生态农业", "二（十）1")})
    marked = mark_blocks(blocks, spans, {})
    assert ["".join(s.text for s in b.segments) for b in marked] == [b.text for b in blocks]
    assert sum(1 for b in marked for s in b.segments if s.anchor_ids) == 2
    assert plantext.PlanBlock is type(marked[0])
