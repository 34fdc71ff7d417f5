"""The benchmark runner: discovery, result files and the printed table (no timing)."""

from __future__ import annotations

import importlib
import json

import pytest

from bench import __main__ as runner


def test_every_benchmark_found_imports_and_exposes_run():
    names = runner.discover()

    assert "ingest" in names
    assert not set(names) & runner.SUPPORT
    for name in names:
        assert callable(importlib.import_module(f"bench.{name}").run)


def test_an_unknown_benchmark_name_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        runner.main(["no-such-benchmark"])

    assert exit_info.value.code == 2
    assert "unknown benchmark" in capsys.readouterr().err


def test_results_are_written_with_machine_date_and_command(tmp_path, monkeypatch, capsys):
    result = {"table": [{"phase": "floor", "per_second": 100.0}], "ratio": 0.5, "target": 0.6, "meets_target": False}
    monkeypatch.setattr(runner, "RESULTS", tmp_path)
    monkeypatch.setattr(runner, "ROOT", tmp_path)
    monkeypatch.setattr(runner, "_run_one", lambda name: (dict(result), ""))

    status = runner._run_all(["ingest"], strict=True, argv=["ingest"])

    (written,) = tmp_path.glob("ingest-*.json")
    saved = json.loads(written.read_text())
    assert status == 1  # strict, and the target is missed
    assert saved["command"] == "python -m bench ingest"
    assert {"cpu", "cores", "memory_gib"} <= set(saved["machine"])
    assert written.name == f"ingest-{saved['date']}.json"
    out = capsys.readouterr().out
    assert "floor" in out and "MISSES the target 0.6" in out


def test_a_crashed_benchmark_is_reported_and_fails_the_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner, "RESULTS", tmp_path)
    monkeypatch.setattr(runner, "_run_one", lambda name: (None, "exited with 1"))

    assert runner._run_all(["ingest"], strict=False, argv=[]) == 1
    assert "ingest FAILED" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.json"))
