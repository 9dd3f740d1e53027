"""A plan's transcription as text a reader can follow: page furniture dropped,
wrapped lines rejoined, headings found; and the plan's own words located in it.

Pure: used by ``checks`` (a quote that cannot be found is a warning) and by the
site (the annotated plan marks every target's words). What counts as furniture is
partly generic (page numbers) and partly the transcription's own, declared in its
package (``plan_text_furniture``), so no particular document is written in here.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from builder.model import Furniture

# Lines that belong to the page in any transcription: page numbers ("- 12 -", "第 3 页").
# Each is dropped whole. A transcription's own furniture comes with its package.
GENERIC_FURNITURE_LINES = (
    r"^[-－—–\s]*\d{1,3}[-－—–\s]*$",
    r"^第\s*\d+\s*页",
)

_NUMERALS = "一二三四五六七八九十"
_HEADING_RANKS = (
    (1, re.compile(rf"^([{_NUMERALS}]+)、")),
    (2, re.compile(rf"^（([{_NUMERALS}]+)）")),
    (3, re.compile(r"^专栏\s*\d+")),
)
# A line starting like this always starts a new paragraph.
# "1．" and "1. " number items; "5.2%" at the start of a wrapped line does not.
_BLOCK_START = re.compile(rf"^([{_NUMERALS}]+、|（[{_NUMERALS}]+）|\d{{1,2}}\s*(?:[．、]|\.(?!\d))|——|专栏\s*\d+)")
_TERMINAL = tuple("。！？；：）)」』”")
_HEADING_MAX_CHARS = 40


@dataclass(frozen=True)
class PlanSegment:
    """A run of plan text: plain, or inside a mark."""

    text: str
    marked: bool = False
    anchor_ids: tuple[str, ...] = ()  # ids placed at the start of this run (first run of a mark)
    refs: tuple[tuple[str, str], ...] = ()  # (label, link target) shown after this run, e.g. the indicator's page


@dataclass(frozen=True)
class PlanBlock:
    """A heading or paragraph of the tidied plan text, as runs."""

    kind: str  # "heading" | "paragraph"
    level: int  # Markdown heading level for headings, 0 for paragraphs
    segments: tuple[PlanSegment, ...]


@dataclass(frozen=True)
class TextBlock:
    """A heading or paragraph of a tidied plan text."""

    kind: str  # "heading" | "paragraph"
    text: str  # line breaks and page furniture removed
    rank: int = 0  # headings: 1 for 一、, 2 for （一）, 3 for 专栏; 0 for paragraphs


def _width(line: str) -> float:
    """Printed width in full-width characters (ASCII counts half)."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in line)


@dataclass(frozen=True)
class _Rules:
    lines: tuple[re.Pattern, ...]
    fragments: tuple[re.Pattern, ...]


@lru_cache(maxsize=64)
def _rules(furniture: Furniture) -> _Rules:
    return _Rules(tuple(re.compile(p) for p in (*GENERIC_FURNITURE_LINES, *furniture.lines)),
                  tuple(re.compile(p) for p in furniture.fragments))


def _clean_line(line: str, rules: _Rules) -> str:
    for fragment in rules.fragments:
        line = fragment.sub("", line)
    line = line.strip()
    if any(p.search(line) for p in rules.lines):
        return ""
    return line


def furniture_in(text: str, furniture: Furniture) -> str | None:
    """The first piece of page furniture in a short text (a quote), or None."""
    rules = _rules(furniture)
    for fragment in rules.fragments:
        match = fragment.search(text)
        if match:
            return match.group()
    for pattern in rules.lines[len(GENERIC_FURNITURE_LINES):]:  # page-number rules would match any short number
        match = pattern.search(text)
        if match and match.group():
            return match.group()
    return None


def _join_lines(lines: Sequence[str]) -> str:
    text = ""
    for line in lines:
        if text and text[-1].isascii() and text[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            text += " "
        text += line
    return _tidy_spaces(text)


def _tidy_spaces(text: str) -> str:
    """Collapse spaces; drop the typesetting spaces a PDF leaves beside Chinese characters."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", text)


def _is_wrapped(lines: Sequence[str]) -> bool:
    """Whether the lines were cut at a fixed width (a PDF or newspaper column) rather than at paragraphs."""
    if len(lines) < 10:
        return False
    widths = [round(_width(line) * 2) / 2 for line in lines]
    mode = max(sorted(set(widths)), key=widths.count)
    near = sum(1 for w in widths if abs(w - mode) <= 1.5)
    return near / len(widths) >= 0.4


def _paragraphs_of_wrapped(lines: Sequence[str]) -> list[list[str]]:
    widths = [_width(line) for line in lines]
    rounded = [round(w * 2) / 2 for w in widths]
    full = max(sorted(set(rounded)), key=rounded.count)
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for i, line in enumerate(lines):
        if current and _BLOCK_START.match(line):
            paragraphs.append(current)
            current = []
        current.append(line)
        w = widths[i]
        first = len(current) == 1
        if line.endswith(_TERMINAL):
            # A paragraph's first line is indented two characters, so it is short
            # without ending the paragraph.
            ends = w <= full - 1.5 and not (first and w >= full - 3.5)
        elif first and any(p.match(line) for _, p in _HEADING_RANKS):
            # A heading without a full stop (newspaper style) is short; a long one wraps.
            ends = w <= full - 3
        else:
            ends = w <= full * 0.6
        if ends:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _paragraphs_of_unwrapped(raw_lines: Sequence[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in raw_lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = []
            continue
        if current and _BLOCK_START.match(line):
            paragraphs.append(current)
            current = []
        current.append(line)
    if current:
        paragraphs.append(current)
    return paragraphs


def _block_of(text: str) -> TextBlock:
    for rank, pattern in _HEADING_RANKS:
        if pattern.match(text) and len(text) <= _HEADING_MAX_CHARS and "。" not in text[:-1]:
            return TextBlock("heading", text, rank)
    return TextBlock("paragraph", text)


@lru_cache(maxsize=16)
def tidy_plan_text(raw: str, furniture: Furniture = Furniture()) -> tuple[TextBlock, ...]:
    """The plan text as headings and paragraphs: page furniture dropped, lines rejoined, PDF spaces removed."""
    rules = _rules(furniture)
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    cleaned = [_clean_line(line, rules) for line in text.split("\n")]
    nonblank = [line for line in cleaned if line]
    if _is_wrapped(nonblank):
        paragraphs = _paragraphs_of_wrapped(nonblank)
    else:
        paragraphs = _paragraphs_of_unwrapped(cleaned)
    blocks = (_block_of(_join_lines(p)) for p in paragraphs)
    return tuple(b for b in blocks if b.text)


def _normalise(text: str) -> tuple[str, list[int]]:
    """Text without whitespace, NFKC-folded (full/half width), with each character's index in the original."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for folded in unicodedata.normalize("NFKC", ch):
            if not folded.isspace():
                out.append(folded)
                index.append(i)
    return "".join(out), index


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where quote first occurs in text, ignoring whitespace and full/half width: (start, end) offsets into text."""
    spans = _find_all(_normalise(text), quote)
    return spans[0] if spans else None


def _find_all(normalised: tuple[str, list[int]], quote: str) -> list[tuple[int, int]]:
    """Every occurrence of quote in an already normalised text, as (start, end) offsets into the original."""
    hay, index = normalised
    needle, _ = _normalise(quote)
    found: list[tuple[int, int]] = []
    if not needle:
        return found
    pos = hay.find(needle)
    while pos >= 0:
        found.append((index[pos], index[pos + len(needle) - 1] + 1))
        pos = hay.find(needle, pos + 1)
    return found


def _clause_path(clause: str) -> tuple[str | None, str | None]:
    """The section numbers a clause names: "三（一）1" → ("三", "一"); "二" → ("二", None)."""
    top = re.match(rf"^([{_NUMERALS}]+)", clause)
    sub = re.search(rf"（([{_NUMERALS}]+)）", clause)
    return (top.group(1) if top else None, sub.group(1) if sub else None)


def locate_in_text(text: str, furniture: Furniture, quotes: Mapping[str, tuple[str, str]]
                   ) -> tuple[tuple[TextBlock, ...], dict[str, tuple[int, int]]]:
    """The tidied blocks of a transcription and where each quote (key → (quote, clause)) occurs in them."""
    blocks = tidy_plan_text(text, furniture)
    return blocks, dict(_located(blocks, tuple(sorted(quotes.items()))))


@lru_cache(maxsize=16)
def _located(blocks: tuple[TextBlock, ...], quotes: tuple) -> tuple:
    # validate and the site stage both locate the same quotes in the same text: done once a run
    return tuple(locate_quotes(blocks, dict(quotes)).items())


def locate_quotes(blocks: Sequence[TextBlock], quotes: Mapping[str, tuple[str, str]]
                  ) -> dict[str, tuple[int, int]]:
    """Where each quote (key → (quote, clause)) occurs in the joined block texts; keys not found are absent.

    Offsets index the block texts joined with "\\n". Where a quote occurs more than once, the
    occurrence inside the section its clause names is taken, else the first.
    """
    text = "\n".join(b.text for b in blocks)
    # The section path (一, （一）) in force at the start of every block.
    starts: list[tuple[int, tuple[str | None, str | None]]] = []
    top = sub = None
    offset = 0
    for block in blocks:
        if block.kind == "heading" and block.rank == 1:
            top, sub = _HEADING_RANKS[0][1].match(block.text).group(1), None
        elif block.kind == "heading" and block.rank == 2:
            sub = _HEADING_RANKS[1][1].match(block.text).group(1)
        starts.append((offset, (top, sub)))
        offset += len(block.text) + 1

    def section_at(pos: int) -> tuple[str | None, str | None]:
        path: tuple[str | None, str | None] = (None, None)
        for block_start, block_path in starts:
            if block_start > pos:
                break
            path = block_path
        return path

    normalised = _normalise(text)
    found: dict[str, tuple[int, int]] = {}
    for key in sorted(quotes):
        quote, clause = quotes[key]
        spans = _find_all(normalised, quote)
        if not spans:
            continue
        want_top, want_sub = _clause_path(clause)

        def score(span: tuple[int, int]) -> int:
            have_top, have_sub = section_at(span[0])
            if want_top is None or have_top != want_top:
                return 0
            return 2 if want_sub is not None and have_sub == want_sub else 1

        found[key] = max(spans, key=lambda s: (score(s), -s[0]))
    return found


def mark_blocks(blocks: Sequence[TextBlock], spans: Mapping[str, tuple[int, int]],
                refs: Mapping[str, tuple[str, str]], heading_base: int = 2) -> tuple[PlanBlock, ...]:
    """The blocks as PlanBlocks with every span marked; overlapping spans share one mark.

    spans: target id → (start, end) from locate_quotes. refs: target id → (indicator name,
    indicator page) linked after the mark. Heading levels start at heading_base for the
    highest-ranked heading that occurs first, so levels never skip.
    """
    groups: list[tuple[int, int, list[str]]] = []
    for key, (start, end) in sorted(spans.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0])):
        if groups and start < groups[-1][1]:
            last_start, last_end, keys = groups[-1]
            groups[-1] = (last_start, max(last_end, end), keys + [key])
        else:
            groups.append((start, end, [key]))

    first_rank = next((b.rank for b in blocks if b.kind == "heading"), 1)
    result = []
    offset = 0
    first_open = 0  # groups before this one end before the current block, so they mark no block from here on
    for block in blocks:
        block_start, block_end = offset, offset + len(block.text)
        offset = block_end + 1
        while first_open < len(groups) and groups[first_open][1] <= block_start:
            first_open += 1
        cuts: list[tuple[int, int, tuple[str, ...], bool, bool]] = []
        for start, end, keys in groups[first_open:]:
            if start >= block_end:  # groups are in order of start: this and the rest begin after the block
                break
            lo, hi = max(start, block_start), min(end, block_end)
            if lo < hi:
                cuts.append((lo - block_start, hi - block_start, tuple(keys), start >= block_start, end <= block_end))
        segments: list[PlanSegment] = []
        pos = 0
        for lo, hi, keys, is_first, is_last in cuts:
            if lo > pos:
                segments.append(PlanSegment(block.text[pos:lo]))
            link_refs: list[tuple[str, str]] = []
            if is_last:
                for key in keys:
                    if key in refs and refs[key] not in link_refs:
                        link_refs.append(refs[key])
            segments.append(PlanSegment(block.text[lo:hi], True, keys if is_first else (), tuple(link_refs)))
            pos = hi
        if pos < len(block.text):
            segments.append(PlanSegment(block.text[pos:]))
        level = 0
        if block.kind == "heading":
            level = min(6, max(2, heading_base + block.rank - first_rank))
        result.append(PlanBlock(block.kind, level, tuple(segments)))
    return tuple(result)
