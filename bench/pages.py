"""Pages benchmark: the inbox, a ticket, a customer 360 and the comparison page rendered over
a 1,000,000-message log on PostgreSQL; p50 and p95 of each, and the queries each page runs.

``python -m bench.pages`` (or ``python -m bench pages``) recreates its database, migrates it,
bulk-loads the replay benchmark's synthetic log (``bench.replay.seed``: COPY, 10 messages per
contact, four tickets each, journeys, offers) with one ticket in ten left open, then in a
second process: computes the comparison report of the log's period once (the background task's
work, timed), and requests each page ``BENCH_PAGES_REQUESTS`` times (after two warm-up
requests) through Django's test client as a logged-in manager: the whole view, its queries
and its template, not the network. The comparison page is read from the stored report.

Target: p95 under 300 ms for every page. Knobs: ``BENCH_PAGES_MESSAGES`` (1,000,000),
``BENCH_PAGES_CONTACTS`` (100,000), ``BENCH_PAGES_REQUESTS`` (40), ``BENCH_PAGES_DATABASE_URL``.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_pages"
TARGET_P95_MS = 300


def seed(messages: int, contacts: int) -> dict:
    from bench.replay import seed as replay_seed

    loaded = replay_seed(messages, contacts)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE crm_ticket SET status = 'open', last_message_at = created_at + (id % 1000) * interval '1 minute' WHERE id % 10 = 0"
        )
        cur.execute("ANALYZE crm_ticket")
    return loaded


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _page(client, url: str, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    p95 = _percentile(times, 0.95)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "queries": len(queries.captured_queries),
        "meets_target": p95 < TARGET_P95_MS,
    }


def measure(requests: int) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from bench.replay import DAYS, T0
    from crm.models import Membership, Message, Tenant, Ticket
    from insights.reports.services import report_request
    from insights.reports.time import day_period, tenant_zone

    tenant = Tenant.objects.get(slug="bench")
    user = get_user_model().objects.create_user("bench-manager", password="x", is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role="manager")
    client = Client()
    client.force_login(user)
    first, stop = (T0 - timedelta(days=1)).date(), (T0 + timedelta(days=DAYS + 1)).date()
    start, end = day_period(start=first, end=stop, zone=tenant_zone(tenant))
    began = time.perf_counter()
    report = report_request(tenant=tenant, start=start, end=end)  # eager: the background task's work
    compute_seconds = time.perf_counter() - began
    ticket = Ticket.objects.filter(tenant=tenant).annotate(n=Count("messages")).order_by("-n", "pk").first()
    contact_id = Message.objects.filter(tenant=tenant).values_list("contact_id", flat=True).first()
    pages = {
        "inbox": reverse("dashboard:inbox"),
        "ticket": reverse("dashboard:ticket", args=[ticket.pk]),
        "customer_360": reverse("dashboard:contact", args=[contact_id]),
        "comparison": f"{reverse('dashboard:comparison')}?start={first}&end={stop}",
    }
    figures = {name: _page(client, url, requests) for name, url in pages.items()}
    return {
        "report_compute_seconds": round(compute_seconds, 1),
        "report_status": report.status,
        "report_weeks": len((report.series or {}).get("weeks", [])),
        "pages": figures,
        "requests_per_page": requests,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": all(f["meets_target"] for f in figures.values()),
    }


def run() -> dict:
    """Entry point of the benchmark runner."""
    from bench.server import seeded_run

    messages = int(os.environ.get("BENCH_PAGES_MESSAGES", "1000000"))
    contacts = int(os.environ.get("BENCH_PAGES_CONTACTS", str(max(1, messages // 10))))
    requests = int(os.environ.get("BENCH_PAGES_REQUESTS", "40"))
    url = os.environ.get("BENCH_PAGES_DATABASE_URL", DEFAULT_DATABASE_URL)
    return seeded_run("pages", database_url=url, seed_args=(messages, contacts), measure_args=(requests,))


if __name__ == "__main__":
    from bench.server import seeded_main

    seeded_main(seed=seed, measure=measure, run=run)
