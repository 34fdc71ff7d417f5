"""A bounded HTTP load generator: threads posting JSON bodies to one loopback URL.

Run as its own process (``python -m bench.loadgen ...``) so that the client never shares an
interpreter with the server. Each thread keeps one ``http.client`` connection (reused when the
server keeps it alive, reopened when it closes it) and posts the bodies a factory makes, body
``i`` for the i-th request. The run is bounded twice: by time (warm-up + measured window) and by
a request count. Prints one JSON object: the measured window's latencies, statuses and errors,
which ``summarize`` turns into throughput and percentiles (pooling several windows).
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import itertools
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Load:
    url: str
    token: str
    make_body: Callable[[int], bytes]
    concurrency: int = 8
    warmup: float = 5.0
    duration: float = 20.0
    max_requests: int = 200_000
    timeout: float = 30.0


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    warmup_requests: int = 0
    last_done: float = 0.0


def _post(conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict) -> int:
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        conn.close()
        raise


def _worker(load: Load, counter: itertools.count, start: float, tally: _Tally) -> None:
    parts = urlsplit(load.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=load.timeout)
    headers = {"Authorization": f"Token {load.token}", "Content-Type": "application/json"}
    measured_from, stop = start + load.warmup, start + load.warmup + load.duration
    while (i := next(counter)) < load.max_requests:
        body = load.make_body(i)
        sent = time.perf_counter()
        if sent >= stop:
            break
        try:
            status = _post(conn, parts.path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            status, error = None, type(exc).__name__
        done = time.perf_counter()
        if sent < measured_from:
            tally.warmup_requests += 1
            continue
        if done > stop:
            break
        tally.latencies.append(done - sent)
        tally.last_done = done
        if status is None:
            tally.errors[error] += 1
        else:
            tally.statuses[str(status)] += 1
            if status >= 400:
                tally.errors[f"http {status}"] += 1
    conn.close()


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def run_load(load: Load) -> dict:
    """Drive the load; return the measured window's raw tallies (``summarize`` gives figures)."""
    host = urlsplit(load.url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"The load generator only targets loopback, not {host!r}.")
    counter, start = itertools.count(), time.perf_counter()
    tallies = [_Tally() for _ in range(load.concurrency)]
    threads = [threading.Thread(target=_worker, args=(load, counter, start, t)) for t in tallies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = max((t.last_done for t in tallies), default=0.0)
    # The window ends early when the request bound is reached first.
    window = max(1e-9, min(load.duration, ended - start - load.warmup))
    return {
        "latencies_ms": [round(v * 1000, 3) for t in tallies for v in t.latencies],
        "seconds": round(window, 3),
        "statuses": dict(sum((t.statuses for t in tallies), Counter())),
        "error_kinds": dict(sum((t.errors for t in tallies), Counter())),
        "warmup_requests": sum(t.warmup_requests for t in tallies),
        "concurrency": load.concurrency,
    }


def summarize(runs: list[dict]) -> dict:
    """Figures of one or more measured windows of the same load (latencies pooled)."""
    ms = sorted(v for r in runs for v in r["latencies_ms"])
    seconds = sum(r["seconds"] for r in runs)
    errors = sum((Counter(r["error_kinds"]) for r in runs), Counter())
    return {
        "requests": len(ms),
        "warmup_requests": sum(r["warmup_requests"] for r in runs),
        "seconds": round(seconds, 2),
        "per_second": round(len(ms) / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": _round(_percentile(ms, 0.50)),
        "p90_ms": _round(_percentile(ms, 0.90)),
        "p99_ms": _round(_percentile(ms, 0.99)),
        "max_ms": _round(ms[-1] if ms else None),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "statuses": dict(sum((Counter(r["statuses"]) for r in runs), Counter())),
        "concurrency": runs[0]["concurrency"] if runs else None,
        "rounds": len(runs),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _factory(spec: str, args: dict) -> Callable[[int], bytes]:
    """``module:function``, called with ``args``, returns ``make_body(i) -> bytes``."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)(**args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--factory", required=True, help="module:function returning make_body(i) -> bytes")
    parser.add_argument("--factory-args", default="{}", help="JSON keyword arguments of the factory")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    opts = parser.parse_args(argv)
    load = Load(
        url=opts.url,
        token=opts.token,
        make_body=_factory(opts.factory, json.loads(opts.factory_args)),
        concurrency=opts.concurrency,
        warmup=opts.warmup,
        duration=opts.duration,
        max_requests=opts.max_requests,
    )
    json.dump(run_load(load), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
