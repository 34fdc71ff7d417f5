"""Live update latency: from ``POST /api/v1/messages/inbound/`` to the event on 50 agents' sockets.

The project runs as production does: gunicorn with uvicorn workers serving ``config.asgi``,
PostgreSQL, and the Redis channel layer (``CHANNEL_LAYER_URL``), all on loopback. 50 staff
members of one tenant are logged in (a session each) and hold a websocket to ``/ws/live/``.
Messages arrive one at a time through the API, each from a new customer (a new contact and a
ticket); each socket notes when the ``message.created`` event of that message reaches it. The
latency is measured from just before the request is sent, so it includes the ingestion itself.

Target: p95 under 1 s over every (message, socket) pair.

``python -m bench live`` runs it; ``python -m bench.live prepare N`` is the step it runs inside the
server's environment. Knobs: ``BENCH_AGENTS`` (50), ``BENCH_MESSAGES`` (200), ``BENCH_PAUSE``
(seconds between two messages, 0.1), ``BENCH_WORKERS`` (uvicorn workers, 2),
``BENCH_LIVE_DATABASE_URL``, ``BENCH_CHANNEL_LAYER_URL``.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time

from bench.server import ServerConfig, database_recreate, gunicorn, manage, python_module

TARGET_P95_SECONDS = 1.0
DATABASE_URL = os.environ.get("BENCH_LIVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm_bench_live")
CHANNEL_LAYER_URL = os.environ.get("BENCH_CHANNEL_LAYER_URL", "redis://127.0.0.1:6379/3")


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _agent(url: str, origin: str, cookie: str, received: dict, ready: asyncio.Event, count: list) -> None:
    import websockets

    headers = {"Cookie": f"sessionid={cookie}"}
    connecting = websockets.connect(url, origin=origin, additional_headers=headers, max_queue=None, open_timeout=60)
    async with connecting as ws:  # the first connections wait for the workers to load the project
        count[0] += 1
        if count[0] == count[1]:
            ready.set()
        async for raw in ws:
            event = json.loads(raw)
            if event.get("type") == "message.created":
                received.setdefault(event["message"], []).append(time.perf_counter())


async def _measure(base: str, prepared: dict, *, messages: int, pause: float) -> dict:
    import requests

    origin, url = base, base.replace("http://", "ws://") + "/ws/live/"
    received: dict[int, list[float]] = {}
    ready, count = asyncio.Event(), [0, len(prepared["sessions"])]
    agents = [
        asyncio.create_task(_agent(url, origin, cookie, received, ready, count)) for cookie in prepared["sessions"]
    ]
    await asyncio.wait_for(ready.wait(), timeout=120)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {prepared['key']}"
    sent: dict[int, float] = {}
    answered: list[float] = []  # the inbound request's own duration

    def post(i: int) -> tuple[int, float]:
        body = {"channel": prepared["channel"], "from": f"+3361{i:07d}", "text": f"live {i}", "external_id": f"l{i}"}
        started = time.perf_counter()
        response = session.post(f"{base}/api/v1/messages/inbound/", json=body, timeout=30)
        response.raise_for_status()
        answered.append(time.perf_counter() - started)
        return response.json()["id"], started

    for i in range(-5, messages):  # five warm-up messages, not counted
        message_id, started = await asyncio.to_thread(post, i + 5 if i >= 0 else 9_000_000 + i)
        if i >= 0:
            sent[message_id] = started
        await asyncio.sleep(pause)
    await asyncio.sleep(2)  # the last events
    for task in agents:
        task.cancel()
    latencies = [t - sent[m] for m, times in received.items() if m in sent for t in times]
    worst = [max(times) - sent[m] for m, times in received.items() if m in sent]
    expected = len(sent) * len(prepared["sessions"])
    return {
        "agents": len(prepared["sessions"]),
        "messages": len(sent),
        "events_expected": expected,
        "events_received": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(_quantile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(_quantile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "request_p50_ms": round(statistics.median(answered[5:]) * 1000, 1),
        "request_p95_ms": round(_quantile(answered[5:], 0.95) * 1000, 1),
        "last_socket_p95_ms": round(_quantile(worst, 0.95) * 1000, 1),
    }


def run() -> dict:
    agents = int(os.environ.get("BENCH_AGENTS", "50"))
    messages = int(os.environ.get("BENCH_MESSAGES", "200"))
    pause = float(os.environ.get("BENCH_PAUSE", "0.1"))
    os.environ["CHANNEL_LAYER_URL"] = CHANNEL_LAYER_URL
    config = ServerConfig(
        database_url=DATABASE_URL,
        cache_url=CHANNEL_LAYER_URL,
        workers=int(os.environ.get("BENCH_WORKERS", "2")),
        worker_class="uvicorn_worker.UvicornWorker",
        application="config.asgi:application",
    )
    database_recreate(config.database_url)
    manage(config, "migrate", "--noinput")
    prepared = json.loads(python_module(config, "bench.live", "prepare", str(agents)))
    with gunicorn(config) as base:
        figures = asyncio.run(_measure(base, prepared, messages=messages, pause=pause))
    figures.update(
        target_p95_ms=TARGET_P95_SECONDS * 1000,
        meets_target=figures["p95_ms"] < TARGET_P95_SECONDS * 1000
        and figures["events_received"] == figures["events_expected"],
        workers=config.workers,
        pause_s=pause,
    )
    return figures


# -- the step run inside the server's environment --------------------------------------------


def _prepare(agents: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from crm.models import Membership
    from crm.services.tenants import api_key_create, channel_create, tenant_create

    tenant = tenant_create(slug=f"live-{int(time.time())}", name="Live", mode="omnichannel", by="bench")
    _, raw = api_key_create(tenant=tenant, role="agent", label="bench")
    channel = channel_create(tenant=tenant, kind="sms", name="sms live", by="bench")
    password = make_password(None)  # unusable: the agents hold sessions, not passwords
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{tenant.slug}-agent{n}", password=password, is_staff=True) for n in range(agents)
    )
    Membership.objects.bulk_create(Membership(tenant=tenant, user=u) for u in users)
    sessions = []
    for user in users:
        store = SessionStore()
        store.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"})
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return {"key": raw, "channel": channel.pk, "sessions": sessions}


def main(argv: list[str]) -> None:
    import django

    django.setup()
    print(json.dumps(_prepare(int(argv[1]))))


if __name__ == "__main__":
    main(sys.argv[1:])
