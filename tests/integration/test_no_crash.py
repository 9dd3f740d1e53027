"""No input file makes validate crash (issue 11: "a crash is a bug").

Seeded mutations of every file of the SYNTHETIC data root (cut short, bytes flipped, a NUL or a
stray quote inserted, a line dropped or repeated, emptied, replaced by garbage, saved as UTF-16),
and of every descriptor (a value anywhere replaced by a value of another JSON type); each file gets
six of its mutations (half of it always; five drawn by a seed), to keep the test near a minute. Each
mutated root is validated; the result must be problems from the catalogue, never an exception. The seeds
are fixed, so a failure names a reproducible input. Inputs that once crashed have their own
fixtures in tests/fixtures/bad_cases.py (file-cut-off, resource-not-an-object, …).
"""
from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fixtures.bad_cases import SYNTHETIC_DIR

from builder.checks import validate_data_root
from builder.problems import CATALOGUE

FILES = sorted(p.relative_to(SYNTHETIC_DIR).as_posix() for p in SYNTHETIC_DIR.rglob("*")
               if p.is_file() and p.name != "datapackage.json" and p.name != "releases.json")
DESCRIPTORS = sorted(p.relative_to(SYNTHETIC_DIR).as_posix() for p in SYNTHETIC_DIR.glob("*/datapackage.json"))
OTHER_TYPES = [None, 0, -1, 1.5, "", "x", [], {}, True, ["x"], {"x": 1}, [{}], "../../outside.csv",
               "https://example.org/remote.csv"]


def byte_mutations(data: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    n = len(data)
    yield "empty", b""
    yield "half", data[: n // 2]
    cut = rng.randrange(max(n, 1))
    yield f"cut at {cut}", data[:cut]
    flipped = bytearray(data)
    for _ in range(3):
        if flipped:
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    yield "three bytes flipped", bytes(flipped)
    for stray in (b"\x00", b'"', b"\r", b"\xe4\xb8"):
        at = rng.randrange(max(n, 1))
        yield f"{stray!r} inserted at {at}", data[:at] + stray + data[at:]
    lines = data.split(b"\n")
    if len(lines) > 2:
        drop = rng.randrange(1, len(lines))
        yield f"line {drop + 1} dropped", b"\n".join(lines[:drop] + lines[drop + 1:])
        yield "first data row repeated", b"\n".join(lines[:2] + lines[1:])
    yield "garbage", bytes(rng.randrange(256) for _ in range(300))
    yield "UTF-16", data.decode("utf-8", "replace").encode("utf-16")


def json_paths(node, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        yield from json_paths(value, prefix + (key,))


def validated(root: Path) -> list[str]:
    """The codes validate reports for a data root; an exception fails the test with the input named."""
    result = validate_data_root(root, date(2026, 12, 1))
    return [p.code for p in result.problems]


@pytest.mark.parametrize("relative", FILES)
def test_no_mutation_of_a_data_file_crashes_validate(relative: str, tmp_path: Path):
    rng = random.Random(relative)  # a fixed seed per file
    original = (SYNTHETIC_DIR / relative).read_bytes()
    root = tmp_path / "datapackages"
    shutil.copytree(SYNTHETIC_DIR, root)
    mutations = list(byte_mutations(original, rng))
    for name, content in [mutations[1]] + rng.sample(mutations, 5):  # cut in half, and five drawn by the seed
        (root / relative).write_bytes(content)
        codes = validated(root)
        assert set(codes) <= set(CATALOGUE), (relative, name, codes)
    (root / relative).write_bytes(original)
    assert not [c for c in validated(root) if CATALOGUE[c].severity == "error"], "the copy itself was clean"


@pytest.mark.parametrize("relative", DESCRIPTORS)
def test_no_value_of_the_wrong_type_in_a_descriptor_crashes_validate(relative: str, tmp_path: Path):
    rng = random.Random(relative)
    original = json.loads((SYNTHETIC_DIR / relative).read_text(encoding="utf-8"))
    paths = [p for p in json_paths(original) if p]
    root = tmp_path / "datapackages"
    shutil.copytree(SYNTHETIC_DIR, root)
    for _ in range(20):
        doc = json.loads(json.dumps(original))
        path, value = rng.choice(paths), rng.choice(OTHER_TYPES)
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        (root / relative).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        codes = validated(root)
        assert set(codes) <= set(CATALOGUE), (relative, path, value, codes)
