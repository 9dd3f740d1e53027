"""Peer validation: what a peer tool sees. Every source package (the real ones in datapackages/
and the SYNTHETIC ones) and every package a built site offers for download (as a folder and as a
zip) passes the `frictionless validate` CLI and the official Data Package 2.0 JSON Schema, and
holds the same rows as its source; SHA256SUMS.txt matches the downloads.

The real packages are published by the real project (fixture ``built_site``), the SYNTHETIC
ones by the SYNTHETIC portal (fixture ``built_portal``)."""
from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import jsonschema
import pytest

REPO = Path(__file__).resolve().parents[2]
# The official Data Package 2.0 JSON Schema, vendored unchanged (see that folder's README.md).
SPEC = REPO / "tests" / "fixtures" / "spec" / "datapackage-2.0" / "datapackage.json"
PROFILE_2_0 = "https://datapackage.org/profiles/2.0/datapackage.json"
ROOTS = {"real": REPO / "datapackages", "synthetic": REPO / "tests" / "fixtures" / "synthetic" / "datapackages"}
SITES = {"real": "built_site", "synthetic": "built_portal"}
FORMS = ["source", "download", "zip"]


def source_packages(which: str) -> dict[str, Path]:
    """Package name (the descriptor's) -> its source folder."""
    found = {}
    for descriptor in sorted(ROOTS[which].glob("*/datapackage.json")):
        found[json.loads(descriptor.read_text(encoding="utf-8"))["name"]] = descriptor.parent
    return found


CASES = [pytest.param((which, name, form), id=f"{which}-{form}-{name}")
         for which in ROOTS for name in source_packages(which) for form in FORMS]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def spec_schema() -> dict:
    if not SPEC.is_file():
        pytest.fail(f"the official Data Package 2.0 JSON Schema is missing: expected {SPEC} "
                    f"(vendored in the repository under tests/fixtures/spec/datapackage-2.0/)", pytrace=False)
    return json.loads(SPEC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def unzipped() -> dict:
    """(site, package) -> the descriptor of its zip, extracted once per module into a temp folder."""
    return {}


@pytest.fixture
def descriptor(request, unzipped, tmp_path_factory) -> Path:
    """The descriptor of (site, package, form): the source folder's, the site's downloads/<name>/, or the zip's."""
    which, name, form = request.param
    if form == "source":
        return source_packages(which)[name] / "datapackage.json"
    downloads = request.getfixturevalue(SITES[which]) / "downloads"
    if form == "download":
        path = downloads / name / "datapackage.json"
        assert path.is_file(), f"the {which} site publishes no downloads/{name}/datapackage.json"
        return path
    if (which, name) not in unzipped:
        archive = downloads / f"{name}.zip"
        assert archive.is_file(), f"the {which} site publishes no downloads/{name}.zip"
        target = tmp_path_factory.mktemp(f"zip-{which}-{name}")
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                parts = PurePosixPath(member).parts
                assert not PurePosixPath(member).is_absolute() and ".." not in parts, (
                    f"{archive.name}: unsafe member path {member!r}")
            zf.extractall(target)
        found = sorted(target.rglob("datapackage.json"))
        assert len(found) == 1, f"{archive.name} should hold one datapackage.json, holds {found}"
        unzipped[(which, name)] = found[0]
    return unzipped[(which, name)]


# ---------------------------------------------------------------- helpers


def _check_local_paths(path: Path) -> dict:
    """The descriptor's resources point at files inside its folder (so nothing remote is fetched)."""
    package = json.loads(path.read_text(encoding="utf-8"))
    resources = package.get("resources") or []
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
    return package


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


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("which", sorted(ROOTS))
def test_every_package_is_published(which, request):
    """Each source package is offered as a folder with datapackage.json and as a zip, under its name."""
    packages = source_packages(which)
    assert len(packages) >= 3, f"expected plan and value packages under {ROOTS[which]}"
    downloads = request.getfixturevalue(SITES[which]) / "downloads"
    missing = [f"downloads/{n}/datapackage.json" for n in packages if not (downloads / n / "datapackage.json").is_file()]
    missing += [f"downloads/{n}.zip" for n in packages if not (downloads / f"{n}.zip").is_file()]
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


@pytest.mark.parametrize("descriptor", [c for c in CASES if c.values[0][2] != "source"], indirect=True)
def test_published_package_holds_the_same_data_as_the_source(descriptor, request):
    """A downloaded package lists the source package's resources, and each CSV has the same rows."""
    which, name, _ = request.node.callspec.params["descriptor"]
    source_dir = source_packages(which)[name]
    source = json.loads((source_dir / "datapackage.json").read_text(encoding="utf-8"))
    published = json.loads(descriptor.read_text(encoding="utf-8"))
    assert [r["name"] for r in published["resources"]] == [r["name"] for r in source["resources"]]
    for src, pub in zip(source["resources"], published["resources"]):
        assert pub.get("schema") == src.get("schema"), f"{descriptor}: schema of {pub['name']} differs"
        assert _read_csv(descriptor.parent / pub["path"]) == _read_csv(source_dir / src["path"]), (
            f"{descriptor.parent / pub['path']} differs from {source_dir / src['path']}")


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


def _old_download_paths(which: str) -> set[str]:
    """Download files served again at an old URL by the project's [redirects] (downloads/-relative)."""
    if which != "real":
        return set()
    redirects = tomllib.loads((REPO / "carbon-site.toml").read_text(encoding="utf-8")).get("redirects", {})
    return {old.removeprefix("downloads/") for old in redirects if old.startswith("downloads/")}


@pytest.mark.parametrize("which", sorted(ROOTS))
def test_checksums_match_the_downloads(which, request):
    """`sha256sum -c SHA256SUMS.txt` would pass in downloads/, and it covers every file offered there
    (a copy served at an old URL is the same bytes as a listed file)."""
    downloads = request.getfixturevalue(SITES[which]) / "downloads"
    sums_file = downloads / "SHA256SUMS.txt"
    assert sums_file.is_file(), "the site publishes no downloads/SHA256SUMS.txt"
    sums = _parse_sums(sums_file)
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
    assert {f"{n}.zip" for n in source_packages(which)} <= offered
    old = _old_download_paths(which)
    listed_digests = set(sums.values())
    for path in sorted(old):
        assert hashlib.sha256((downloads / path).read_bytes()).hexdigest() in listed_digests, path
    unlisted = sorted(offered - set(sums) - old)
    assert not unlisted, f"downloads without a checksum in SHA256SUMS.txt: {unlisted}"
