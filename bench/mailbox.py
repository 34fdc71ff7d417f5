"""Mailbox polling benchmark: N mails fetched from a real Dovecot against the same raw mails
ingested in-process, on PostgreSQL.

``python -m bench mailbox`` recreates a database of its own (``crm_bench_mailbox``), starts a
Dovecot on loopback (the tests' fixture, ``tests/channels_app/mailbox/servers.py``), appends N
generated customer mails (``BENCH_MAILBOX_MAILS``, 10,000; 1,000 with ``BENCH_QUICK=1``) from
N/5 customers to the mailbox, then in one child process:

* ``poll``: polls the mailbox channel until it is empty (``mailbox_poll``, batches of
  ``MAILBOX_BATCH``, fetched ``MAILBOX_FETCH_CHUNK`` at a time): IMAP, parsing, ingestion;
* ``ingest``: the same raw mails, already in memory, through the same parsing and ingestion
  (``mail_import`` on a raw e-mail channel of another tenant): the in-process ceiling.

Target: polling reaches at least half the in-process rate. Memory: the process's resident set
is sampled after every poll batch; it must stay flat (the first and last batch are reported,
and the peak RSS of the polling phase, which runs first).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import UTC, datetime

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_mailbox"
TARGET_RATIO = 0.5
SUBJECTS = ("Where is my order {n}?", "Refund for order {n}", "Delivery slot for {n}", "Question about {n}")


def raw_mail(n: int, customers: int) -> bytes:
    customer = n % customers
    subject = SUBJECTS[n % len(SUBJECTS)].format(n=40000 + n)
    body = f"Bonjour,\r\n\r\nmy order {40000 + n} has not arrived yet. Could you check?\r\n\r\nThanks,\r\nCustomer {customer}\r\n"
    return (
        f"From: Customer {customer} <customer{customer}@mail.example>\r\nTo: support@shop.example\r\n"
        f"Subject: {subject}\r\nMessage-ID: <bench-{n}@mail.example>\r\n"
        f"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _fill(dovecot, user: str, password: str, count: int, customers: int) -> float:
    from imapclient import IMAPClient

    started = time.perf_counter()
    client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False)
    client.login(user, password)
    for n in range(count):
        client.append("INBOX", raw_mail(n, customers))
    client.logout()
    return time.perf_counter() - started


def measure(count: int) -> dict:
    import django

    django.setup()
    from django.conf import settings

    from channels_app.mailbox.poll import mail_import, mailbox_poll
    from crm.models import Channel, Message, Tenant
    from tests.channels_app.mailbox.servers import Dovecot

    customers = max(1, count // 5)
    dovecot = Dovecot.start()
    try:
        user = dovecot.add_user(password="bench-password")
        fill_seconds = _fill(dovecot, user, "bench-password", count, customers)
        polled = Tenant.objects.create(slug="bench-poll", name="Poll", mode="omnichannel")
        mailbox = Channel.objects.create(
            tenant=polled, kind="email", name="mailbox", provider="imap", address=user,
            credentials={
                "imap_host": "127.0.0.1", "imap_port": str(dovecot.port), "imap_security": "none",
                "username": user, "password": "bench-password", "smtp_host": "127.0.0.1",
            },
        )  # fmt: skip
        rss, batches = [], 0
        started = time.perf_counter()
        while True:
            result = mailbox_poll(channel=mailbox)
            batches += 1
            rss.append(_rss_mb())
            if result.error or not result.more:
                break
        poll_seconds = time.perf_counter() - started
        poll_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        stored = Message.objects.filter(tenant=polled).count()

        raws = [raw_mail(n, customers) for n in range(count)]
        direct = Tenant.objects.create(slug="bench-ingest", name="Ingest", mode="omnichannel")
        raw_channel = Channel.objects.create(tenant=direct, kind="email", name="raw", provider="smtp")
        started = time.perf_counter()
        for n, raw in enumerate(raws):
            mail_import(channel=raw_channel, raw=raw, where=f"bench/{n}")
        ingest_seconds = time.perf_counter() - started
    finally:
        dovecot.stop()
    poll_rate, ingest_rate = count / poll_seconds, count / ingest_seconds
    return {
        "mails": count,
        "customers": customers,
        "stored_by_polling": stored,
        "poll_error": result.error,
        "batch": settings.MAILBOX_BATCH,
        "fetch_chunk": settings.MAILBOX_FETCH_CHUNK,
        "polls": batches,
        "fill_seconds": round(fill_seconds, 1),
        "poll_seconds": round(poll_seconds, 1),
        "ingest_seconds": round(ingest_seconds, 1),
        "poll_mails_per_s": round(poll_rate, 1),
        "ingest_mails_per_s": round(ingest_rate, 1),
        "rss_mb_after_first_poll": round(rss[0], 1),
        "rss_mb_after_last_poll": round(rss[-1], 1),
        "peak_rss_mb_polling": round(poll_peak_mb, 1),
        "ratio": round(poll_rate / ingest_rate, 2),
        "target": TARGET_RATIO,
        "meets_target": poll_rate / ingest_rate >= TARGET_RATIO and stored == count,
    }


def run() -> dict:
    """Entry point of the benchmark runner: a dict of figures with the machine and date."""
    from bench.machine import describe
    from bench.server import ServerConfig, database_recreate, manage, python_module

    quick = os.environ.get("BENCH_QUICK") == "1"
    count = int(os.environ.get("BENCH_MAILBOX_MAILS", "1000" if quick else "10000"))
    url = os.environ.get("BENCH_MAILBOX_DATABASE_URL", DEFAULT_DATABASE_URL)
    config = ServerConfig(database_url=url)
    database_recreate(url)
    manage(config, "migrate", "--noinput")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    try:
        figures = json.loads(python_module(config, "bench.mailbox", "--measure", str(count)))
    finally:
        os.environ.pop("CELERY_BROKER_URL", None)
    return {
        "name": "mailbox",
        **figures,
        "machine": describe(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(int(sys.argv[2]))))
    else:
        print(json.dumps(run(), indent=2))
