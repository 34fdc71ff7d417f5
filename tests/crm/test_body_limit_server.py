"""An oversized body against a real gunicorn (gthread workers, as in production): an ordinary
client always reads the 413, never a connection reset."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).absolute().parent.parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",  # a 413 reads no database
        "MAX_REQUEST_BODY_BYTES": "1048576",
        "ATTACHMENTS_MAX_REQUEST_BYTES": "1048576",  # the inbound endpoint takes files: the same limit here
    }
    env.pop("CELERY_BROKER_URL", None)
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--threads", "4", "--workers", "1", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_3_mb_body_always_gets_its_413(server):
    body = b'{"text": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    headers = {"Content-Type": "application/json", "Authorization": "Token whatever"}
    statuses = []
    for _ in range(10):
        try:
            statuses.append(
                requests.post(f"{server}/api/v1/messages/inbound/", data=body, headers=headers, timeout=30).status_code
            )
        except requests.ConnectionError as exc:
            statuses.append(type(exc).__name__)
    assert statuses == [413] * 10
    with requests.Session() as session:  # and the connection stays usable
        for _ in range(3):
            assert (
                session.post(f"{server}/api/v1/messages/inbound/", data=body, headers=headers, timeout=30).status_code
                == 413
            )
        assert session.get(f"{server}/api/v1/tenant/", timeout=30).status_code == 401
