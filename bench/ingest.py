"""Inbound ingestion against the framework floor, through gunicorn and PostgreSQL on loopback.

Two endpoints in one run, the same server, the same load and the same bodies:

* ``floor``: ``POST /bench/floor/`` authenticates with an API key, validates the body with a
  DRF serializer and inserts one row: the least any endpoint of this project can cost;
* ``ingest``: ``POST /api/v1/messages/inbound/``: normalise the sender, find or create the
  contact, lock it, deduplicate, thread under the policy, store the message.

Target: ingestion keeps at least 60% of the floor's throughput.

The two are measured in alternating rounds (floor then ingest, ingest then floor, ...) so that
whatever else the machine does weighs on both alike; each round starts with a warm-up whose
requests are not counted, and the rounds' windows are pooled.

``python -m bench ingest`` runs it; ``python -m bench.ingest prepare|count`` are the steps it
runs inside the server's environment. Environment knobs: ``BENCH_ROUNDS``, ``BENCH_DURATION``
and ``BENCH_WARMUP`` (seconds per round and endpoint; the first warm-up is longer: workers load
the project on their first request), ``BENCH_CONCURRENCY`` (client threads),
``BENCH_WORKERS`` (gunicorn sync workers), ``BENCH_MODE`` (tenant mode, omnichannel).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time

from bench.loadgen import summarize
from bench.server import ROOT, ServerConfig, database_recreate, gunicorn, manage, python_module

TARGET_RATIO = 0.6
#: customers the tenant already knows (contacts with a phone and an e-mail identity)
KNOWN_CONTACTS = 20_000
CHANNEL_MIX = (("sms", 0.45), ("email", 0.35), ("whatsapp", 0.20))
WORDS = (
    "hello order delivery refund invoice parcel late thanks store card size colour return exchange "
    "payment account password address tomorrow today please help question where when status"
).split()


def known_address(kind: str, n: int) -> str:
    """Customer ``n``'s address as stored (normalised): what the seeded contacts own."""
    return f"customer{n}@example.com" if kind == "email" else f"+336{n:08d}"


def _sender(kind: str, n: int) -> str:
    """Customer ``n``'s address as a provider would send it (not normalised)."""
    if kind == "email":
        return f"Customer{n}@Example.com"
    d = f"{n:08d}"
    number = f"+33 6 {d[0:2]} {d[2:4]} {d[4:6]} {d[6:8]}"
    return f"whatsapp:{number}" if kind == "whatsapp" else number


def inbound_mix(
    *,
    channels: dict[str, int],
    prefix: str,
    known_contacts: int = KNOWN_CONTACTS,
    hot_contacts: int = 200,
    hot_share: float = 0.3,
    new_share: float = 0.2,
    seed: int = 7,
):
    """``make_body(i)``: a realistic inbound mix, deterministic in ``prefix`` and ``i``.

    Channels by weight (sms, email, whatsapp). Senders: 30% a few repeat senders, 20% new
    customers, the rest the tenant's known customers (``known_contacts``, seeded by ``prepare``);
    a phone number writes on both sms and whatsapp (one contact); every message has its own
    ``external_id``.
    """
    kinds = [k for k, _ in CHANNEL_MIX]
    weights = [w for _, w in CHANNEL_MIX]

    def make_body(i: int) -> bytes:
        rnd = random.Random(f"{seed}:{prefix}:{i}")
        kind = rnd.choices(kinds, weights)[0]
        draw = rnd.random()
        if draw < hot_share:
            n = rnd.randrange(hot_contacts)
        elif draw < hot_share + new_share:
            n = known_contacts + rnd.randrange(10_000_000)
        else:
            n = rnd.randrange(known_contacts)
        body = {
            "channel": channels[kind],
            "from": _sender(kind, n),
            "text": " ".join(rnd.choices(WORDS, k=rnd.randint(4, 30))).capitalize() + ".",
            "external_id": f"{prefix}-{i}",
        }
        if kind == "email":
            body["subject"] = f"Order {1000 + n}"
        if rnd.random() < 0.2:
            body["name"] = f"Customer {n}"
        return json.dumps(body).encode()

    return make_body


def _settings() -> dict:
    quick = os.environ.get("BENCH_QUICK") == "1"
    return {
        "rounds": int(os.environ.get("BENCH_ROUNDS", 1 if quick else 5)),
        "duration": float(os.environ.get("BENCH_DURATION", 3 if quick else 6)),
        "warmup": float(os.environ.get("BENCH_WARMUP", 1 if quick else 2)),
        "concurrency": int(os.environ.get("BENCH_CONCURRENCY", 8)),
        "workers": int(os.environ.get("BENCH_WORKERS", 5)),  # gunicorn's advice: 2 per core + 1
        "mode": os.environ.get("BENCH_MODE", "omnichannel"),
        "max_requests": 200_000,
    }


ENDPOINTS = {"floor": "/bench/floor/", "ingest": "/api/v1/messages/inbound/"}


def _window(*, url: str, token: str, channels: dict, prefix: str, settings: dict, warmup: float) -> dict:
    """One measured window of the load against ``url`` (a child process: ``bench.loadgen``)."""
    options = {
        "url": url,
        "token": token,
        "factory": "bench.ingest:inbound_mix",
        "factory-args": json.dumps({"channels": channels, "prefix": prefix}),
        "concurrency": settings["concurrency"],
        "warmup": warmup,
        "duration": settings["duration"],
        "max-requests": settings["max_requests"],
    }
    command = [sys.executable, "-m", "bench.loadgen", *(f"--{k}={v}" for k, v in options.items())]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def run() -> dict:
    settings = _settings()
    config = ServerConfig(workers=settings["workers"])
    database_recreate(config.database_url)
    manage(config, "migrate", "--noinput")
    prepared = json.loads(python_module(config, "bench.ingest", "prepare", settings["mode"]))
    with gunicorn(config) as base:
        windows = _alternate(base=base, prepared=prepared, settings=settings)
    phases = {name: summarize(runs) for name, runs in windows.items()}
    rows = json.loads(python_module(config, "bench.ingest", "count", str(prepared["tenant"])))
    ratio = phases["ingest"]["per_second"] / phases["floor"]["per_second"] if phases["floor"]["per_second"] else 0
    per_round = [
        _rate(i) / _rate(f) if _rate(f) else 0 for f, i in zip(windows["floor"], windows["ingest"], strict=True)
    ]
    return {
        "name": "ingest",
        "server": {
            "gunicorn_workers": config.workers,
            "worker_class": config.worker_class,
            "database": "PostgreSQL on loopback",
            "cache": "Redis on loopback",
            "mode": settings["mode"],
        },
        "load": {k: settings[k] for k in ("rounds", "duration", "warmup", "concurrency")},
        "phases": phases,
        "rows_written": rows,
        "ratio": round(ratio, 3),
        "ratio_per_round": [round(r, 3) for r in per_round],
        "ratio_median": round(statistics.median(per_round), 3),
        "target": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "table": [
            {"phase": name, **{k: p[k] for k in ("requests", "per_second", "p50_ms", "p99_ms", "errors")}}
            for name, p in phases.items()
        ],
    }


def _alternate(*, base: str, prepared: dict, settings: dict) -> dict[str, list[dict]]:
    """Alternating rounds; every window has its own ``external_id`` prefix (no duplicates).
    Returns each endpoint's raw windows, in round order."""
    stamp, windows = int(time.time()), {name: [] for name in ENDPOINTS}
    for r in range(settings["rounds"]):
        order = list(ENDPOINTS) if r % 2 == 0 else list(reversed(ENDPOINTS))
        for name in order:
            warmup = settings["warmup"] + (5 if r == 0 else 0)
            windows[name].append(
                _window(
                    url=base + ENDPOINTS[name],
                    token=prepared["key"],
                    channels=prepared["channels"],
                    prefix=f"{name}-{stamp}-{r}",
                    settings=settings,
                    warmup=warmup,
                )
            )
    return windows


def _rate(window: dict) -> float:
    return len(window["latencies_ms"]) / window["seconds"] if window["seconds"] else 0.0


# -- steps run inside the server's environment (Django configured with bench.settings) -----


def _prepare(mode: str) -> dict:
    from crm.services.tenants import api_key_create, channel_create, tenant_create

    tenant = tenant_create(slug=f"bench-{int(time.time())}", name="Benchmark", mode=mode, by="bench")
    _, raw = api_key_create(tenant=tenant, role="agent", label="bench")
    channels = {kind: channel_create(tenant=tenant, kind=kind, name=f"{kind} bench").pk for kind, _ in CHANNEL_MIX}
    _seed_contacts(tenant, KNOWN_CONTACTS)
    _settle()
    return {"tenant": tenant.pk, "key": raw, "channels": channels}


def _settle() -> None:
    """After the bulk load: statistics for the planner and a vacuumed heap, so that neither a
    plan made without statistics nor autovacuum weighs on the measured rounds."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _seed_contacts(tenant, count: int) -> None:
    """The tenant's known customers, each with a phone and an e-mail identity."""
    from crm.models import Contact, Identity

    for start in range(0, count, 2_000):
        numbers = range(start, min(count, start + 2_000))
        contacts = Contact.objects.bulk_create([Contact(tenant=tenant, name=f"Customer {n}") for n in numbers])
        Identity.objects.bulk_create(
            Identity(tenant=tenant, contact=c, kind=kind, address=known_address(kind, n))
            for n, c in zip(numbers, contacts, strict=True)
            for kind in ("phone", "email")
        )


def _count(tenant_id: int) -> dict:
    from bench.floor.models import FloorMessage
    from crm.models import Contact, Message, Ticket

    return {
        "floor_rows": FloorMessage.objects.filter(tenant_id=tenant_id).count(),
        "messages": Message.objects.filter(tenant_id=tenant_id).count(),
        "contacts": Contact.objects.filter(tenant_id=tenant_id).count(),
        "tickets": Ticket.objects.filter(tenant_id=tenant_id).count(),
    }


def main(argv: list[str]) -> None:
    import django

    django.setup()
    step, arg = argv[0], argv[1]
    result = _prepare(arg) if step == "prepare" else _count(int(arg))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
