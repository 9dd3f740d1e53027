"""The only path-safety code: every file the build reads is named by a path that is
checked here before anything opens it.

A path must be relative, stay inside its package (also through symlinks), name a
regular local file, be free of control characters and not be too large. Problems
come back as values, never raised, so the loader reports every one in a run.
"""
from __future__ import annotations

import difflib
import re
import stat
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
MAX_TEXT_BYTES = 50 * MB  # per CSV or text file; our tables are a few hundred kB
MAX_DESCRIPTOR_BYTES = 5 * MB  # per datapackage.json

REMOTE_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class PathProblem:
    """Why a path cannot be read: a problem code and a Chinese message.

    on_disk: the problem is with the file the path names (a symlink, a directory, its size),
    not with the path as written, so it is reported against that file.
    """

    code: str
    message: str
    on_disk: bool = False


def shown(raw: str) -> str:
    """A path as it may appear inside a message: control characters visibly escaped."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", raw)


def written_path_problem(raw: str) -> PathProblem | None:
    """What is wrong with a package-relative path as written, or None."""
    if CONTROL.search(raw):
        return PathProblem("path-control-character", f"路径“{shown(raw)}”中含有控制字符（如换行、制表符或空字符）")
    if raw.startswith(("/", "\\")) or WINDOWS_ABSOLUTE.match(raw):
        return PathProblem("path-absolute", f"路径“{raw}”是绝对路径")
    if REMOTE_SCHEME.match(raw):
        return PathProblem("path-remote", f"路径“{raw}”是网址或远程地址，构建只读取数据包内的本地文件")
    if ".." in parts(raw):
        return PathProblem("path-parent", f"路径“{raw}”含有“..”，指向数据包目录之外")
    if not parts(raw):
        return PathProblem("path-not-file", f"路径“{raw}”没有指向任何文件")
    return None


def parts(raw: str) -> list[str]:
    """The parts of a relative path, split at either slash, without empty and "." parts."""
    return [p for p in re.split(r"[\\/]", raw) if p not in ("", ".")]


def normalise(raw: str) -> str:
    """A relative path as the maintainer would type it: forward slashes, no "." parts."""
    return "/".join(parts(raw))


def member_file(pkg_dir: Path, raw: str, max_bytes: int = MAX_TEXT_BYTES) -> Path | PathProblem:
    """The checked local file a package-relative path names, or why it cannot be read."""
    found = written_path_problem(raw)
    if found is not None:
        return found
    return local_file(pkg_dir, pkg_dir.joinpath(*parts(raw)), raw, max_bytes)


def local_file(pkg_dir: Path, path: Path, raw: str, max_bytes: int) -> Path | PathProblem:
    """The resolved file if it stays inside pkg_dir, exists, is a regular file and is small enough."""
    try:
        resolved = path.resolve()
    except (RuntimeError, OSError):  # a symlink loop (Python 3.11 raises RuntimeError)
        return PathProblem("path-not-file", f"路径“{shown(raw)}”是循环的符号链接", on_disk=True)
    if not resolved.is_relative_to(pkg_dir.resolve()):
        return PathProblem("path-symlink-escape", f"路径“{shown(raw)}”经符号链接指向数据包之外的“{shown(str(resolved))}”",
                           on_disk=True)
    if CONTROL.search(resolved.name):
        return PathProblem("path-control-character", f"文件名“{shown(resolved.name)}”中含有控制字符", on_disk=True)
    try:
        info = resolved.stat()
    except FileNotFoundError:
        return PathProblem("file-missing", f"找不到文件“{shown(raw)}”{similar_name_hint(resolved)}")
    except OSError as error:
        return PathProblem("path-not-file", f"无法读取“{shown(raw)}”：{error.strerror or error}", on_disk=True)
    if not stat.S_ISREG(info.st_mode):
        kind = "目录" if stat.S_ISDIR(info.st_mode) else "特殊文件"
        return PathProblem("path-not-file", f"路径“{shown(raw)}”是{kind}，不是普通文件", on_disk=True)
    if info.st_size > max_bytes:
        return PathProblem("file-too-large", f"文件“{shown(raw)}”有 {info.st_size / MB:.1f} MB，"
                           f"超过上限 {max_bytes // MB} MB，未读取", on_disk=True)
    return resolved


def similar_name_hint(path: Path) -> str:
    """A "did you mean" note naming a file with a similar name in the same folder."""
    try:
        siblings = [p.name for p in path.parent.iterdir()]
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, siblings, n=1, cutoff=0.6)
    close = close or [s for s in siblings if s.lower() == path.name.lower()]
    return f"（是否指“{shown(close[0])}”？文件名区分大小写）" if close else ""
