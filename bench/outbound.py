"""Outbound delivery throughput: one Celery worker (concurrency 2) delivering through the
``webhook`` provider to a local HTTP receiver (``bench.sink``, a process of its own), against
a bare no-op task on the same worker.

Both phases publish the same number of tasks from this process and wait until all are done:

* ``noop``: a task that does nothing but count its completion (one Redis INCR);
* ``outbound``: ``outbound_message_deliver`` for messages already in the outbox (status
  ``queued``): claim (conditional UPDATE + a DeliveryAttempt row), signed POST to the sink
  over loopback HTTP, mark sent, all on PostgreSQL.

Both are timed the same way: each ended task adds one to a Redis counter (the no-op in its
body, a delivery through a ``task_postrun`` handler of the bench's worker), which the bench
polls; each round's messages are then checked to be all ``sent``, outside the timing. (Polling
PostgreSQL for the sent messages instead cost the bench up to 0.9 ms of CPU per delivery,
taken from the worker it measures.)

Phases alternate (noop, outbound, outbound, noop, ...) after a warm-up, so whatever else the
machine does weighs on both; the rates are pooled over the rounds. The ratio of the two rates
(``ratio_to_noop``) is reported, not held to a target: every write of a delivery commits
synchronously, whatever that costs the rate (``docs/channels.md``).

``python -m bench outbound`` (the runner) or ``python -m bench.outbound``. Knobs:
``BENCH_OUTBOUND_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/crm_bench_outbound``,
recreated), ``BENCH_OUTBOUND_BROKER_URL`` (default ``redis://127.0.0.1:6379/1``),
``BENCH_OUTBOUND_TASKS`` (tasks per round, 800), ``BENCH_OUTBOUND_ROUNDS`` (6), ``BENCH_QUICK``,
``BENCH_OUTBOUND_PREFETCH`` (worker prefetch multiplier, default the settings' value),
``BENCH_OUTBOUND_POOL`` and ``BENCH_OUTBOUND_OPTIMIZATION`` (the worker's ``--pool`` and ``-O``),
``BENCH_OUTBOUND_PARTS`` (e.g. ``claim,record``: also measure tasks doing only those parts of a
delivery, against the no-op again, to see what each part costs the rate).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from celery import shared_task
from celery.signals import task_postrun, worker_init

ROOT = Path(__file__).absolute().parent.parent
COUNTER_KEY = "bench:outbound:noop"
_redis = None


def _count() -> None:
    """One completed task: an INCR of the round's counter, what the bench waits on."""
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    _redis.incr(COUNTER_KEY)


@shared_task(name="bench.noop", ignore_result=True)
def noop() -> None:
    _count()


def _delivered(sender=None, state=None, **kwargs) -> None:
    """A delivery task that ended is counted as the no-op counts itself, so both phases are
    timed the same way: the bench polls one Redis counter, and checks the messages' status once
    at the end."""
    if sender is not None and sender.name == "channels_app.outbound_message_deliver" and state != "RETRY":
        _count()


@worker_init.connect
def _count_deliveries(**kwargs) -> None:
    """Only in a worker (the bench's imports this module, ``-I``; its pool processes inherit the
    connection): a process that merely imports it, a test say, must not count its deliveries."""
    task_postrun.connect(_delivered)


@shared_task(name="bench.delivery_parts", ignore_result=True, acks_late=True)
def delivery_parts(message_id: int, parts: list[str]) -> None:
    """Only the named parts of a delivery (``claim``, ``send``, ``record``), then the no-op's
    count: what each part costs the worker's rate (``BENCH_OUTBOUND_PARTS``)."""
    from django.utils import timezone

    from channels_app.adapters.registry import registry
    from channels_app.services.delivery_sql import PostgresDeliveryStore
    from crm.models import Channel, Message

    now, store = timezone.now(), PostgresDeliveryStore()
    if "claim" in parts:
        message, attempt = store.claim(message_id=message_id, now=now)
    else:  # no database round trip: the channel is read once per worker process
        if not _channel:
            _channel.append(Channel.objects.get(name="bench"))
        message = Message(pk=message_id, channel=_channel[0], to_address="bench-visitor", text="bench message")
    if "send" in parts:
        registry.get(message.channel.provider).send(channel=message.channel, message=message)
    if "record" in parts:
        store.record_sent(message=message, attempt=attempt, external_id=f"bench-{message_id}", metadata={}, now=now)
    _count()


_channel: list = []


@contextmanager
def _sink():
    """The receiver in a process of its own (``bench.sink``); yields its URL."""
    process = subprocess.Popen([sys.executable, "-m", "bench.sink"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}/sink"
    finally:
        process.terminate()
        process.wait(10)


def _environment() -> dict[str, str]:
    from bench.server import BENCH_KEYS

    return {
        **BENCH_KEYS,
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": os.environ.get(
            "BENCH_OUTBOUND_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm_bench_outbound"
        ),
        "CELERY_BROKER_URL": os.environ.get("BENCH_OUTBOUND_BROKER_URL", "redis://127.0.0.1:6379/1"),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }


def _wait(predicate, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(interval)


def _counted(r, n: int, what: str) -> None:
    """Wait until ``n`` tasks were counted, polling every 5 ms: a round of no-op tasks lasts about
    half a second, so a coarser poll would add to its time more than to a delivery round's."""
    _wait(lambda: int(r.get(COUNTER_KEY) or 0) >= n, 600, what, interval=0.005)


def _start_worker(env: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    log = Path(tempfile.mkstemp(prefix="bench-outbound-worker-", suffix=".log")[1])
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-c",
        "2",
        "-l",
        "info",
        "-I",
        "bench.outbound",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"bench-outbound-{os.getpid()}@%h",
    ]
    if pool := os.environ.get("BENCH_OUTBOUND_POOL"):
        cmd += ["--pool", pool]
    if optimization := os.environ.get("BENCH_OUTBOUND_OPTIMIZATION"):
        cmd += ["-O", optimization]
    if prefetch := os.environ.get("BENCH_OUTBOUND_PREFETCH"):  # an experiment; default: the settings'
        cmd += ["--prefetch-multiplier", prefetch]
    with log.open("wb") as out:
        worker = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    _wait(lambda: b" ready." in log.read_bytes(), 60, "the worker")
    return worker, log


def _setup(sink_url: str):
    """A tenant, a contact and a ``webhook`` channel whose outbound_url is the sink."""
    from crm.models import Channel, Contact, Identity, Tenant

    tenant = Tenant.objects.create(slug="bench-outbound", name="Bench outbound", mode="omnichannel")
    contact = Contact.objects.create(tenant=tenant, name="Bench")
    Identity.objects.create(tenant=tenant, contact=contact, kind="visitor", address="bench-visitor")
    channel = Channel.objects.create(
        tenant=tenant,
        kind="webchat",
        name="bench",
        provider="webhook",
        credentials={"secret": "bench-secret", "outbound_url": sink_url},
    )
    return tenant, contact, channel


def _queued(tenant, contact, channel, n: int) -> list[int]:
    from django.utils import timezone

    from crm.models import Direction, Message, MessageStatus

    now = timezone.now()
    rows = [
        Message(
            tenant=tenant,
            contact=contact,
            channel=channel,
            direction=Direction.OUTBOUND,
            status=MessageStatus.QUEUED,
            text=f"bench message {i}",
            to_address="bench-visitor",
            occurred_at=now,
        )
        for i in range(n)
    ]
    return [m.pk for m in Message.objects.bulk_create(rows)]


def _round_noop(r, n: int) -> float:
    r.set(COUNTER_KEY, 0)
    started = time.perf_counter()
    for _ in range(n):
        noop.delay()
    _counted(r, n, "the no-op tasks")
    return time.perf_counter() - started


def _round_parts(r, ids: list[int], parts: list[str]) -> float:
    r.set(COUNTER_KEY, 0)
    started = time.perf_counter()
    for pk in ids:
        delivery_parts.delay(pk, parts)
    _counted(r, len(ids), "the partial deliveries")
    return time.perf_counter() - started


def _round_outbound(r, ids: list[int]) -> float:
    from channels_app.tasks import outbound_message_deliver
    from crm.models import Message, MessageStatus

    r.set(COUNTER_KEY, 0)
    started = time.perf_counter()
    for pk in ids:
        outbound_message_deliver.delay(pk)
    _counted(r, len(ids), "deliveries")
    elapsed = time.perf_counter() - started
    failed = Message.objects.filter(pk__in=ids).exclude(status=MessageStatus.SENT).count()
    if failed:
        raise RuntimeError(f"{failed} messages not sent")
    return elapsed


def _measure(tasks: int, rounds: int, tenant, contact, channel) -> dict:
    import redis

    from config.celery import app

    r = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    app.control.purge()
    _round_noop(r, max(20, tasks // 4))  # warm-up: pool processes, connections, imports
    _round_outbound(r, _queued(tenant, contact, channel, max(20, tasks // 4)))
    time_noop = time_outbound = 0.0
    for i in range(rounds):
        order = ("noop", "outbound") if i % 2 == 0 else ("outbound", "noop")
        for phase in order:
            if phase == "noop":
                time_noop += _round_noop(r, tasks)
            else:
                time_outbound += _round_outbound(r, _queued(tenant, contact, channel, tasks))
    noop_rate, outbound_rate = tasks * rounds / time_noop, tasks * rounds / time_outbound
    figures = {
        "noop_per_s": round(noop_rate, 1),
        "outbound_per_s": round(outbound_rate, 1),
        "ratio_to_noop": round(outbound_rate / noop_rate, 3),
    }
    if parts := [p for p in os.environ.get("BENCH_OUTBOUND_PARTS", "").split(",") if p]:
        # An experiment: only these parts of a delivery, rounds alternating with the no-op's.
        time_parts, time_noop = 0.0, 0.0
        for _ in range(rounds):
            time_parts += _round_parts(r, _queued(tenant, contact, channel, tasks), parts)
            time_noop += _round_noop(r, tasks)
        figures["parts"] = {
            "parts": parts,
            "per_s": round(tasks * rounds / time_parts, 1),
            "noop_per_s": round(tasks * rounds / time_noop, 1),
        }
    return figures


def run() -> dict:
    """Measure and return the figures (the runner adds the machine and the date)."""
    quick = os.environ.get("BENCH_QUICK") == "1"
    tasks = int(os.environ.get("BENCH_OUTBOUND_TASKS", 60 if quick else 800))
    rounds = int(os.environ.get("BENCH_OUTBOUND_ROUNDS", 2 if quick else 6))
    env = _environment()
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "LOG_LEVEL")})
    from bench.server import database_recreate

    database_recreate(env["DATABASE_URL"])
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from django.conf import settings

    worker, log = _start_worker(env)
    try:
        with _sink() as sink_url:
            figures = _measure(tasks, rounds, *_setup(sink_url))
    finally:
        worker.terminate()
        worker.wait(30)
        log.unlink(missing_ok=True)
    return {
        "name": "outbound",
        "tasks_per_round": tasks,
        "prefetch_multiplier": int(
            os.environ.get("BENCH_OUTBOUND_PREFETCH") or settings.CELERY_WORKER_PREFETCH_MULTIPLIER
        ),
        "rounds": rounds,
        "worker_concurrency": 2,
        "provider": "webhook (signed POST to a loopback HTTP receiver in its own process)",
        **figures,
    }


if __name__ == "__main__":
    from bench.machine import describe

    result = run()
    result.update(machine=describe(), date=time.strftime("%Y-%m-%d"))
    print(json.dumps(result, indent=2))
