"""Replay benchmark: every replay metric of the three policies over 1,000,000 messages on
PostgreSQL, against one plain ``ORDER BY contact, time`` scan of the same rows.

``python -m bench.replay`` (or the runner, ``python -m bench replay``) recreates a database of
its own (``crm_bench_replay``), migrates it, bulk-loads a synthetic log with COPY (not through
the services: this measures replay, not ingestion) in a child process, then measures in a
second child process, in alternating order, ``replay_metrics`` (all three policies) and the
plain scan (the same rows streamed to the client in contact and time order through a server-side
cursor), and reports the medians, their ratio and the measuring process's peak memory.

Targets: replay at most 3x the scan; peak memory (``ru_maxrss``) under 300 MB.
Knobs: ``BENCH_REPLAY_MESSAGES`` (1,000,000), ``BENCH_REPLAY_CONTACTS`` (100,000),
``BENCH_REPLAY_ROUNDS`` (3), ``BENCH_REPLAY_DATABASE_URL``.
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import time
from datetime import UTC, datetime, timedelta

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_replay"
T0 = datetime(2026, 1, 5, tzinfo=UTC)
DAYS = 90
KINDS = ("email", "sms", "whatsapp", "webchat", "store")
TARGET_RATIO, TARGET_MB = 3.0, 300


def _messages(rng: random.Random, contact: int, per_contact: int):
    """One contact's log: needs of 2-6 inbound messages, switching channel now and then,
    agent replies on the ticket's channel, a marketing send or two."""
    out, t = [], T0 + timedelta(seconds=rng.randrange(DAYS * 86400 - 20 * 86400))
    channel = rng.randrange(4)
    while len(out) < per_contact:
        for _ in range(rng.randint(2, 6)):
            if rng.random() < 0.3:
                channel = rng.randrange(4)
            out.append(("inbound", "conversation", channel, t))
            if rng.random() < 0.7:
                out.append(("outbound", "conversation", channel, t + timedelta(minutes=rng.randint(5, 600))))
            t += timedelta(hours=rng.choice((0.5, 2, 6, 30, 72, 80)))
        if rng.random() < 0.5:
            out.append(("outbound", "marketing", rng.randrange(4), t))
        t += timedelta(days=rng.randint(2, 12))
    return out[:per_contact]


def _copy(cursor, table: str, columns: str, rows) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(messages: int, contacts: int) -> dict:
    """Bulk-load the synthetic log (runs inside Django, with the benchmark database)."""
    import django

    django.setup()
    from django.db import connection

    from crm.models import Channel, Tenant
    from journeys.models import Journey

    tenant = Tenant.objects.create(
        slug="bench",
        name="Bench",
        mode="omnichannel",
        frequency_cap_max_sends=2,
        frequency_cap_days=7,
        offer_links={"email": ["webchat"]},
    )
    channels = [Channel.objects.create(tenant=tenant, kind=k, name=k).pk for k in KINDS]
    journey = Journey.objects.create(tenant=tenant, name="cart", trigger_event="cart.abandoned", goal_event="purchase")
    rng, now, per_contact = random.Random(7), datetime.now(UTC), messages // contacts
    tid = tenant.pk
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        _copy(
            cur,
            "crm_contact",
            "tenant_id, name, attributes, timezone, created_at",
            ((tid, f"c{i}", "{}", "", now) for i in range(contacts)),
        )
        cur.execute("SELECT min(id) FROM crm_contact")
        first = cur.fetchone()[0]
        _copy(
            cur,
            "crm_ticket",
            "tenant_id, contact_id, channel_id, status, mode, subject, priority, created_at, updated_at, last_message_at",
            (
                (tid, first + c, channels[k], "resolved", "omnichannel", "", 1, T0, now, T0)
                for c in range(contacts)
                for k in range(4)
            ),
        )
        cur.execute("SELECT min(id) FROM crm_ticket")
        first_ticket = cur.fetchone()[0]
        _copy(
            cur,
            "crm_message",
            "tenant_id, contact_id, ticket_id, channel_id, direction, purpose, status, error, subject, text, "
            "from_address, to_address, in_reply_to, metadata, author, occurred_at, created_at, attempts",
            (
                (
                    tid,
                    first + c,
                    first_ticket + 4 * c + k if p == "conversation" else None,
                    channels[k],
                    d,
                    p,
                    "received" if d == "inbound" else "sent",
                    "",
                    "",
                    "hello",
                    "",
                    "",
                    "",
                    "{}",
                    "agent" if d == "outbound" and p == "conversation" else "",
                    t,
                    now,
                    0,
                )
                for c in range(contacts)
                for d, p, k, t in _messages(rng, c, per_contact)
            ),
        )
        _seed_journeys(cur, rng, tid, first, contacts, channels, journey.pk, now)
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM crm_message")
        return {"messages": cur.fetchone()[0], "contacts": contacts}


def _seed_journeys(cur, rng, tid, first, contacts, channels, journey_id, now) -> None:
    """Half of the contacts enrolled in a cart journey (two sends); purchases on a random
    channel, offers on e-mail and redemption attempts on random channels. Journey rows go
    through ``bulk_create`` (model defaults), the purchases through COPY."""
    from journeys.models import Enrollment, Offer, OfferRedemption, StepRun

    enrolled = list(range(0, contacts, 2))
    at = {c: T0 + timedelta(seconds=rng.randrange((DAYS - 2) * 86400)) for c in enrolled}
    enrollments = Enrollment.objects.bulk_create(
        (
            Enrollment(
                tenant_id=tid,
                journey_id=journey_id,
                contact_id=first + c,
                mode="omnichannel",
                status="completed",
                current_step=2,
                enrolled_at=at[c],
            )
            for c in enrolled
        ),
        batch_size=5000,
    )
    _copy(
        cur,
        "crm_event",
        "tenant_id, contact_id, name, channel_id, channel_kind, properties, occurred_at, created_at",
        (
            (tid, first + c, "purchase", channels[k], KINDS[k], "{}", at[c] + timedelta(hours=1), now)
            for c in enrolled
            for k in [rng.randrange(5)]
            if rng.random() < 0.5
        ),
    )
    StepRun.objects.bulk_create(
        (
            StepRun(
                tenant_id=tid,
                enrollment_id=e.pk,
                journey_id=journey_id,
                contact_id=e.contact_id,
                step_index=s,
                step_type="send",
                channel_kind=kind,
                previous_channel_kind=prev,
                purpose="marketing",
                outcome="sent",
                mode="omnichannel",
                at=e.enrolled_at + timedelta(hours=2 * s),
            )
            for e in enrollments
            for s, kind, prev in ((0, "email", ""), (2, "sms", "email"))
        ),
        batch_size=5000,
    )
    offers = Offer.objects.bulk_create(
        (
            Offer(
                tenant_id=tid,
                contact_id=e.contact_id,
                code=f"B{e.contact_id}",
                issued_channel_id=channels[0],
                issued_kind="email",
                issued_at=e.enrolled_at,
            )
            for e in enrollments[: len(enrollments) // 2]
        ),
        batch_size=5000,
    )
    OfferRedemption.objects.bulk_create(
        (
            OfferRedemption(
                tenant_id=tid,
                offer_id=o.pk,
                channel_id=channels[k],
                channel_kind=KINDS[k],
                accepted=True,
                reason="accepted",
                mode="omnichannel",
                at=o.issued_at + timedelta(hours=3),
            )
            for o in offers
            for k in [rng.randrange(5)]
        ),
        batch_size=5000,
    )


def _scan(tenant_id: int) -> int:
    """The plain scan: the same rows in contact and time order, streamed and discarded."""
    from django.db import connection

    rows = 0
    with connection.cursor() as django_cursor, django_cursor.cursor.connection.cursor(name="scan") as cur:
        cur.itersize = 10_000
        cur.execute(
            "SELECT contact_id, occurred_at, channel_id, direction, purpose FROM crm_message "
            "WHERE tenant_id = %s ORDER BY contact_id, occurred_at",
            [tenant_id],
        )
        for _ in cur:
            rows += 1
    return rows


def _scan_in_database(tenant_id: int) -> int:
    """The same ordered scan run inside the database only (rows counted, not sent)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM (SELECT contact_id, occurred_at, channel_id, direction, purpose FROM crm_message "
            "WHERE tenant_id = %s ORDER BY contact_id, occurred_at OFFSET 0) s",
            [tenant_id],
        )
        return cur.fetchone()[0]


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    began = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - began, result


def measure(rounds: int) -> dict:
    import django

    django.setup()
    from django.db import transaction

    from crm.models import Tenant
    from insights.metrics.replay import replay_metrics

    tenant = Tenant.objects.get(slug="bench")
    start, end = T0 - timedelta(days=1), T0 + timedelta(days=DAYS + 30)
    times: dict[str, list[float]] = {"replay": [], "scan": [], "scan_db": []}
    report, rows = None, 0
    for i in range(rounds):
        order = ("replay", "scan", "scan_db") if i % 2 == 0 else ("scan_db", "scan", "replay")
        for which in order:
            with transaction.atomic():
                if which == "replay":
                    seconds, report = _timed(replay_metrics, tenant=tenant, start=start, end=end)
                elif which == "scan":
                    seconds, rows = _timed(_scan, tenant.pk)
                else:
                    seconds, _ = _timed(_scan_in_database, tenant.pk)
            times[which].append(seconds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    replay, scan, scan_db = (statistics.median(times[k]) for k in ("replay", "scan", "scan_db"))
    return {
        "rows_scanned": rows,
        "replay_seconds": round(replay, 2),
        "scan_seconds": round(scan, 2),
        "ratio": round(replay / scan, 2),
        "scan_in_database_seconds": round(scan_db, 2),
        "ratio_to_scan_in_database": round(replay / scan_db, 2),
        "target": TARGET_RATIO,
        "meets_target": replay / scan <= TARGET_RATIO and peak_mb < TARGET_MB,
        "peak_memory_mb": round(peak_mb, 1),
        "memory_target_mb": TARGET_MB,
        "rounds": rounds,
        "all_seconds": {k: [round(v, 2) for v in values] for k, values in times.items()},
        "replay": report,
    }


def run() -> dict:
    """Entry point of the benchmark runner: a dict of figures with the machine and date."""
    from bench.server import seeded_run

    messages = int(os.environ.get("BENCH_REPLAY_MESSAGES", "1000000"))
    contacts = int(os.environ.get("BENCH_REPLAY_CONTACTS", "100000"))
    rounds = int(os.environ.get("BENCH_REPLAY_ROUNDS", "3"))
    url = os.environ.get("BENCH_REPLAY_DATABASE_URL", DEFAULT_DATABASE_URL)
    return seeded_run("replay", database_url=url, seed_args=(messages, contacts), measure_args=(rounds,))


if __name__ == "__main__":
    from bench.server import seeded_main

    seeded_main(seed=seed, measure=measure, run=run)
