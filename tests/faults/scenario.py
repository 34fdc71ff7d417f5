"""A CRM on a PostgreSQL cluster and a Redis of its own, put through outages while agents reply.

``python -m tests.faults.scenario postgres-restart|postgres-down|redis-outages [--replies N]``
starts both servers (``servers.py``), migrates, starts the web app (gunicorn), a worker with
its scheduler (``celery -A config worker -B``) and a receiver for the ``webhook`` provider,
then runs the scenario and waits, bounded, until every accepted reply is delivered. It prints
a JSON report and exits 0 when every reply reached the receiver exactly once, the worker still
running, 1 otherwise. Each step is bounded in time: the whole run stops by itself.

The client of the API behaves as an integrator's should: a reply that got no answer or a 5xx
is sent again with the same ``Idempotency-Key``, a few times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from tests.channels_app.sink import Sink
from tests.faults.servers import OwnPostgres, OwnRedis, free_port

ROOT = Path(__file__).resolve().parents[2]
DELIVERY_TIMEOUT = float(os.environ.get("FAULTS_DELIVERY_TIMEOUT", "90"))
RUN_TIMEOUT = int(os.environ.get("FAULTS_RUN_TIMEOUT", "420"))  # the whole run, seconds


def environment(pg: OwnPostgres, redis: OwnRedis) -> dict[str, str]:
    broker = redis.url
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": pg.url,
        "CELERY_BROKER_URL": broker,
        "CACHE_URL": broker.rsplit("/", 1)[0] + "/1",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "CHANNELS_RETRY_BACKOFF": "1",
        "CHANNELS_RETRY_BACKOFF_MAX": "2",
        "CHANNELS_OUTBOX_SWEEP_AFTER": "5",
        "CHANNELS_OUTBOX_SWEEP_SECONDS": "3",
        "CELERY_VISIBILITY_TIMEOUT": "20",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "JOURNEYS_TICK_SECONDS": "2",
    }


class Stack:
    """The servers and the product's processes, each stopped by the id it was started with."""

    def __init__(self) -> None:
        self.pg, self.redis = OwnPostgres(), OwnRedis()
        self.dir = Path(tempfile.mkdtemp(prefix="faults-run-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.web_port = free_port(0)

    def start(self) -> Stack:
        self.pg.start()
        self.redis.start()
        os.environ.update(environment(self.pg, self.redis))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return self

    def spawn(self, name: str, cmd: list[str], ready: bytes) -> None:
        log = self.dir / f"{name}.log"
        with log.open("wb") as out:
            self.processes[name] = subprocess.Popen(
                cmd, cwd=ROOT, env={**os.environ}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while ready not in log.read_bytes():
            if time.monotonic() > deadline or self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} did not start:\n{self.log(name)}")
            time.sleep(0.1)

    def start_app(self) -> None:
        python = sys.executable
        self.spawn(
            "web",
            [python, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{self.web_port}", "-w", "2", "-t", "30"],
            b"Booting worker",
        )
        # As the README runs it in production: gossip, mingle and heartbeats as configured.
        worker = [python, "-m", "celery", "-A", "config", "worker", "-B", "-c", "2", "-l", "info"]
        worker += ["-s", str(self.dir / "beat")]
        self.spawn("worker", [*worker, "-n", f"faults-{os.getpid()}@%h"], b" ready.")

    def wait_log(self, name: str, text: bytes, count: int, timeout: float = 60) -> bool:
        """Wait until ``text`` appears ``count`` times in the process's output."""
        deadline = time.monotonic() + timeout
        while (self.dir / f"{name}.log").read_bytes().count(text) < count:
            if time.monotonic() > deadline or not self.alive(name):
                return False
            time.sleep(0.2)
        return True

    def log(self, name: str) -> str:
        return (self.dir / f"{name}.log").read_text(errors="replace")

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if "DATABASE_URL" in os.environ:
            from django.db import connections

            connections.close_all()
        self.redis.destroy()
        self.pg.destroy()


def seed(sink_url: str, tickets: int) -> tuple[str, list[int], int, str]:
    """A tenant, an agent's API key, ``tickets`` tickets of one web-chat visitor each; the
    ``webhook`` channel posts to the receiver. Returns (key, ticket ids, channel id, webhook url)."""
    from crm.models import Channel
    from crm.services.messages import InboundMessage, message_ingest
    from crm.services.tenants import api_key_create, tenant_create

    tenant = tenant_create(slug="faults", name="Faults", mode="omnichannel")
    _, key = api_key_create(tenant=tenant, role="agent", label="faults")
    channel = Channel.objects.create(
        tenant=tenant,
        kind="webchat",
        name="chat",
        provider="webhook",
        credentials={"secret": "faults-secret", "outbound_url": sink_url},
    )
    ids = []
    for i in range(tickets):
        inbound = InboundMessage(channel=channel, from_address=f"visitor-{i}", text="Hello", external_id=f"in-{i}")
        ids.append(message_ingest(tenant=tenant, inbound=inbound).message.ticket_id)
    return key, ids, channel.pk, f"/webhooks/{channel.webhook_token}/"


class Client:
    """Sends replies as a careful integrator: no answer or a 5xx is retried with the same key."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.key, self.session = base, key, requests.Session()
        self.session.headers["Authorization"] = f"Token {key}"
        self.statuses: list[int] = []
        self.accepted: dict[str, int] = {}  # Idempotency-Key -> message id answered
        self.lock = threading.Lock()

    def reply(self, ticket_id: int, n: int, tries: int = 40) -> None:
        key = f"reply-{n}"
        for _ in range(tries):
            try:
                answer = self.session.post(
                    f"{self.base}/api/v1/tickets/{ticket_id}/reply/",
                    json={"text": f"reply {n}"},
                    headers={"Idempotency-Key": key},
                    timeout=10,
                )
            except requests.RequestException:
                time.sleep(0.5)
                continue
            with self.lock:
                self.statuses.append(answer.status_code)
            if answer.status_code == 202:
                with self.lock:
                    self.accepted[key] = answer.json()["id"]
                return
            time.sleep(0.5)


def outbound_statuses() -> dict[str, int]:
    from django.db import close_old_connections
    from django.db.models import Count

    from crm.models import Message

    close_old_connections()
    try:
        rows = Message.objects.filter(direction="outbound").values("status").annotate(n=Count("id"))
        return {row["status"]: row["n"] for row in rows}
    except Exception:  # the database is down: nothing to say yet
        from django.db import connection

        connection.close()
        return {}


def wait_delivered(expected: int) -> tuple[bool, float, dict]:
    started = time.monotonic()
    while time.monotonic() - started < DELIVERY_TIMEOUT:
        statuses = outbound_statuses()
        if statuses.get("sent", 0) >= expected and not statuses.keys() - {"sent"}:
            return True, time.monotonic() - started, statuses
        time.sleep(0.5)
    return False, time.monotonic() - started, outbound_statuses()


def send_replies(client: Client, ticket_ids: list[int], first: int, count: int, threads: int = 4) -> None:
    numbers = list(range(first, first + count))

    def run(part: list[int]) -> None:
        for n in part:
            client.reply(ticket_ids[n % len(ticket_ids)], n)

    workers = [threading.Thread(target=run, args=(numbers[i::threads],), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)


def staff_session() -> str:
    """A signed-in staff member's session key (made before the outage, read during it)."""
    global _staff_session
    if _staff_session is None:
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
        from django.contrib.sessions.backends.db import SessionStore

        user = get_user_model().objects.create_user("faults-agent", password="faults", is_staff=True)
        session = SessionStore()
        session.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        session.create()
        _staff_session = session.session_key
    return _staff_session


_staff_session: str | None = None


def probe_outage(base: str, key: str, ticket_id: int, channel_webhook: str) -> dict:
    """What the API, a provider's webhook and a dashboard answer while the database is down."""
    answers = {}
    for name, method, url, headers in (
        ("api", "get", f"{base}/api/v1/tickets/{ticket_id}/", {"Authorization": f"Token {key}"}),
        ("webhook", "post", f"{base}{channel_webhook}", {"Content-Type": "application/json"}),
        ("dashboard", "get", f"{base}/dashboard/", {"Cookie": f"sessionid={staff_session()}"}),
    ):
        body = {"data": b"{}"} if method == "post" else {}
        r = getattr(requests, method)(url, headers=headers, timeout=10, allow_redirects=False, **body)
        answers[name] = {
            "status": r.status_code,
            "content_type": r.headers.get("Content-Type", ""),
            "retry_after": r.headers.get("Retry-After"),
            "body": r.text[:400],
        }
    return answers


def scenario(name: str, stack: Stack, client: Client, ticket_ids: list[int], replies: int) -> dict:
    report: dict = {}
    send_replies(client, ticket_ids, 0, 5)  # warm: every process holds its connections
    ok, _, _ = wait_delivered(5)
    report["warm_delivered"] = ok
    if name == "postgres-restart":
        stack.pg.restart()
        report["fault_ended"] = time.monotonic()
        send_replies(client, ticket_ids, 5, replies)
    elif name == "postgres-down":
        # Replies keep coming while the database is down: deliveries already queued fail and are
        # retried, requests answered 503 are sent again with their key.
        sender = threading.Thread(target=send_replies, args=(client, ticket_ids, 5, replies, 4), daemon=True)
        sender.start()
        staff_session()
        time.sleep(0.5)
        stack.pg.stop()
        report["during_outage"] = probe_outage(client.base, client.key, ticket_ids[0], stack.webhook)
        time.sleep(5)
        stack.pg.start()
        report["fault_ended"] = time.monotonic()
        sender.join(180)
    elif name == "redis-outages":
        # Three outages, each while replies are sent and deliveries are in flight, each once the
        # worker is connected again after the previous one.
        batch = replies // 3
        for i in range(3):
            report[f"reconnected_before_outage_{i + 1}"] = stack.wait_log("worker", b"Connected to redis", i + 1)
            first = 5 + i * batch
            sender = threading.Thread(target=send_replies, args=(client, ticket_ids, first, batch, 6), daemon=True)
            sender.start()
            time.sleep(1.0)
            stack.redis.stop()
            time.sleep(3)
            stack.redis.start()
            report["fault_ended"] = time.monotonic()
            sender.join(180)
    return report


def _give_up(signum, frame) -> None:
    raise TimeoutError(f"stopped by signal {signum}: the run exceeds {RUN_TIMEOUT}s or was terminated")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=["postgres-restart", "postgres-down", "redis-outages"])
    parser.add_argument("--replies", type=int, default=99)
    args = parser.parse_args(argv)
    # However it ends (a step that hangs, a SIGTERM), the servers and processes are stopped.
    signal.signal(signal.SIGALRM, _give_up)
    signal.signal(signal.SIGTERM, _give_up)
    signal.alarm(RUN_TIMEOUT)
    stack = Stack()
    report: dict = {"scenario": args.name, "replies": args.replies}
    try:
        stack.start()
        with Sink(delay=0.05 if args.name == "redis-outages" else 0.0) as sink:
            key, ticket_ids, _, webhook = seed(sink.url, tickets=10)
            stack.webhook = webhook
            stack.start_app()
            client = Client(f"http://127.0.0.1:{stack.web_port}", key)
            report.update(scenario(args.name, stack, client, ticket_ids, args.replies))
            expected = 5 + (args.replies // 3 * 3 if args.name == "redis-outages" else args.replies)
            ok, seconds, statuses = wait_delivered(expected)
            fault_ended = report.pop("fault_ended", None)
            texts = [body["text"] for body in sink.processed.values()]
            report.update(
                accepted=len(client.accepted),
                statuses_answered={str(s): client.statuses.count(s) for s in sorted(set(client.statuses))},
                all_sent_seconds_after_the_last_fault=round(time.monotonic() - fault_ended, 1) if ok else None,
                all_sent=ok,
                outbox=statuses,
                received_distinct_replies=len(set(texts)),
                received_twice=sorted({t for t in texts if texts.count(t) > 1}),
                worker_alive=stack.alive("worker"),
            )
            report["ok"] = (
                ok
                and len(client.accepted) == expected
                and len(texts) == len(set(texts)) == expected
                and report["worker_alive"]
            )
            if not report["ok"]:
                report["logs"] = str(stack.dir)
                report["worker_log"] = stack.log("worker")[-4000:]
                report["web_log"] = stack.log("web")[-2000:]
    finally:
        stack.stop()
        if report.get("ok"):
            shutil.rmtree(stack.dir, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
