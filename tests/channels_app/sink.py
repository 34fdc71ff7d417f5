"""A local HTTP receiver for the ``webhook`` provider: answers a scripted list of status codes
(then 200), records every request, and processes each Idempotency-Key once."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink:
    def __init__(
        self, script: list[int] | None = None, hold: threading.Event | None = None, delay: float = 0.0
    ) -> None:
        self.script = list(script or [])
        self.delay = delay  # seconds each request takes to answer (a slow provider)
        self.hold = hold  # when set, the first request waits for it before answering
        self.requests: list[dict] = []
        self.processed: dict[str, dict] = {}  # Idempotency-Key -> body, the receiver's own dedup
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    sink.requests.append({"headers": dict(self.headers), "body": body})
                    status = sink.script.pop(0) if sink.script else 200
                    first = len(sink.requests) == 1
                sink.arrived.set()
                if first and sink.hold is not None:
                    sink.hold.wait(30)
                time.sleep(sink.delay)
                if status // 100 == 2:
                    with sink.lock:
                        sink.processed.setdefault(self.headers.get("Idempotency-Key", ""), json.loads(body))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Sink:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
