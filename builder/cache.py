"""The content-keyed caches that make a rebuild cheap, all under ``<build dir>/.cache``.

- charts: every chart of the last build, each under the sha256 of everything it is
  made of (its inputs, the builder's code, the chart tools' versions), so a rebuild
  recomputes only charts whose inputs changed and a chart made from other inputs is
  never reused;
- the last build: the digest of the generated project and of the site it produced, so
  MkDocs is skipped when neither changed;
- the Vega bundle, also kept in the user's cache directory for every build on the machine.

A missing or damaged cache only costs time: every entry is checked before it is used.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path

from builder import __version__

CACHE_DIR = ".cache"  # inside the build dir; survives regeneration
CACHE_FORMAT = "2"  # bump when what the cache records changes meaning
CHART_CACHE = "charts.json"  # {"format": …, "entries": {key: entry}}
LAST_BUILD = "last-build.json"
CHART_TOOLS = ("altair", "vl-convert-python", "jsonschema", "narwhals")  # packages whose versions can change a spec


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write_atomically(path: Path, content: bytes) -> None:
    """Write a file so a reader sees the old bytes or the new, never half of them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "-"


def builder_fingerprint(package_dir: Path | None = None) -> str:
    """sha256 over the bytes of every builder module (the code that turns inputs into charts and pages)."""
    root = package_dir or Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        digest.update(rel.encode("utf-8") + b"\0" + sha256(path.read_bytes()).encode("ascii") + b"\0")
    return digest.hexdigest()


# --- charts ------------------------------------------------------------------------------------------
def chart_salt() -> bytes:
    """What every chart key shares: cache format, builder code and chart tool versions."""
    digest = hashlib.sha256()
    for part in (CACHE_FORMAT, __version__, sys.version, builder_fingerprint(),
                 *(f"{name}=={_version(name)}" for name in CHART_TOOLS)):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.digest()


def chart_key(salt: bytes, inputs: tuple) -> str | None:
    """The key of a chart's inputs; None when they cannot be keyed safely.

    repr of the model's dataclasses, tuples and dicts names every field with its value (floats
    exactly, 1 apart from 1.0, strings quoted), so equal text means equal inputs. An object
    without a repr of its own shows only its address: such inputs are not cached.
    """
    text = repr(inputs)
    if " object at 0x" in text:
        return None
    return hashlib.sha256(salt + text.encode("utf-8")).hexdigest()


def read_chart_cache(build_dir: Path) -> dict[str, dict]:
    """The stored chart entries by key; {} when the file is missing or damaged."""
    try:
        record = json.loads((build_dir / CACHE_DIR / CHART_CACHE).read_bytes())
        entries = record["entries"] if record.get("format") == CACHE_FORMAT else {}
        return entries if isinstance(entries, dict) else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return {}


def write_chart_cache(build_dir: Path, entries: Mapping[str, dict]) -> None:
    """Store exactly these chart entries (a failed write only costs the next build time)."""
    text = json.dumps({"format": CACHE_FORMAT, "entries": dict(entries)}, ensure_ascii=False, sort_keys=True)
    try:
        write_atomically(build_dir / CACHE_DIR / CHART_CACHE, text.encode("utf-8"))
    except OSError:
        pass


def cached(build_dir: Path, items: Mapping, make: Callable, to_entry: Callable, from_entry: Callable) -> dict:
    """Each item's value, from the chart cache where the same inputs were seen before, else made.

    items: key → inputs tuple. The file is rewritten only when an entry was added or dropped,
    and then holds exactly this build's entries.
    """
    stored = read_chart_cache(build_dir)
    salt = chart_salt()
    values, entries = {}, {}
    for item, inputs in items.items():
        key = chart_key(salt, tuple(inputs))
        value = from_entry(stored.get(key), key) if key is not None else None
        if value is None:
            value = make(inputs)
        values[item] = value
        if key is not None:
            entries[key] = to_entry(key, value)
    if entries != stored:
        write_chart_cache(build_dir, entries)
    return values


# --- the whole build -----------------------------------------------------------------------------------
def project_digest(files: Mapping[str, bytes], epoch: int) -> str:
    """Everything that decides MkDocs' output: the project files, the date, and every installed distribution."""
    digest = hashlib.sha256()
    tools = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    for part in (CACHE_FORMAT, __version__, sys.version, platform.machine(), str(epoch), *tools):
        digest.update(part.encode("utf-8") + b"\0")
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + sha256(files[path]).encode("ascii") + b"\0")
    return digest.hexdigest()


def tree_digest(root: Path) -> str:
    """sha256 over every file's relative path and bytes under root."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            digest.update(rel.encode("utf-8") + b"\0" + sha256(path.read_bytes()).encode("ascii") + b"\0")
    return digest.hexdigest()


def read_last_build(build_dir: Path) -> dict:
    try:
        record = json.loads((build_dir / CACHE_DIR / LAST_BUILD).read_text(encoding="utf-8"))
        return record if isinstance(record, dict) else {}
    except (OSError, ValueError, RecursionError):
        return {}


def write_last_build(build_dir: Path, project: str, out_dir: Path, site_digest: str) -> None:
    record = {"format": CACHE_FORMAT, "project": project, "out_dir": str(out_dir.resolve()), "site": site_digest}
    try:
        write_atomically(build_dir / CACHE_DIR / LAST_BUILD, json.dumps(record, indent=2, sort_keys=True).encode())
    except OSError:
        pass  # the site is already published; without the record the next build just runs MkDocs again


def site_is_current(previous: dict, project: str, out_dir: Path) -> bool:
    """Whether out_dir is exactly the site the last build made from this very project."""
    return (previous.get("format") == CACHE_FORMAT and previous.get("project") == project
            and previous.get("out_dir") == str(out_dir.resolve()) and out_dir.is_dir()
            and previous.get("site") == tree_digest(out_dir))


# --- the Vega bundle ---------------------------------------------------------------------------------------
def user_cache_dir() -> Path:
    """Where carbon-site keeps what any build on this machine can reuse ($XDG_CACHE_HOME/carbon-site)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "carbon-site"


def vega_bundle(build_dir: Path) -> bytes:
    """vl_convert's JavaScript bundle (vega, vega-lite, vega-embed) for the Vega-Lite version the charts use.

    Making it takes ~1.3 s and depends only on the installed vl-convert and that version, so it is
    kept under those two in the build's cache and in the user's cache directory.
    """
    import vl_convert

    from builder.charts import VEGA_LITE_VERSION

    name = f"vega-bundle-{_version('vl-convert-python')}-vl{VEGA_LITE_VERSION}.js"
    places = [build_dir / CACHE_DIR / name, user_cache_dir() / name]
    for place in places:
        try:
            content = place.read_bytes()
        except OSError:
            continue
        if b"vegaEmbed" in content:  # a damaged copy is made again
            return content
    content = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION).encode("utf-8")
    for place in places:
        try:
            write_atomically(place, content)
        except OSError:  # a read-only home directory only costs the next build the 1.3 s
            pass
    return content


# --- share images ------------------------------------------------------------------------------------------
SHARE_DIR = "share"  # inside the build's cache: one PNG per image, named by the sha256 of its spec


def cached_images(build_dir: Path, specs: Mapping[str, dict], render: Callable[[dict], bytes]) -> dict[str, bytes]:
    """Each image (path → spec) from the cache where the same spec was drawn before, else drawn (in parallel).

    An image is keyed by its spec and the renderer's version, so a changed chart, title or
    tool is drawn again; images no spec names any more are removed from the cache.
    """
    from concurrent.futures import ProcessPoolExecutor

    folder = build_dir / CACHE_DIR / SHARE_DIR
    salt = f"{CACHE_FORMAT}|vl-convert-python=={_version('vl-convert-python')}|".encode("utf-8")
    keys = {path: hashlib.sha256(salt + json.dumps(spec, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
            for path, spec in specs.items()}
    images: dict[str, bytes] = {}
    missing = []
    for path, key in keys.items():
        try:
            content = (folder / f"{key}.png").read_bytes()
        except OSError:
            missing.append(path)
            continue
        if content.startswith(b"\x89PNG"):
            images[path] = content
        else:
            missing.append(path)
    if missing:
        workers = max(1, min(len(missing) // 8, os.cpu_count() or 1))
        if workers > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                drawn = list(pool.map(render, [specs[p] for p in missing], chunksize=4))
        else:
            drawn = [render(specs[p]) for p in missing]
        for path, content in zip(missing, drawn):
            images[path] = content
            try:
                write_atomically(folder / f"{keys[path]}.png", content)
            except OSError:
                pass
    wanted = {f"{key}.png" for key in keys.values()}
    if folder.is_dir():
        for stale in folder.iterdir():
            if stale.name not in wanted:
                stale.unlink(missing_ok=True)
    return images
