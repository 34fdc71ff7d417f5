"""The load generator counts what the server answered (against a local stub server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.loadgen import Load, run_load, summarize


class _Stub(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Stub.seen.append({"auth": self.headers["Authorization"], **body})
        status = 500 if body["i"] % 10 == 0 else 201
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_url():
    _Stub.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/in/"
    server.shutdown()
    server.server_close()


def test_load_is_bounded_by_count_and_tallies_statuses_and_errors(stub_url):
    load = Load(
        url=stub_url,
        token="k",
        make_body=lambda i: json.dumps({"i": i}).encode(),
        concurrency=4,
        warmup=0,
        duration=600,
        max_requests=100,
    )

    result = summarize([run_load(load)])

    assert result["requests"] == 100
    assert result["statuses"] == {"201": 90, "500": 10}
    assert result["errors"] == 10
    assert sorted(s["i"] for s in _Stub.seen) == list(range(100))
    assert {s["auth"] for s in _Stub.seen} == {"Token k"}
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_load_only_targets_loopback():
    load = Load(url="http://example.com/in/", token="k", make_body=lambda i: b"{}", max_requests=1)

    with pytest.raises(ValueError, match="loopback"):
        run_load(load)
