"""Search benchmark: ``crm.selectors.search.search`` over 1,000,000 messages and 100,000
contacts on PostgreSQL, for a word, a phone number in national format and an e-mail address.

``python -m bench.search`` (or ``python -m bench search``) recreates its database, migrates
it, then loads the data with ``INSERT ... SELECT generate_series`` inside PostgreSQL (the
search indexes are dropped first and rebuilt after, as a bulk import would), and measures
each kind of query with distinct values (every section of the answer: contacts, tickets and
messages with their snippets), reporting p50 and p95.

Target: p95 under 150 ms for each kind. Knobs: ``BENCH_SEARCH_MESSAGES`` (1,000,000),
``BENCH_SEARCH_CONTACTS`` (100,000), ``BENCH_SEARCH_QUERIES`` (40 per kind),
``BENCH_SEARCH_DATABASE_URL``.
"""

from __future__ import annotations

import os
import random
import statistics
import time

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_search"
TARGET_MS = 150
SEARCH_INDEXES = (
    "message_search_french",
    "message_search_english",
    "ticket_search_french",
    "ticket_search_english",
    "contact_name_trigram",
    "identity_address_trigram",
)
FIRST = ["Camille", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Louis", "Emma", "Jules", "Inès", "Adam", "Sarah"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]
COMMON = (
    "bonjour merci commande colis livraison retard adresse paiement carte compte problème question aide "
    "hello thanks order parcel delivery late address payment card account problem question help please "
    "magasin store retour return échange exchange facture invoice"
).split()
#: words of a middling frequency: the word queries of the benchmark
RARE = [f"ref{n:04d}" for n in range(2000)] + (
    "remboursement réclamation annulation garantie refund complaint cancellation warranty".split()
)


def seed(messages: int, contacts: int) -> dict:
    import django

    django.setup()
    from django.db import connection

    from crm.models import Channel, Tenant

    tenant = Tenant.objects.create(slug="bench", name="Bench", mode="omnichannel")
    channel = Channel.objects.create(tenant=tenant, kind="sms", name="sms").pk
    began = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [list(SEARCH_INDEXES)])
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
        params = {"t": tenant.pk, "n": contacts, "m": messages, "ch": channel, "first": FIRST, "last": LAST}
        cur.execute(
            """INSERT INTO crm_contact (tenant_id, name, attributes, timezone, created_at)
            SELECT %(t)s, (%(first)s::text[])[1 + g %% 12] || ' ' || (%(last)s::text[])[1 + (g / 12) %% 10] || ' ' || g,
                '{}', '', now()
            FROM generate_series(1, %(n)s) g""",
            params,
        )
        cur.execute("SELECT min(id) FROM crm_contact WHERE tenant_id = %s", [tenant.pk])
        params["c0"] = cur.fetchone()[0] - 1
        cur.execute(
            """INSERT INTO crm_identity (tenant_id, contact_id, kind, address, verified, created_at)
            SELECT %(t)s, %(c0)s + g, 'phone', '+336' || lpad((10000000 + g)::text, 8, '0'), false, now()
            FROM generate_series(1, %(n)s) g
            UNION ALL
            SELECT %(t)s, %(c0)s + g, 'email', 'client' || g || '@example.fr', false, now()
            FROM generate_series(1, %(n)s) g""",
            params,
        )
        cur.execute(
            """INSERT INTO crm_ticket (tenant_id, contact_id, channel_id, status, mode, subject, priority,
                created_at, updated_at, last_message_at)
            SELECT %(t)s, %(c0)s + g, %(ch)s, 'open', 'omnichannel',
                'Dossier ' || (%(rare)s::text[])[1 + g %% %(nrare)s], 1, now(), now(), now()
            FROM generate_series(1, %(n)s) g""",
            {**params, "rare": RARE, "nrare": len(RARE)},
        )
        cur.execute("SELECT min(id) FROM crm_ticket WHERE tenant_id = %s", [tenant.pk])
        params["k0"] = cur.fetchone()[0] - 1
        cur.execute("SELECT setseed(0.42)")
        # Ten common words (skewed: the first ones most often) and one middling word per message.
        cur.execute(
            """INSERT INTO crm_message (tenant_id, contact_id, ticket_id, channel_id, direction, purpose, status,
                error, subject, text, from_address, to_address, in_reply_to, metadata, author, occurred_at,
                created_at, attempts)
            SELECT %(t)s, %(c0)s + 1 + g %% %(n)s, %(k0)s + 1 + g %% %(n)s, %(ch)s, 'inbound', 'conversation',
                'received', '', '',
                array_to_string(ARRAY(
                    SELECT (%(common)s::text[])[1 + floor(%(ncommon)s * power(random(), 2))::int]
                    FROM generate_series(1, 10) k WHERE g > 0
                ), ' ') || ' ' || (%(rare)s::text[])[1 + (g::bigint * 7919) %% %(nrare)s],
                '', '', '', '{}', '', now() - (g || ' seconds')::interval, now(), 0
            FROM generate_series(1, %(m)s) g""",
            {**params, "common": COMMON, "ncommon": len(COMMON), "rare": RARE, "nrare": len(RARE)},
        )
        loaded = time.perf_counter() - began
        for _, definition in indexes:
            cur.execute(definition)
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM crm_message WHERE tenant_id = %s", [tenant.pk])
        count = cur.fetchone()[0]
    return {
        "messages": count,
        "contacts": contacts,
        "load_seconds": round(loaded, 1),
        "index_seconds": round(time.perf_counter() - began - loaded, 1),
    }


def _queries(kind: str, n: int, contacts: int, rng: random.Random) -> list[str]:
    if kind == "word":
        return [rng.choice(RARE) for _ in range(n)]
    numbers = [rng.randint(1, contacts) for _ in range(n)]
    if kind == "phone":
        return [" ".join(["06", *(f"{10000000 + g:08d}"[i : i + 2] for i in range(0, 8, 2))]) for g in numbers]
    return [f"Client{g}@Example.fr" for g in numbers]


def measure(queries: int, contacts: int) -> dict:
    import django

    django.setup()
    from crm.models import Tenant
    from crm.selectors.search import search

    tenant = Tenant.objects.get(slug="bench")
    rng, figures = random.Random(11), {}
    for kind in ("word", "phone", "email", "common_word"):
        values = COMMON[:queries] if kind == "common_word" else _queries(kind, queries, contacts, rng)
        search(tenant=tenant, q=values[0])  # warm the connection and the plans' caches
        times, found = [], 0
        for q in values:
            began = time.perf_counter()
            result = search(tenant=tenant, q=q)
            times.append((time.perf_counter() - began) * 1000)
            found += bool(result.contacts or result.messages)
        times.sort()
        figures[kind] = {
            "queries": len(values),
            "found": found,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
            "max_ms": round(times[-1], 1),
        }
    return {
        "figures": figures,
        "target_p95_ms": TARGET_MS,
        "meets_target": all(figures[k]["p95_ms"] < TARGET_MS for k in ("word", "phone", "email")),
    }


def run() -> dict:
    from bench.server import seeded_run

    messages = int(os.environ.get("BENCH_SEARCH_MESSAGES", "1000000"))
    contacts = int(os.environ.get("BENCH_SEARCH_CONTACTS", "100000"))
    queries = int(os.environ.get("BENCH_SEARCH_QUERIES", "40"))
    url = os.environ.get("BENCH_SEARCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    return seeded_run("search", database_url=url, seed_args=(messages, contacts), measure_args=(queries, contacts))


if __name__ == "__main__":
    from bench.server import seeded_main

    seeded_main(seed=seed, measure=measure, run=run)
