"""History import benchmark: a CSV of 1,000,000 message rows (100,000 contacts) imported into
PostgreSQL by ``manage.py import_history``'s service, against a ``COPY`` of the same file into
a staging table of text columns in the same run.

``python -m bench import`` (or ``python -m bench.import``) writes the file, recreates a
database of its own (``crm_bench_import``), migrates it, then in separate child processes
(so each peak memory is its own): the COPY into ``import_staging``, and the import (checked
rows, identities resolved, tickets threaded, every row keyed). It reports both times, the
throughput ratio (COPY seconds / import seconds) and the import's peak memory.

Targets: the import's throughput at least 0.2x the COPY's; peak memory under 300 MB.
Knobs: ``BENCH_IMPORT_ROWS`` (1,000,000), ``BENCH_IMPORT_CONTACTS`` (100,000),
``BENCH_IMPORT_DATABASE_URL``.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from imports.columns import COLUMNS

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_import"
T0 = datetime(2025, 1, 6, tzinfo=UTC)
TARGET_RATIO, TARGET_MB = 0.2, 300


def write_file(path: str, rows: int, contacts: int) -> None:
    """Chronological support history: inbound e-mails and SMS, agent replies on the same channel."""
    rng = random.Random(11)
    step = timedelta(seconds=365 * 86400 / rows)
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for i in range(rows):
            c = rng.randrange(contacts)
            kind = "sms" if rng.random() < 0.3 else "email"
            inbound = rng.random() < 0.6
            customer = f"+33{600000000 + c}" if kind == "sms" else f"customer{c}@example.com"
            values = {
                "type": "message",
                "occurred_at": (T0 + i * step).isoformat(),
                "channel_kind": kind,
                "direction": "inbound" if inbound else "outbound",
                "purpose": "conversation",
                "from" if inbound else "to": customer,
                "contact_email": f"customer{c}@example.com",
                "text": "Hello, about my order" if inbound else "Thanks, we are on it",
                "external_id": f"x{i}",
            }
            writer.writerow([values.get(name, "") for name in COLUMNS])


def copy_file(path: str) -> dict:
    import django

    django.setup()
    from django.db import connection

    columns = ", ".join(f'"{c}" text' for c in COLUMNS)
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        cur.execute(f"DROP TABLE IF EXISTS import_staging; CREATE UNLOGGED TABLE import_staging ({columns})")
        began = time.perf_counter()
        with (
            open(path, "rb") as stream,
            cur.copy("COPY import_staging FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := stream.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - began
        cur.execute("SELECT count(*) FROM import_staging")
        rows = cur.fetchone()[0]
        cur.execute("DROP TABLE import_staging")
    return {"copy_seconds": round(seconds, 2), "copy_rows": rows}


def import_file(path: str) -> dict:
    import django

    django.setup()
    from crm.models import Channel, Tenant
    from imports.service import import_prepare, import_run

    tenant = Tenant.objects.create(slug="bench", name="Bench", mode="omnichannel")
    Channel.objects.create(tenant=tenant, kind="email", name="email", address="support@example.com")
    Channel.objects.create(tenant=tenant, kind="sms", name="sms", address="+33100000000")
    began = time.perf_counter()
    imp = import_run(history_import=import_prepare(tenant=tenant, path=path, fmt="csv", by="bench"), path=path)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from crm.models import Contact, Ticket

    return {
        "import_seconds": round(seconds, 2),
        "import_status": imp.status,
        "rows": imp.rows,
        "imported": imp.imported,
        "errors": imp.error_count,
        "contacts_created": Contact.objects.filter(tenant=tenant).count(),
        "tickets_created": Ticket.objects.filter(tenant=tenant).count(),
        "peak_memory_mb": round(peak_mb, 1),
    }


def run() -> dict:
    from bench.machine import describe
    from bench.server import ServerConfig, database_recreate, manage, python_module

    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
    contacts = int(os.environ.get("BENCH_IMPORT_CONTACTS", "100000"))
    url = os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_DATABASE_URL)
    config = ServerConfig(database_url=url, cache_url="locmemcache://")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "history.csv")
        write_file(path, rows, contacts)
        size = os.path.getsize(path)
        database_recreate(url)
        manage(config, "migrate", "--noinput")
        copied = json.loads(python_module(config, "bench.import", "--copy", path))
        imported = json.loads(python_module(config, "bench.import", "--import", path))
    ratio = copied["copy_seconds"] / imported["import_seconds"]
    return {
        "name": "import",
        "file_rows": rows,
        "file_contacts": contacts,
        "file_mb": round(size / 1e6, 1),
        **copied,
        **imported,
        "rows_per_second": round(rows / imported["import_seconds"]),
        "throughput_ratio_to_copy": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "memory_target_mb": TARGET_MB,
        "meets_target": ratio >= TARGET_RATIO and imported["peak_memory_mb"] < TARGET_MB,
        "machine": describe(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--copy":
        print(json.dumps(copy_file(sys.argv[2])))
    elif len(sys.argv) == 3 and sys.argv[1] == "--import":
        print(json.dumps(import_file(sys.argv[2])))
    else:
        print(json.dumps(run(), indent=2))
