"""Outages of the product's own PostgreSQL cluster and Redis (``scenario.py``, in a process of
its own on servers of its own): after each, every accepted reply is delivered exactly once by
the worker that lived through it, within a bounded time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .scenario import ROOT
from .servers import available

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.worker,
    pytest.mark.skipif(available() is not None, reason=available() or ""),
]


def run(name: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.faults.scenario", name, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.stdout.strip(), done.stderr[-5000:]
    report = json.loads(done.stdout[done.stdout.index("{") :])
    assert report["ok"], json.dumps(report, indent=1)
    return report


def test_worker_delivers_after_a_postgresql_fast_restart():
    report = run("postgres-restart", "--replies", "100")
    assert report["statuses_answered"] == {"202": 105}  # not one 500 after the restart either


def test_worker_survives_three_redis_outages_during_replies_and_delivers_each_once():
    report = run("redis-outages", "--replies", "300")
    assert all(report[f"reconnected_before_outage_{i}"] for i in (1, 2, 3))
    assert report["worker_alive"] and report["received_twice"] == []


def test_database_down_answers_503_then_every_reply_is_delivered_once():
    report = run("postgres-down", "--replies", "100")
    outage = report["during_outage"]
    for name in ("api", "webhook"):
        assert outage[name]["status"] == 503 and outage[name]["retry_after"], outage
        assert outage[name]["content_type"] == "application/json" and "detail" in outage[name]["body"]
    assert outage["dashboard"]["status"] == 503 and outage["dashboard"]["content_type"].startswith("text/html")
    assert "Temporarily unavailable" in outage["dashboard"]["body"]
    assert set(report["statuses_answered"]) <= {"202", "503"}  # never a 500
