"""A local HTTP server answering GETs from a table of routes, in the shapes the providers use
(Twilio's media URLs, the Graph API's media ids and files), recording every request."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class MediaServer:
    def __init__(self) -> None:
        #: path -> list of (status, content type, body) answered in turn (the last one repeats)
        self.routes: dict[str, list[tuple[int, str, bytes]]] = {}
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                answers = server.routes.get(self.path) or [(404, "application/json", b'{"error": "not found"}')]
                status, content_type, body = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def file(self, path: str, body: bytes, content_type: str = "application/octet-stream", status: int = 200) -> str:
        self.routes[path] = [(status, content_type, body)]
        return self.base + path

    def script(self, path: str, *answers: tuple[int, str, bytes]) -> str:
        self.routes[path] = list(answers)
        return self.base + path

    def json(self, path: str, data: dict) -> str:
        return self.file(path, json.dumps(data).encode(), "application/json")

    def __enter__(self) -> MediaServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
