#!/usr/bin/env python3
"""Benchmark ``carbon-site build`` against the MkDocs floor, and the site's reader side.

For each size N (a synthetic project from scripts/make_synthetic.py: its carbon-site.toml
and datapackages/) and each run, in fresh temporary directories, each in its own subprocess
(so runs are independent):

1. cold build: ``builder.build.build_site`` (after ``builder.config.load_config``) with an
   ``on_stage`` callback; the child prints the stage timestamps as JSON; peak memory is the
   child's ru_maxrss (os.wait4);
2. rebuild with unchanged data (same build/ and out dirs: the cache is warm);
3. rebuild after one published value changed (a maintainer's edit);
4. the floor: a bare ``mkdocs build -f build/mkdocs.yml`` of the generated project.

Medians over the runs are printed as a table and written between the markers in
BENCHMARKS.md (everything else in that file is kept). Then the reader side
(scripts/bench_reader.py) on the real site built from carbon-site.toml and datapackages/.

Example:
    .venv/bin/python scripts/bench.py --sizes 10,100,1000 --runs 3
    .venv/bin/python scripts/bench.py --sizes 10 --runs 1 --no-write --no-reader
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = Path(__file__).resolve().parent
PYTHON = sys.executable
MKDOCS = str(Path(sys.executable).with_name("mkdocs"))
BEGIN, END = "<!-- bench:begin (written by scripts/bench.py) -->", "<!-- bench:end -->"
PACKAGES = ("mkdocs", "mkdocs-material", "altair", "vl-convert-python", "jinja2", "frictionless",
            "jieba", "pandas", "click", "playwright")

# The child process: load the site config, one build_site call, stage timestamps out as JSON
# on a file. argv: config file, data dir, out dir, build dir, code snapshot, report file.
CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
sys.path.insert(0, sys.argv[5])
from builder.build import build_site
from builder.config import load_config
t_import = time.perf_counter()
marks = []
def on_stage(name):
    marks.append((str(name), time.perf_counter()))
error = reused = None
try:
    config, problems = load_config(Path(sys.argv[1]))
    if config is None:
        raise ValueError("site config invalid: " + "; ".join(p.message for p in problems))
    result = build_site(config, Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), on_stage=on_stage)
    reused = getattr(result, "reused", None)
except BaseException as exc:  # report, don't hide: the parent prints it
    error = f"{type(exc).__name__}: {exc}"
t_end = time.perf_counter()
stages = {}
for i, (name, start) in enumerate(marks):
    stop = marks[i + 1][1] if i + 1 < len(marks) else t_end
    stages[name] = stages.get(name, 0.0) + (stop - start)
json.dump({"import": t_import - t0, "stages": stages, "order": [m[0] for m in marks],
           "before_first_stage": (marks[0][1] - t_import) if marks else None,
           "build_site": t_end - t_import, "reused": reused, "error": error}, open(sys.argv[6], "w"))
"""


def run_child(argv: list[str], env: dict | None = None) -> tuple[float, int, int, float]:
    """Run a process to completion: (wall s, exit status, peak RSS KiB incl. children, CPU s)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            cwd=REPO_ROOT)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(stderr.decode("utf-8", "replace")[-3000:])
    return wall, proc.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def load_average() -> float:
    """The one-minute load average (how busy the machine was)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_until_idle(limit: float, max_wait: float) -> float:
    """Wait (up to max_wait s) for the one-minute load average to drop below limit; return it."""
    deadline = time.monotonic() + max_wait
    load = load_average()
    while load >= limit and time.monotonic() < deadline:
        print(f"bench: load average {load:.1f} ≥ {limit}; waiting …", file=sys.stderr, flush=True)
        time.sleep(15)
        load = load_average()
    return load


SNAPSHOT = ("builder", "site_src", "mkdocs.yml", "carbon-site.toml")


def snapshot_code(dest: Path) -> str:
    """Copy builder/ and the real project's own files (site_src/, mkdocs.yml, carbon-site.toml)
    to dest, so every run of one benchmark uses the same code even while the tree is being
    edited; return a short digest of that code."""
    digest = hashlib.sha256()
    for rel in SNAPSHOT:
        source = REPO_ROOT / rel
        if source.is_dir():
            shutil.copytree(source, dest / rel, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / rel)
    for path in sorted(dest.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(dest).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def timed_build(config: Path, data: Path, out: Path, build: Path, scratch: Path) -> dict:
    """One build_site of the project `config` with the data root `data`, in a fresh
    interpreter: wall time, stage times, peak RSS.

    The code is the snapshot in work/code; scratch is a directory directly under work.
    """
    code = scratch.parent / "code"
    report = scratch / f"stages-{time.monotonic_ns()}.json"
    argv = [PYTHON, "-c", CHILD, str(config), str(data), str(out), str(build), str(code), str(report)]
    wall, code, rss, cpu = run_child(argv)
    result = json.loads(report.read_text()) if report.exists() else {"error": "child crashed"}
    if code != 0 or result.get("error"):
        raise SystemExit(f"bench: build of {data} failed: {result.get('error')}")
    result.update(wall=wall, cpu=cpu, peak_rss_mib=rss / 1024)
    return result


def timed_floor(build: Path, scratch: Path) -> dict:
    """A bare `mkdocs build -f build/mkdocs.yml` of the generated project, into a scratch dir."""
    site = scratch / f"floor-site-{time.monotonic_ns()}"
    wall, code, rss, cpu = run_child([MKDOCS, "build", "-q", "-f", str(build / "mkdocs.yml"),
                                 "-d", str(site)])
    if code != 0:
        raise SystemExit(f"bench: bare mkdocs build of {build} failed (exit {code})")
    shutil.rmtree(site)
    return {"wall": wall, "cpu": cpu, "peak_rss_mib": rss / 1024}


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def edit_one_value(data: Path) -> None:
    """Change the first published value (a maintainer's typical edit), in place."""
    path = data / "published-values" / "data" / "observations.csv"
    lines = path.read_text("utf-8").split("\n")
    column = lines[0].split(",").index("value")
    cells = lines[1].split(",")
    cells[column] = str(round(float(cells[column]) + 1.5, 2))
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8", newline="\n")


def make_project(n: int, seed: int, out: Path) -> Path:
    """Generate the synthetic project for size n; return its config file."""
    subprocess.run([PYTHON, str(SCRIPTS / "make_synthetic.py"), "--indicators", str(n),
                    "--seed", str(seed), "--out", str(out)], check=True,
                   stderr=subprocess.DEVNULL)
    return out / "carbon-site.toml"


def bench_size(n: int, runs: int, seed: int, work: Path, check_cache: bool,
               idle: tuple[float, float]) -> dict:
    """All runs for one size; returns the raw per-run measurements and the cache check."""
    config = make_project(n, seed, work / f"project-{n}")
    per_run = []
    loads = [load_average()]
    for r in range(runs):
        run_dir = work / f"n{n}-run{r}"
        build, out = run_dir / "build", run_dir / "site"
        run_dir.mkdir()
        # A fresh copy per run: a build records the data release in the data root (releases.json),
        # and every cold build must start from the data as generated.
        data = run_dir / "data"
        shutil.copytree(config.parent / "datapackages", data)
        loads.append(wait_until_idle(*idle))
        print(f"bench: N={n} run {r + 1}/{runs}: cold build …", file=sys.stderr, flush=True)
        cold = timed_build(config, data, out, build, run_dir)
        cold_digest = tree_digest(out)
        print(f"bench: N={n} run {r + 1}/{runs}: rebuild, floor, edit …", file=sys.stderr,
              flush=True)
        warm = timed_build(config, data, out, build, run_dir)
        warm["identical_to_cold"] = tree_digest(out) == cold_digest
        floor = timed_floor(build, run_dir)
        edited = run_dir / "data-edited"
        shutil.copytree(data, edited)
        edit_one_value(edited)
        edit = timed_build(config, edited, out, build, run_dir)
        per_run.append({"cold": cold, "rebuild": warm, "floor": floor, "edit": edit})
        loads.append(load_average())
        if r + 1 < runs:
            shutil.rmtree(run_dir)
    result = {"n": n, "runs": per_run, "cache_check": None, "load": loads}
    if check_cache:
        result["cache_check"] = check_no_stale_output(config, work / f"n{n}-run{runs - 1}", work)
    last_site = work / f"n{n}-run{runs - 1}" / "site"
    if last_site.is_dir():  # the edited-data site: kept for the reader side of the largest size
        last_site.rename(work / f"site-{n}")
    shutil.rmtree(work / f"n{n}-run{runs - 1}", ignore_errors=True)
    return result


def check_no_stale_output(config: Path, last_run: Path, work: Path) -> dict:
    """The warm-cache build of edited data must equal a cold build of the same edited data."""
    fresh = work / "stale-check"
    fresh.mkdir()
    timed_build(config, last_run / "data-edited", fresh / "site", fresh / "build", fresh)
    warm, cold = tree_digest(last_run / "site"), tree_digest(fresh / "site")
    differ = sorted(k for k in warm.keys() | cold.keys() if warm.get(k) != cold.get(k))
    shutil.rmtree(fresh)
    return {"identical": not differ, "differing_files": differ[:20], "files": len(cold)}


def median(values: list[float]) -> float:
    """The median, NaN for no values."""
    return statistics.median(values) if values else float("nan")


def summarise(result: dict) -> dict:
    """Medians over the runs of one size."""
    runs = result["runs"]
    order = []
    for run in runs:
        for name in run["cold"]["order"]:
            if name not in order:
                order.append(name)
    stages = {name: median([r["cold"]["stages"].get(name, 0.0) for r in runs]) for name in order}
    mkdocs_stage = next((name for name in order if "mkdocs" in name.lower()), None)
    ours = median([sum(v for k, v in r["cold"]["stages"].items() if k != mkdocs_stage)
                   for r in runs])
    return {
        "n": result["n"], "stages": stages, "mkdocs_stage": mkdocs_stage,
        "import": median([r["cold"]["import"] for r in runs]),
        "our_stages": ours,
        "cold": median([r["cold"]["wall"] for r in runs]),
        "rebuild": median([r["rebuild"]["wall"] for r in runs]),
        "rebuild_stages": {name: median([r["rebuild"]["stages"].get(name, 0.0) for r in runs])
                           for name in order},
        "edit": median([r["edit"]["wall"] for r in runs]),
        "floor": median([r["floor"]["wall"] for r in runs]),
        "cold_cpu": median([r["cold"]["cpu"] for r in runs]),
        "floor_cpu": median([r["floor"]["cpu"] for r in runs]),
        "load_max": max(result["load"]),
        "peak_rss_mib": max(r["cold"]["peak_rss_mib"] for r in runs),
        "floor_rss_mib": max(r["floor"]["peak_rss_mib"] for r in runs),
        "runs": len(runs),
        "rebuild_skipped_mkdocs": all(r["rebuild"].get("reused") for r in runs),
        "rebuild_identical": all(r["rebuild"]["identical_to_cold"] for r in runs),
        "cache_check": result["cache_check"],
    }


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    try:
        chromium = subprocess.run(["/usr/lib/chromium/chromium", "--version"], capture_output=True,
                                  text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        chromium = "not found"
    commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", *SNAPSHOT],
                           capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1), "cpu": cpu,
        "python": platform.python_version(), "os": platform.platform(), "packages": versions,
        "chromium": chromium, "commit": commit + (" + uncommitted changes" if dirty else ""),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def pct(part: float, whole: float) -> str:
    """part as a signed percentage of whole."""
    return f"{100 * part / whole:+.0f}%" if whole else "n/a"


def verdict(ok: bool) -> str:
    """The word for a goal met or missed."""
    return "met" if ok else "**missed**"


def build_tables(summaries: list[dict]) -> list[str]:
    """Markdown for the build-side results."""
    lines = ["| N | runs | our stages | MkDocs stage | cold build (wall) | floor | "
             "overhead vs floor | CPU: build / floor | rebuild | rebuild vs floor | "
             "one value edited | peak RSS | load avg |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summaries:
        mk = s["stages"].get(s["mkdocs_stage"], float("nan"))
        lines.append(
            f"| {s['n']} | {s['runs']} | {s['our_stages']:.2f} s | {mk:.2f} s | {s['cold']:.2f} s | "
            f"{s['floor']:.2f} s | {pct(s['cold'] - s['floor'], s['floor'])} | "
            f"{s['cold_cpu']:.1f} s / {s['floor_cpu']:.1f} s | "
            f"{s['rebuild']:.2f} s | {pct(s['rebuild'] - s['floor'], s['floor'])} | "
            f"{s['edit']:.2f} s | {s['peak_rss_mib']:.0f} MiB (floor {s['floor_rss_mib']:.0f}) | "
            f"≤ {s['load_max']:.1f} |")
    lines += ["", "Stage medians of the cold build (seconds; `import` is the builder's import time "
              "in the child, before the first stage):", ""]
    names = []
    for s in summaries:
        names += [n for n in s["stages"] if n not in names]
    lines.append("| N | import | " + " | ".join(names) + " |")
    lines.append("|---:|---:|" + "---:|" * len(names))
    for s in summaries:
        lines.append(f"| {s['n']} | {s['import']:.2f} | "
                     + " | ".join(f"{s['stages'].get(n, 0.0):.2f}" for n in names) + " |")
    lines += ["", "Stage medians of the rebuild with unchanged data (seconds):", "",
              "| N | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names)]
    for s in summaries:
        lines.append(f"| {s['n']} | "
                     + " | ".join(f"{s['rebuild_stages'].get(n, 0.0):.2f}" for n in names) + " |")
    return lines


def goals(summaries: list[dict], reader: dict | None) -> list[str]:
    """The issue's goals, each with the measured figure."""
    by_n = {s["n"]: s for s in summaries}
    lines = ["| goal | measured | verdict |", "|---|---|---|"]
    largest = max(by_n, default=None)
    for s in summaries:
        over = (s["cold"] - s["floor"]) / s["floor"]
        target = "≤ 30%" if s["n"] == largest else "(reported)"
        lines.append(f"| our overhead vs floor at N={s['n']} {target} | {over:+.0%} "
                     f"(our stages alone {s['our_stages'] / s['floor']:.0%} of the floor) | "
                     f"{verdict(over <= 0.30) if s['n'] == largest else '—'} |")
    if 100 in by_n and 1000 in by_n:
        for key, label in (("cold", "build"), ("our_stages", "our stages"), ("floor", "floor")):
            ratio = by_n[1000][key] / by_n[100][key]
            lines.append(f"| {label} grows about linearly 100→1,000 (×10 data) | ×{ratio:.1f} | "
                         f"{verdict(ratio <= 12) if key != 'floor' else '—'} |")
    for s in summaries:
        over = (s["rebuild"] - s["floor"]) / s["floor"]
        skipped = "MkDocs skipped" if s["rebuild_skipped_mkdocs"] else "MkDocs ran"
        lines.append(f"| rebuild, unchanged data, ≤ 15% over floor at N={s['n']} | {over:+.0%} "
                     f"({skipped}) | "
                     f"{verdict(over <= 0.15)} |")
        lines.append(f"| rebuild with unchanged data gives byte-identical output (N={s['n']}) | "
                     f"{'identical' if s['rebuild_identical'] else 'differs'} | "
                     f"{verdict(s['rebuild_identical'])} |")
        if s["cache_check"] is not None:
            ok = s["cache_check"]["identical"]
            lines.append(f"| no stale output: warm rebuild after an edit = cold build of the edit "
                         f"(N={s['n']}, {s['cache_check']['files']} files) | "
                         f"{'identical' if ok else 'differs: ' + ', '.join(s['cache_check']['differing_files'][:5])} "
                         f"| {verdict(ok)} |")
    if reader:
        first = reader["first_visit"]
        lines.append(f"| area page first visit ≤ 400 KB compressed incl. Vega | "
                     f"{first['compressed_kb']:.0f} KB | {verdict(first['compressed_kb'] <= 400)} |")
        second = reader["second_visit"]
        lines.append(f"| later pages reuse the Vega bundle (not fetched again) | "
                     f"{'reused' if not second['vega_refetched'] else 're-fetched'}; second page "
                     f"{second['compressed_kb']:.0f} KB | {verdict(not second['vega_refetched'])} |")
    return lines


def markdown(info: dict, summaries: list[dict], reader_lines: list[str], reader: dict | None,
             command: str) -> str:
    """The generated section of BENCHMARKS.md."""
    pkgs = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    lines = [BEGIN, "", f"Measured {info['date']} on commit {info['commit']} (builder/, site_src/, "
             f"mkdocs.yml and carbon-site.toml digest `{info.get('code_digest', '?')}`) with `{command}`.", "",
             f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gib']} GiB memory, "
             f"{info['os']}, Python {info['python']}, {info['chromium']}.", "",
             f"Packages: {pkgs}.", "", "### Goals", ""]
    lines += goals(summaries, reader)
    lines += ["", "### Build (synthetic data, medians)", "",
              "*cold build* is the whole child process (interpreter start, imports, validation, "
              "everything through MkDocs and the swap into the output directory); *floor* is a "
              "bare `mkdocs build -f build/mkdocs.yml` of the generated project in its own "
              "process; *rebuild* re-runs the build with the same data, build/ and output "
              "directories; *one value edited* then changes one published value and builds "
              "again; peak RSS is the build process's maximum resident set; *CPU* is user + system "
              "time of the process and its children (less sensitive than wall time to other load "
              "on the machine); *load avg* is the highest one-minute load average seen around "
              "the runs (on 2 CPUs, above ~1 means other work competed with the benchmark).", ""]
    lines += build_tables(summaries)
    if reader_lines:
        lines += ["", "### Reader side", ""] + reader_lines
    lines += ["", END]
    return "\n".join(lines)


def write_benchmarks(path: Path, section: str) -> None:
    """Replace the generated section of BENCHMARKS.md, keeping everything else."""
    text = path.read_text("utf-8") if path.exists() else (
        "# Benchmarks\n\nRun `.venv/bin/python scripts/bench.py` to refresh the section between "
        "the markers; the rest of this file is written by hand.\n\n## Latest results\n\n"
        f"{BEGIN}\n{END}\n")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n## Latest results\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def build_real_site(work: Path) -> Path:
    """Build the real project (the snapshot's carbon-site.toml, a copy of the repository's
    datapackages/: a build may record a data release in its data root) into work/real/site for
    the reader-side measurements."""
    real = work / "real"
    real.mkdir()
    shutil.copytree(REPO_ROOT / "datapackages", real / "datapackages")
    timed_build(work / "code" / "carbon-site.toml", real / "datapackages", real / "site", real / "build", real)
    return real / "site"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmarks, print the table, write BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example: scripts/bench.py --sizes 10,100,1000 --runs 3")
    parser.add_argument("--sizes", default="10,100,1000", help="indicator counts (default 10,100,1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; medians reported (3)")
    parser.add_argument("--seed", type=int, default=1, help="make_synthetic seed (1)")
    parser.add_argument("--reader-runs", type=int, default=5, help="chart-drawing runs (5)")
    parser.add_argument("--no-reader", action="store_true", help="skip the reader side")
    parser.add_argument("--no-build", action="store_true", help="only the reader side")
    parser.add_argument("--no-cache-check", action="store_true",
                        help="skip the stale-output check (a cold build of edited data per size)")
    parser.add_argument("--idle-load", type=float, default=1.0,
                        help="before each run, wait for the 1-min load average to fall below this (1.0)")
    parser.add_argument("--max-wait", type=float, default=300,
                        help="longest wait for an idle machine, seconds (300; 0 = never wait)")
    parser.add_argument("--write", type=Path, default=REPO_ROOT / "BENCHMARKS.md",
                        help="file whose generated section is replaced (BENCHMARKS.md)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--json", type=Path, help="also save the raw measurements here")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if args.runs < 1 or not sizes or min(sizes) < 1:
        parser.error("--runs and every size must be at least 1")
    if args.no_build and args.no_reader:
        parser.error("--no-build and --no-reader together leave nothing to do")

    command = "scripts/bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    info = machine()
    raw = {"machine": info, "sizes": [], "reader": None}
    summaries: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="carbon-bench-") as tmp:
        work = Path(tmp)
        info["code_digest"] = snapshot_code(work / "code")
        if not args.no_build:
            for i, n in enumerate(sizes):
                result = bench_size(n, args.runs, args.seed, work,
                                    check_cache=not args.no_cache_check and i == 0,
                                    idle=(args.idle_load, args.max_wait))
                raw["sizes"].append(result)
                summaries.append(summarise(result))
                print("\n".join(build_tables(summaries[-1:])[:3]), flush=True)
        reader, reader_lines = None, []
        if not args.no_reader:
            import bench_reader  # beside this script

            site = build_real_site(work)
            reader = bench_reader.measure(site, runs=args.reader_runs)
            reader["site"] = "the real site built from carbon-site.toml and datapackages/"
            reader_lines = bench_reader.markdown(reader)
            raw["reader"] = reader
            largest = work / f"site-{max(sizes)}"
            if largest.is_dir():
                synthetic = bench_reader.measure(largest, runs=max(1, args.reader_runs // 2),
                                                 throttled_runs=1)
                synthetic["site"] = f"the synthetic N={max(sizes)} site"
                reader_lines += ["", f"#### Synthetic N={max(sizes)} site (a province-wide "
                                 "deployment's page weight)", ""] + bench_reader.markdown(synthetic)
                raw["reader_synthetic"] = synthetic
    section = markdown(info, summaries, reader_lines, reader, command)
    print(section)
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2, ensure_ascii=False), encoding="utf-8")
    if not args.no_write:
        write_benchmarks(args.write, section)
        print(f"bench: wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
