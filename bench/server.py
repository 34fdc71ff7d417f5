"""The benchmark server: a PostgreSQL database of its own and gunicorn on loopback.

Every step runs the project as production does (``manage.py migrate``, gunicorn serving
``config.wsgi``), with ``bench.settings`` so that the framework floor endpoint exists.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).absolute().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/5"
#: production settings want their keys from the environment; the benchmarks' own (throwaway
#: databases on loopback), unless the environment gives others. Plain HTTP on loopback.
BENCH_KEYS = {
    "SECRET_KEY": "bench-only-secret-key-4e8b2c6a0f1d3e5b7a9c2e4f6a8b0d1c3e5f7a9b",
    "CREDENTIALS_KEYS": "YmVuY2gtb25seS1jcmVkZW50aWFscy1rZXktMzJieXQ=",
    "SECURE_SSL_REDIRECT": "false",
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",  # the benchmarks' receivers listen on loopback
}


@dataclass(frozen=True)
class ServerConfig:
    database_url: str = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    cache_url: str = os.environ.get("BENCH_CACHE_URL", DEFAULT_CACHE_URL)
    workers: int = 3
    worker_class: str = "sync"
    threads: int = 1
    application: str = "config.wsgi:application"  # config.asgi:application with an ASGI worker class

    def environment(self) -> dict[str, str]:
        """The server's environment: production settings plus the floor, no request throttling
        ceiling in the way of the measurement (the throttle itself still runs on every request)."""
        return {
            **BENCH_KEYS,
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": self.database_url,
            "CACHE_URL": self.cache_url,
            "API_THROTTLE_RATE": "10000000/min",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }


def database_recreate(database_url: str) -> None:
    """Drop and create the benchmark database, so every run starts from the same state."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.startswith("crm_bench"):
        raise ValueError(f"Refusing to recreate {name!r}: benchmark databases are named crm_bench*.")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _run(config: ServerConfig, command: list[str]) -> str:
    done = subprocess.run(command, cwd=ROOT, env=config.environment(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:3])} failed:\n{done.stderr[-4000:]}")
    return done.stdout


def manage(config: ServerConfig, *args: str) -> str:
    """Run ``manage.py`` with the benchmark settings; return its stdout."""
    return _run(config, [sys.executable, "manage.py", *args])


def python_module(config: ServerConfig, module: str, *args: str) -> str:
    """Run ``python -m module`` in the server's environment; return its stdout."""
    return _run(config, [sys.executable, "-m", module, *args])


def seeded_run(name: str, *, database_url: str, seed_args: tuple, measure_args: tuple) -> dict:
    """A benchmark run as two children of ``bench.<name>`` on a fresh database: ``--seed`` then
    ``--measure`` (see ``seeded_main``); their figures with the machine and the date."""
    from bench.machine import describe

    config = ServerConfig(database_url=database_url)
    database_recreate(database_url)
    manage(config, "migrate", "--noinput")
    module = f"bench.{name}"
    loaded = json.loads(python_module(config, module, "--seed", *map(str, seed_args)))
    figures = json.loads(python_module(config, module, "--measure", *map(str, measure_args)))
    return {
        "name": name,
        **loaded,
        **figures,
        "machine": describe(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def seeded_main(*, seed, measure, run) -> None:
    """``python -m bench.<name>``: ``--seed N...`` or ``--measure N...`` (integers) for the children
    of ``seeded_run``, printing their figures as JSON; without arguments, the whole benchmark."""
    args = sys.argv[1:]
    if args and args[0] == "--seed":
        print(json.dumps(seed(*map(int, args[1:]))))
    elif args and args[0] == "--measure":
        print(json.dumps(measure(*map(int, args[1:]))))
    else:
        print(json.dumps(run(), indent=2))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start listening in time")


@contextmanager
def gunicorn(config: ServerConfig):
    """Serve the project with gunicorn on a free loopback port; yield the base URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        config.application,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(config.workers),
        "--worker-class",
        config.worker_class,
        "--threads",
        str(config.threads),
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    log = open(ROOT / "bench" / "results" / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, cwd=ROOT, env=config.environment(), stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
