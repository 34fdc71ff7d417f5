"""``python -m bench [NAME ...]``: run the benchmarks (all found, or those named).

Each benchmark runs in a child process; its result, with the machine, the date and the
command, is written to ``bench/results/<name>-<date>.json`` and summarised as a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import pkgutil
import shlex
import subprocess
import sys
import time
from pathlib import Path

import bench
from bench.machine import describe

RESULTS = Path(bench.__file__).absolute().parent / "results"
ROOT = RESULTS.parent.parent
#: modules of the package that support benchmarks but are not benchmarks themselves
SUPPORT = {"loadgen", "machine", "server", "settings", "sink", "urls", "floor"}
#: the order benchmarks run in; any other benchmark module found runs after these
PREFERRED = ["ingest", "outbound", "journeys", "replay"]


def discover() -> list[str]:
    found = {m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")} - SUPPORT
    return [n for n in PREFERRED if n in found] + sorted(found - set(PREFERRED))


def _child(name: str, out: Path) -> None:
    result = importlib.import_module(f"bench.{name}").run()
    out.write_text(json.dumps(result, default=str))


def _run_one(name: str) -> tuple[dict | None, str]:
    tmp = RESULTS / f"{name}.tmp"
    started, load_before = time.monotonic(), os.getloadavg()[0]
    done = subprocess.run([sys.executable, "-m", "bench", "--child", name, "--out", str(tmp)], cwd=ROOT, check=False)
    if done.returncode != 0 or not tmp.exists():
        return None, f"exited with {done.returncode}"
    result = json.loads(tmp.read_text())
    tmp.unlink()
    result.setdefault("name", name)
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    # Whatever else ran on the machine weighs on the figures: say how busy it was.
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return result, ""


def _format_table(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    cells = [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def summary(result: dict) -> str:
    rows = result.get("table") or [
        {"figure": k, "value": v} for k, v in result.items() if isinstance(v, str | int | float | bool | None)
    ]
    text = _format_table(rows)
    if "ratio" in result:
        verdict = "meets" if result.get("meets_target") else "MISSES"
        text += f"\nratio {result['ratio']} {verdict} the target {result.get('target')}"
        if "ratio_median" in result:
            text += f" (median of the rounds' ratios: {result['ratio_median']})"
    if "load_average" in result:
        text += f"\nmachine load average (1 min) before/after: {result['load_average']}"
    return text


def main(argv: list[str] | None = None) -> int:
    from bench.server import BENCH_KEYS

    # production settings (DEBUG off) want keys from the environment: the benchmarks' own, for
    # their throwaway databases, unless the environment gives others; every child inherits them
    for name, value in BENCH_KEYS.items():
        os.environ.setdefault(name, value)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all found)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks found and exit")
    parser.add_argument("--quick", action="store_true", help="short phases: checks the machinery, not a measurement")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a benchmark misses its target")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.child:
        _child(opts.child, Path(opts.out))
        return 0
    available = discover()
    if opts.list:
        print("\n".join(available))
        return 0
    unknown = [n for n in opts.names if n not in available]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; found: {', '.join(available)}")
    if opts.quick:
        os.environ["BENCH_QUICK"] = "1"
    return _run_all(opts.names or available, strict=opts.strict, argv=sys.argv[1:] if argv is None else argv)


def _run_all(names: list[str], *, strict: bool, argv: list[str]) -> int:
    RESULTS.mkdir(exist_ok=True)
    machine, today = describe(), dt.date.today().isoformat()
    command = "python -m bench " + shlex.join(argv)
    status = 0
    for name in names:
        print(f"== {name}", flush=True)
        result, error = _run_one(name)
        if result is None:
            print(f"{name} FAILED: {error}", flush=True)
            status = 1
            continue
        result.update(machine=machine, date=today, command=command.strip(), quick=os.environ.get("BENCH_QUICK") == "1")
        path = RESULTS / f"{name}-{today}.json"
        path.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(summary(result), flush=True)
        print(f"-> {path.relative_to(ROOT)}", flush=True)
        if strict and result.get("meets_target") is False:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
