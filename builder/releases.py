"""Data releases: what a build publishes, under a date-based version, and what changed
since the release before.

A release is recorded when the data differs from the latest recorded release (by the
sha256 of every package file). Its version is the date the data vouches for (``clock``),
with a counter when that date already has a release, so the same data always gives the
same version and a fresh clone of a project rebuilds the same pages. The history is kept
as data beside the packages (``<data root>/releases.json``): every release with what changed, and a
snapshot of the latest one to compare the next with. Pure apart from ``read_history``
and ``write_history``.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from builder.model import DataRoot
from builder.progress import Assessment

HISTORY_FORMAT = 1
HISTORY_FILE = "releases.json"  # in the data root: the history travels with the data it describes
# What of a target counts as an edit of it.
TARGET_FIELDS = ("indicator_id", "kind", "target_year", "target_value", "comparator", "tolerance", "aspirational",
                 "baseline_year", "baseline_value", "quote_zh", "clause")


@dataclass(frozen=True)
class ValueChange:
    """A published value added, changed or removed: which value, and its number before and after."""

    plan_id: str
    indicator_id: str
    year: int
    status: str  # preliminary | final | revised
    source_id: str
    old: float | None  # None when added
    new: float | None  # None when removed


@dataclass(frozen=True)
class StatusChange:
    """A target whose status moved."""

    plan_id: str
    target_id: str
    indicator_id: str
    old: str | None  # None for a new target
    new: str | None  # None for a removed target


@dataclass(frozen=True)
class TargetEdit:
    """A target added, removed or edited, with the fields that changed."""

    plan_id: str
    target_id: str
    change: str  # added | removed | edited
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Release:
    """One recorded release of the data."""

    version: str  # e.g. 2026.11.30, or 2026.11.30.2 for the second release vouched for that date
    date: str  # ISO date the data vouches for
    data_hash: str  # sha256 over every package file
    first: bool = False  # the first release of this project
    values: tuple[ValueChange, ...] = ()
    statuses: tuple[StatusChange, ...] = ()
    targets: tuple[TargetEdit, ...] = ()

    @property
    def short_hash(self) -> str:
        return self.data_hash[:12]

    @property
    def added(self) -> tuple[ValueChange, ...]:
        return tuple(v for v in self.values if v.old is None)

    @property
    def changed(self) -> tuple[ValueChange, ...]:
        return tuple(v for v in self.values if v.old is not None and v.new is not None)

    @property
    def removed(self) -> tuple[ValueChange, ...]:
        return tuple(v for v in self.values if v.new is None)


@dataclass(frozen=True)
class History:
    """Every release, newest first, and the snapshot of the latest to compare the next with."""

    releases: tuple[Release, ...] = ()
    snapshot: Mapping = field(default_factory=dict)

    @property
    def latest(self) -> Release | None:
        return self.releases[0] if self.releases else None


def data_hash(data: DataRoot) -> str:
    """sha256 over every package's files (package name, path and bytes), in a fixed order.

    By the package's name, not its folder: folder names carry no meaning, so renaming one
    is not a new release.
    """
    digest = hashlib.sha256()
    for package in sorted(data.packages, key=lambda p: p.name):
        for rel in sorted(package.files):
            digest.update(f"{package.name}/{rel}".encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(package.files[rel]).digest())
    return digest.hexdigest()


def snapshot(data: DataRoot, assessments: Mapping[tuple[str, str], Assessment]) -> dict:
    """What the next release is compared with: every published value, every target and its status."""
    values = {_value_key(o.plan_id, o.indicator_id, o.year, o.status, o.source_id): o.value for o in data.observations}
    targets = {}
    for plan in data.plans:
        for t in plan.targets:
            targets[f"{t.plan_id}|{t.target_id}"] = {
                **{name: getattr(t, name) for name in TARGET_FIELDS},
                "status": assessments[t.key].status}
    return {"values": dict(sorted(values.items())), "targets": dict(sorted(targets.items()))}


def _value_key(plan_id: str, indicator_id: str, year: int, status: str, source_id: str) -> str:
    return f"{plan_id}|{indicator_id}|{year}|{status}|{source_id}"


def compare(before: Mapping, after: Mapping) -> tuple[tuple[ValueChange, ...], tuple[StatusChange, ...], tuple[TargetEdit, ...]]:
    """The values, statuses and targets that differ between two snapshots, in a fixed order."""
    old_values, new_values = before.get("values", {}), after.get("values", {})
    values = []
    for key in sorted(set(old_values) | set(new_values)):
        old, new = old_values.get(key), new_values.get(key)
        if old != new:
            plan_id, indicator_id, year, status, source_id = key.split("|")
            values.append(ValueChange(plan_id, indicator_id, int(year), status, source_id, old, new))
    old_targets, new_targets = before.get("targets", {}), after.get("targets", {})
    statuses, edits = [], []
    for key in sorted(set(old_targets) | set(new_targets)):
        old, new = old_targets.get(key), new_targets.get(key)
        plan_id, target_id = key.split("|", 1)
        indicator_id = (new or old)["indicator_id"]
        old_status = old["status"] if old else None
        new_status = new["status"] if new else None
        if old_status != new_status:
            statuses.append(StatusChange(plan_id, target_id, indicator_id, old_status, new_status))
        if old is None or new is None:
            edits.append(TargetEdit(plan_id, target_id, "added" if old is None else "removed"))
        else:
            changed = tuple(name for name in TARGET_FIELDS if old.get(name) != new.get(name))
            if changed:
                edits.append(TargetEdit(plan_id, target_id, "edited", changed))
    return tuple(values), tuple(statuses), tuple(edits)


def next_release(history: History, data: DataRoot, assessments, as_of: date) -> tuple[History, Release, bool]:
    """(the history with this build's release, this build's release, whether it is new).

    When the data is that of the latest release, nothing is recorded and that release is the
    one the site shows.
    """
    digest = data_hash(data)
    latest = history.latest
    if latest is not None and latest.data_hash == digest:
        return history, latest, False
    after = snapshot(data, assessments)
    values, statuses, targets = compare(history.snapshot if latest else {}, after)
    base = as_of.strftime("%Y.%m.%d")
    same_day = sum(1 for r in history.releases if r.version == base or r.version.startswith(base + "."))
    version = base if same_day == 0 else f"{base}.{same_day + 1}"
    release = Release(version, as_of.isoformat(), digest, latest is None, values, statuses, targets)
    return History((release, *history.releases), after), release, True


# --- the file ------------------------------------------------------------------------------------------
class HistoryUnreadable(ValueError):
    """releases.json exists but cannot be read (not JSON, or not a history this tool wrote)."""


def read_history(path: Path) -> History:
    """The history in path; an empty one when the file does not exist yet."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return History()
    except (OSError, ValueError, RecursionError):
        raise HistoryUnreadable("文件不是合法的 JSON") from None
    try:
        if raw.get("format") != HISTORY_FORMAT:
            raise HistoryUnreadable("不是本工具写的发布记录（format 不对）")
        releases = tuple(_release(r) for r in raw["releases"])
        return History(releases, raw.get("snapshot") or {})
    except (AttributeError, KeyError, TypeError, ValueError):
        raise HistoryUnreadable("记录的结构不对，可能被手工改动或已损坏") from None


def _release(raw: dict) -> Release:
    return Release(str(raw["version"]), str(raw["date"]), str(raw["data_hash"]), bool(raw.get("first", False)),
                   tuple(ValueChange(**v) for v in raw.get("values", [])),
                   tuple(StatusChange(**s) for s in raw.get("statuses", [])),
                   tuple(TargetEdit(**{**t, "fields": tuple(t.get("fields", ()))}) for t in raw.get("targets", [])))


def history_bytes(history: History) -> bytes:
    """The history as the file holds it: stable JSON, newest release first."""
    doc = {"format": HISTORY_FORMAT,
           "note": "carbon-site 在每次数据变化后的构建中记录的数据发布历史；请勿手工编辑。",
           "releases": [asdict(r) for r in history.releases], "snapshot": history.snapshot}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
