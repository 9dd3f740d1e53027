"""Bytes to text, with the same rules for every file the build reads (CSV tables,
plan transcriptions, READMEs, descriptors): UTF-8 with or without Excel's BOM;
GBK and UTF-16 recognised and explained; control characters found and located.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"
HAN = re.compile(r"[\u4e00-\u9fff]")
# Characters no text of ours may hold: C0 controls except tab, newline and carriage return
# (form feed too in transcriptions, where it marks a page break), DEL and the C1 controls.
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
CONTROL_IN_CELL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_NAMES = {0x00: "空字符 NUL", 0x07: "响铃符 BEL", 0x08: "退格符 BS", 0x1B: "转义符 ESC", 0x7F: "删除符 DEL"}


@dataclass(frozen=True)
class DecodeProblem:
    """Why bytes are not text we can read: a problem code, a Chinese message and the line."""

    code: str
    message: str
    line: int


def decode(data: bytes) -> str | DecodeProblem:
    """The text of a file: UTF-8 with or without BOM; GBK, UTF-16 and others are explained."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return DecodeProblem("encoding-invalid", "文件是 UTF-16 编码（Excel 的“Unicode 文本”），不是 UTF-8", line)
    try:
        gbk_text = data.decode("gb18030")
    except UnicodeDecodeError:
        gbk_text = None
    if gbk_text is not None and HAN.search(gbk_text):
        lines = gbk_text.splitlines()
        sample = lines[line - 1].strip()[:30] if line - 1 < len(lines) else ""
        return DecodeProblem("encoding-gbk", f"文件不是 UTF-8，看起来是以 GBK 编码保存的（第 {line} 行：“{visible(sample)}”）",
                             line)
    return DecodeProblem("encoding-invalid", f"文件第 {line} 行有无法识别的字节，既不是 UTF-8 也不是 GBK", line)


def control_name(ch: str) -> str:
    """A control character as a maintainer can look it up: its name and code, e.g. 转义符 ESC（U+001B）."""
    code = ord(ch)
    name = CONTROL_NAMES.get(code, "C1 控制符" if code >= 0x80 else "控制字符")
    return f"{name}（U+{code:04X}）"


def visible(text: str) -> str:
    """Text with every control character shown as an escape, for quoting it in a message."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", text)


def first_control(text: str, *, cell: bool = False) -> tuple[int, str] | None:
    """(line within the text, character) of the first forbidden control character, or None."""
    match = (CONTROL_IN_CELL if cell else CONTROL_IN_TEXT).search(text)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1, match.group()


@dataclass(frozen=True)
class Mojibake:
    """Text that was UTF-8 read in another encoding and saved again: what it likely was, if recoverable."""

    codec: str  # the encoding it was wrongly read as: "gbk", "cp1252"; "" for replacement characters
    original: str | None  # the text it was, when every character comes back exactly; None when some are lost

    def message(self, cell: str) -> str:
        shown = visible(cell[:24]) + ("…" if len(cell) > 24 else "")
        if not self.codec:
            return (f"“{shown}”含有替换字符 �：文件曾被以错误的编码打开并保存，原来的文字已经丢失")
        wrong = "GBK（ANSI）" if self.codec == "gbk" else "西文编码"
        if self.original is not None:
            return (f"“{shown}”是乱码：原来的 UTF-8 文字被当作{wrong}打开后又保存了，"
                    f"原文应为“{visible(self.original[:24])}{'…' if len(self.original) > 24 else ''}”")
        return f"“{shown}”是乱码：原来的 UTF-8 文字被当作{wrong}打开后又保存了，部分文字已经丢失"

    def hint(self, file: str) -> str:
        return (f"不要在乱码上修改：从版本库恢复这个文件的上一版（如 git checkout -- {file}），再用 Excel 或 WPS 打开，"
                "另存为“CSV UTF-8（逗号分隔）”；本项目的 CSV 带有 BOM，双击打开时不会再乱码")


def mojibake(text: str) -> Mojibake | None:
    """Whether a cell is mojibake: UTF-8 Chinese read as GBK (or a Western code page) and saved again.

    The test is exact, not a guess from odd-looking characters: the text, written back in the
    encoding it was wrongly read as, must be valid UTF-8 that holds Chinese and is shorter. Real
    Chinese text of two characters or more practically never passes it.
    """
    if "\ufffd" in text:
        return Mojibake("", None)
    if text.isascii() or len(text) < 2:
        return None
    for codec in ("gbk", "cp1252"):
        try:
            raw = text.encode(codec)
        except UnicodeEncodeError:
            continue
        try:
            fixed = raw.decode("utf-8")
        except UnicodeDecodeError:
            # A last half character was lost when the file was saved: all but its last bytes decode
            for cut in (1, 2):
                try:
                    fixed = raw[:-cut].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if len(HAN.findall(fixed)) >= 2 and len(fixed) < len(text):
                    return Mojibake(codec, None)
            continue
        if fixed != text and HAN.search(fixed) and len(fixed) < len(text):
            return Mojibake(codec, fixed)
    return None
