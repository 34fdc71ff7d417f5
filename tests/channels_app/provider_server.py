"""A local HTTP server on loopback standing for a provider's REST API (Meta Graph, Twilio
Content): answers recorded payloads by path, and records every request."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

PAYLOADS = Path(__file__).parent / "payloads"


class ProviderServer:
    """``routes``: ``(method, path with query) -> payload file`` (or a dict); ``{base}`` in a
    file is replaced by the server's own address (paging links)."""

    def __init__(self, routes: dict[tuple[str, str], str | dict]) -> None:
        self.routes = routes
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append(
                    {"method": method, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                route = server.routes.get((method, self.path)) or server.routes.get((method, urlsplit(self.path).path))
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                text = (PAYLOADS / route).read_text() if isinstance(route, str) else json.dumps(route)
                data = text.replace("{base}", server.url).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ProviderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def posted(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests if r["method"] == "POST"]
