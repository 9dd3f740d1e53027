"""Peer validation: what a peer tool sees. Each package in datapackages/ and each package the
built site offers for download (as a folder and as a zip) passes the `frictionless validate` CLI
and the official Data Package 2.0 JSON Schema; SHA256SUMS.txt matches the downloads."""
from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import jsonschema
import pytest

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "datapackages"
# The official Data Package 2.0 JSON Schema, vendored unchanged (see that folder's README.md).
SPEC = REPO / "tests" / "fixtures" / "spec" / "datapackage-2.0" / "datapackage.json"
PROFILE_2_0 = "https://datapackage.org/profiles/2.0/datapackage.json"
PACKAGES = sorted(p.parent.name for p in DATA_DIR.glob("*/datapackage.json"))
FORMS = ["source", "download", "zip"]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def downloads(built_site: Path) -> Path:
    folder = built_site / "downloads"
    assert folder.is_dir(), f"the built site has no downloads/ folder: {sorted(p.name for p in built_site.iterdir())}"
    return folder


@pytest.fixture(scope="module")
def unzipped(downloads: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each downloads/<package>.zip extracted to a temp folder: package name -> its descriptor."""
    out: dict[str, Path] = {}
    for name in PACKAGES:
        archive = downloads / f"{name}.zip"
        if not archive.is_file():
            continue
        target = tmp_path_factory.mktemp(f"zip-{name}")
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                parts = PurePosixPath(member).parts
                assert not PurePosixPath(member).is_absolute() and ".." not in parts, (
                    f"{archive.name}: unsafe member path {member!r}")
            zf.extractall(target)
        found = sorted(target.rglob("datapackage.json"))
        assert len(found) == 1, f"{archive.name} should hold one datapackage.json, holds {found}"
        out[name] = found[0]
    return out


@pytest.fixture(scope="module")
def spec_schema() -> dict:
    if not SPEC.is_file():
        pytest.fail(f"the official Data Package 2.0 JSON Schema is missing: expected {SPEC} "
                    f"(vendored in the repository under tests/fixtures/spec/datapackage-2.0/)", pytrace=False)
    return json.loads(SPEC.read_text(encoding="utf-8"))


@pytest.fixture
def descriptor(request, downloads_lookup) -> Path:
    return downloads_lookup(*request.param)


@pytest.fixture(scope="module")
def downloads_lookup(request):
    """Resolve (package, form) to a descriptor path; builds the site only when a published form is asked."""
    def lookup(name: str, form: str) -> Path:
        if form == "source":
            return DATA_DIR / name / "datapackage.json"
        if form == "download":
            path = request.getfixturevalue("downloads") / name / "datapackage.json"
            assert path.is_file(), f"the site publishes no downloads/{name}/datapackage.json"
            return path
        zips = request.getfixturevalue("unzipped")
        assert name in zips, f"the site publishes no downloads/{name}.zip"
        return zips[name]
    return lookup


CASES = [pytest.param((name, form), id=f"{form}-{name}") for name in PACKAGES for form in FORMS]


# ---------------------------------------------------------------- helpers


def _check_local_paths(path: Path) -> dict:
    """The descriptor's resources point at files inside its folder (so nothing remote is fetched)."""
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    resources = descriptor.get("resources") or []
    assert resources, f"{path}: no resources"
    root = path.parent.resolve()
    for resource in resources:
        paths = resource.get("path")
        for p in paths if isinstance(paths, list) else [paths]:
            assert isinstance(p, str) and p, f"{path}: resource {resource.get('name')} has no path"
            assert not urlsplit(p).scheme, f"{path}: resource {resource.get('name')} points at a URL {p!r}"
            target = (path.parent / p).resolve()
            assert target.is_relative_to(root) and target.is_file(), (
                f"{path}: resource {resource.get('name')} path {p!r} is not a file inside the package")
    return descriptor


def _frictionless_report(path: Path) -> tuple[int, dict]:
    exe = Path(sys.executable).parent / "frictionless"
    proc = subprocess.run([str(exe), "validate", str(path), "--json"], cwd=path.parent,
                          capture_output=True, text=True, timeout=600)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"frictionless validate {path} exited {proc.returncode} without a JSON report:\n"
                    f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}", pytrace=False)


def _describe_report(report: dict) -> str:
    lines = [f"{e.get('type')}: {e.get('note') or e.get('message')}" for e in report.get("errors", [])]
    for task in report.get("tasks", []):
        for e in task.get("errors", [])[:10]:
            where = f"{task.get('place')}:{e.get('rowNumber', '')} {e.get('fieldName', '')}".strip()
            lines.append(f"{where} [{e.get('type')}] {e.get('note') or e.get('message')}")
    return "\n  ".join(lines[:40])


# ---------------------------------------------------------------- tests


def test_every_package_is_published(downloads):
    """Each package in datapackages/ is offered as a folder with datapackage.json and as a zip."""
    assert PACKAGES, f"no datapackage.json under {DATA_DIR}"
    missing = [f"downloads/{n}/datapackage.json" for n in PACKAGES if not (downloads / n / "datapackage.json").is_file()]
    missing += [f"downloads/{n}.zip" for n in PACKAGES if not (downloads / f"{n}.zip").is_file()]
    assert not missing, f"not published: {missing}"


@pytest.mark.parametrize("descriptor", CASES, indirect=True)
def test_frictionless_cli_accepts_the_package(descriptor):
    """`frictionless validate` finds the package valid and checks every one of its resources."""
    package = _check_local_paths(descriptor)
    code, report = _frictionless_report(descriptor)
    assert code == 0 and report.get("valid") is True, (
        f"frictionless validate {descriptor} exited {code}:\n  {_describe_report(report)}")
    checked = sorted(t.get("name") for t in report.get("tasks", []))
    assert checked == sorted(r["name"] for r in package["resources"]), (
        f"frictionless checked {checked}, the descriptor lists {[r['name'] for r in package['resources']]}")


@pytest.mark.parametrize("descriptor", CASES, indirect=True)
def test_descriptor_follows_the_data_package_2_0_schema(descriptor, spec_schema):
    """The descriptor declares the 2.0 profile and validates against the official JSON Schema."""
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(spec_schema)
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    assert not errors, f"{descriptor}:\n  " + "\n  ".join(
        f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:200]}" for e in errors[:30])
    assert package.get("$schema") == PROFILE_2_0, (
        f"{descriptor}: $schema is {package.get('$schema')!r}, expected {PROFILE_2_0!r}")


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("descriptor", [c for c in CASES if c.values[0][1] != "source"], indirect=True)
def test_published_package_holds_the_same_data_as_the_source(descriptor, request):
    """A downloaded package lists the source package's resources, and each CSV has the same rows."""
    name = request.node.callspec.params["descriptor"][0]
    source = json.loads((DATA_DIR / name / "datapackage.json").read_text(encoding="utf-8"))
    published = json.loads(descriptor.read_text(encoding="utf-8"))
    assert [r["name"] for r in published["resources"]] == [r["name"] for r in source["resources"]]
    for src, pub in zip(source["resources"], published["resources"]):
        assert pub.get("schema") == src.get("schema"), f"{descriptor}: schema of {pub['name']} differs"
        src_rows = _read_csv(DATA_DIR / name / src["path"])
        pub_rows = _read_csv(descriptor.parent / pub["path"])
        assert pub_rows == src_rows, f"{descriptor.parent / pub['path']} differs from datapackages/{name}/{src['path']}"


def _parse_sums(path: Path) -> dict[str, str]:
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep:
            digest, sep, name = line.partition(" *")
        assert sep and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest), (
            f"SHA256SUMS.txt:{number} is not `<sha256>  <path>`: {line!r}")
        assert name not in sums, f"SHA256SUMS.txt:{number} lists {name} twice"
        sums[name] = digest
    return sums


def test_checksums_match_the_downloads(downloads):
    """`sha256sum -c SHA256SUMS.txt` would pass in downloads/, and it covers every file offered there."""
    sums_file = downloads / "SHA256SUMS.txt"
    assert sums_file.is_file(), "the site publishes no downloads/SHA256SUMS.txt"
    sums = _parse_sums(sums_file)
    assert sums, "SHA256SUMS.txt is empty"
    wrong = []
    for name, digest in sums.items():
        target = (downloads / name).resolve()
        if not (target.is_relative_to(downloads.resolve()) and target.is_file()):
            wrong.append(f"{name}: listed but not in downloads/")
        elif hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            wrong.append(f"{name}: checksum does not match the file")
    assert not wrong, "\n".join(wrong)
    offered = {p.relative_to(downloads).as_posix() for p in downloads.rglob("*")
               if p.is_file() and p.name != sums_file.name and p.suffix != ".html"}
    assert {f"{n}.zip" for n in PACKAGES} <= offered, f"package zips missing from downloads/: {sorted(offered)}"
    unlisted = sorted(offered - set(sums))
    assert not unlisted, f"downloads without a checksum in SHA256SUMS.txt: {unlisted}"
