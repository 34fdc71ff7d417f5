"""Journey engine benchmark: one tick over N due enrollments on PostgreSQL.

``python -m bench.journeys`` (or the runner, ``python -m bench journeys``) recreates a database
of its own (``crm_bench_journeys``), migrates it, seeds N contacts with an e-mail identity and
N due enrollments in a journey "send a marketing e-mail, then wait a day" (frequency cap on),
then times one ``journeys_tick`` in a child process and counts the queries of every batch.

Delivery is enqueued to an in-memory Celery broker: this measures the engine (claim, decide,
write the outbox row and the step runs), not the providers (the outbound benchmark does that).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_journeys"
T0 = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)


def _seed(count: int):
    from crm.models import Channel, Contact, Identity, Tenant
    from journeys.models import Enrollment
    from journeys.services.journeys import journey_create

    tenant = Tenant.objects.create(
        slug="bench", name="Bench", mode="omnichannel", frequency_cap_max_sends=3, frequency_cap_days=7
    )
    email = Channel.objects.create(tenant=tenant, kind="email", name="mail", provider="console")
    journey = journey_create(
        tenant=tenant,
        name="bench",
        trigger_event="bench",
        goal_event="purchase",
        steps=[
            {
                "type": "send",
                "channel": email.pk,
                "purpose": "marketing",
                "subject": "Hello {{ contact.name }}",
                "template": "Hello {{ contact.name }}, a little something for you.",
            },
            {"type": "wait", "seconds": 86400},
        ],
    )
    for start in range(0, count, 5000):
        size = min(5000, count - start)
        contacts = Contact.objects.bulk_create(Contact(tenant=tenant, name=f"c{start + i}") for i in range(size))
        Identity.objects.bulk_create(
            Identity(tenant=tenant, contact=c, kind="email", address=f"c{c.pk}@example.com") for c in contacts
        )
        Enrollment.objects.bulk_create(
            Enrollment(tenant=tenant, journey=journey, contact=c, mode="omnichannel", next_run_at=T0, enrolled_at=T0)
            for c in contacts
        )


def measure(count: int, batch_size: int) -> dict:
    """Seed, then time one tick (runs inside Django, with the benchmark database)."""
    import django

    django.setup()
    from django.db import connection

    from journeys.engine import journeys_tick

    _seed(count)
    with connection.cursor() as cursor:  # fresh tables get their planner statistics, as in production
        cursor.execute("ANALYZE")
    queries = {"n": 0}
    per_batch: list[tuple[int, int]] = []

    def counter(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    clock = {"t": 0.0}
    seconds_per_batch: list[float] = []

    def on_batch(result):
        per_batch.append((queries["n"], result.sent))
        queries["n"] = 0
        now = time.perf_counter()
        seconds_per_batch.append(now - clock["t"])
        clock["t"] = now

    with connection.execute_wrapper(counter):
        started = clock["t"] = time.perf_counter()
        result = journeys_tick(until=T0, batch_size=batch_size, on_batch=on_batch)
        seconds = time.perf_counter() - started
    fixed = [q - 2 * sent for q, sent in per_batch]
    return {
        "enrollments": result.enrollments,
        "steps": result.steps,
        "sent": result.sent,
        "batches": result.batches,
        "batch_size": batch_size,
        "seconds": round(seconds, 1),
        "steps_per_s": round(result.steps / seconds),
        "sends_per_s": round(result.sent / seconds),
        "queries_per_batch_median": statistics.median(q for q, _ in per_batch),
        "queries_per_batch_max": max(q for q, _ in per_batch),
        "fixed_queries_per_batch_min": min(fixed),
        "fixed_queries_per_batch_max": max(fixed),
        # a tick that slowed down as it went would show here
        "first_10_batches_seconds_each": round(statistics.mean(seconds_per_batch[:10]), 2),
        "last_10_batches_seconds_each": round(statistics.mean(seconds_per_batch[-10:]), 2),
    }


def run() -> dict:
    """Entry point of the benchmark runner: a dict of figures with the machine and date."""
    from bench.machine import describe
    from bench.server import ServerConfig, database_recreate, manage, python_module

    quick = os.environ.get("BENCH_QUICK") == "1"
    count = int(os.environ.get("BENCH_JOURNEYS_ENROLLMENTS", "2000" if quick else "100000"))
    batch_size = int(os.environ.get("BENCH_JOURNEYS_BATCH", "500"))
    url = os.environ.get("BENCH_JOURNEYS_DATABASE_URL", DEFAULT_DATABASE_URL)
    config = ServerConfig(database_url=url)
    database_recreate(url)
    manage(config, "migrate", "--noinput")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    try:
        figures = json.loads(python_module(config, "bench.journeys", "--measure", str(count), str(batch_size)))
    finally:
        os.environ.pop("CELERY_BROKER_URL", None)
    return {
        "name": "journeys",
        **figures,
        "machine": describe(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(measure(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(run(), indent=2))
