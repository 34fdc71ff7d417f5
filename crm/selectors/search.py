"""Search across a tenant's contacts, tickets and messages (``GET /search/?q=``).

The query is read three ways at once:

- a phone number, in E.164 or in the tenant region's national format (``06 12 34 56 78``),
  and an e-mail address: normalised as identities are stored, then matched exactly on the
  identity index; the contact's tickets and newest messages follow;
- words: PostgreSQL full-text search over message texts and subjects and ticket subjects, in
  the ``french`` and ``english`` configurations at once (stemming: "livraisons" finds
  "livraison", "delivered" finds "delivery"), ranked by ``ts_rank``, with ``ts_headline``
  snippets; GIN expression indexes (tenant first, ``btree_gin``) serve it;
- names and addresses, partly typed or misspelt: trigram matching (``pg_trgm``).

On SQLite, a plain ``icontains`` stands in for full text and trigrams. Every query names the
tenant, and every section is one page (``limit`` rows, one more read to tell if there are more).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from crm.errors import ApplicationError
from crm.models import Contact, Identity, IdentityKind, Message, Tenant, Ticket
from crm.services.addresses import normalize_address
from crm.sql import Table

from .contacts import _contacts
from .tickets import _tickets

MAX_QUERY = 200
MIN_QUERY = 2
CONFIGS = ("french", "english")
#: ``ts_headline`` marks a match with these; the snippet is HTML-escaped, then they become <mark>
START, STOP = "\u27e6", "\u27e7"
HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=\u2026"
_PHONE = re.compile(r"^\+?[\d\s().-]{6,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def document(alias: str, *columns: str) -> str:
    """The text searched of a row: its columns joined (the index expressions are these)."""
    return " || ' ' || ".join(f"{alias}{c}" for c in columns)


def tsvector(config: str, doc: str) -> str:
    return f"to_tsvector('{config}'::regconfig, {doc})"


@dataclass(frozen=True)
class Terms:
    text: str
    phone: str | None = None
    email: str | None = None


@dataclass
class Hit:
    """A message found, with its snippet (safe HTML: escaped text, matches in ``<mark>``)."""

    message: Message
    highlight: str = ""


@dataclass
class SearchResults:
    contacts: list[Contact] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    messages: list[Hit] = field(default_factory=list)
    more: dict[str, bool] = field(default_factory=dict)


def search_terms(*, tenant: Tenant, q: str) -> Terms:
    """The query as text, and as a phone number or e-mail address if it reads as one (a 400
    when too long)."""
    text = " ".join((q or "").split())
    if len(text) > MAX_QUERY:
        raise ApplicationError(f"A search has at most {MAX_QUERY} characters.", {"q": [f"at most {MAX_QUERY}"]})
    phone = email = None
    if _PHONE.match(text) and sum(ch.isdigit() for ch in text) >= 6:
        try:
            phone = normalize_address(IdentityKind.PHONE, text, region=tenant.default_region, field="q")
        except ApplicationError:
            phone = None
    if _EMAIL.match(text):
        email = text.lower()
    return Terms(text=text, phone=phone, email=email)


def search(*, tenant: Tenant, q: str, page: int = 1, limit: int = 20) -> SearchResults:
    """One page of each section; a number or address finds its contact exactly, words by text.
    A query shorter than ``MIN_QUERY`` finds nothing."""
    terms = search_terms(tenant=tenant, q=q)
    if len(terms.text) < MIN_QUERY:
        return SearchResults(more={"contacts": False, "tickets": False, "messages": False})
    offset = (page - 1) * limit
    results = SearchResults()
    exact = _identity_contacts(tenant=tenant, terms=terms)
    postgres = connection.vendor == "postgresql"
    if exact:
        contact_ids = exact[offset : offset + limit + 1]
    else:
        contact_ids = (_contacts_pg if postgres else _contacts_like)(tenant, terms.text, limit + 1, offset)
    results.contacts = _ordered(_contacts(tenant), contact_ids[:limit])
    if exact:
        ticket_ids = list(
            Ticket.objects.filter(tenant=tenant, contact_id__in=exact)
            .order_by("-last_message_at", "-pk")
            .values_list("pk", flat=True)[offset : offset + limit + 1]
        )
        hits = [
            (pk, "")
            for pk in Message.objects.filter(tenant=tenant, contact_id__in=exact)
            .order_by("-occurred_at", "-pk")
            .values_list("pk", flat=True)[offset : offset + limit + 1]
        ]
    elif postgres:
        ticket_ids = _tickets_pg(tenant, terms.text, limit + 1, offset)
        hits = _messages_pg(tenant, terms.text, limit + 1, offset)
    else:
        ticket_ids = _tickets_like(tenant, terms.text, limit + 1, offset)
        hits = _messages_like(tenant, terms.text, limit + 1, offset)
    results.tickets = _ordered(_tickets(tenant), ticket_ids[:limit])
    messages = {
        m.pk: m
        for m in Message.objects.filter(tenant=tenant, pk__in=[pk for pk, _ in hits[:limit]]).select_related("channel")
    }
    results.messages = [Hit(messages[pk], _marked(snippet)) for pk, snippet in hits[:limit] if pk in messages]
    results.more = {
        "contacts": len(contact_ids) > limit,
        "tickets": len(ticket_ids) > limit,
        "messages": len(hits) > limit,
    }
    return results


def _ordered(queryset, ids: list[int]) -> list:
    rows = {row.pk: row for row in queryset.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def _marked(snippet: str) -> str:
    return html.escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")


def _identity_contacts(*, tenant: Tenant, terms: Terms) -> list[int]:
    wanted = [(IdentityKind.PHONE, terms.phone), (IdentityKind.EMAIL, terms.email)]
    q = Q()
    for kind, address in wanted:
        if address:
            q |= Q(kind=kind, address=address)
    if not q:
        return []
    rows = Identity.objects.filter(q, tenant=tenant).order_by("contact_id").values_list("contact_id", flat=True)
    return list(dict.fromkeys(rows[:100]))


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# -- PostgreSQL -------------------------------------------------------------------------------
def _contacts_pg(tenant: Tenant, text: str, limit: int, offset: int) -> list[int]:
    """Names and identity addresses: trigram similarity or a substring (the trigram indexes
    serve both), best first."""
    c, i = Table(Contact), Table(Identity)
    sql = f"""
        SELECT id FROM (
            SELECT c.{c.id} AS id, similarity(c.{c.name}, %(q)s) AS score FROM {c} c
            WHERE c.{c.tenant_id} = %(tenant)s AND (c.{c.name} %% %(q)s OR c.{c.name} ILIKE %(like)s)
            UNION ALL
            SELECT i.{i.contact_id}, similarity(i.{i.address}, %(q)s) FROM {i} i
            WHERE i.{i.tenant_id} = %(tenant)s AND (i.{i.address} %% %(q)s OR i.{i.address} ILIKE %(like)s)
        ) found GROUP BY id ORDER BY MAX(score) DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s"""
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = _fetch(sql, {"tenant": tenant.pk, "q": text, "like": like, "limit": limit, "offset": offset})
    return [row[0] for row in rows]


def _matches(doc: str) -> tuple[str, str]:
    """The full-text condition over ``doc`` in both configurations, and the rank."""
    match = " OR ".join(f"{tsvector(cfg, doc)} @@ websearch_to_tsquery('{cfg}', %(q)s)" for cfg in CONFIGS)
    rank = ", ".join(f"ts_rank({tsvector(cfg, doc)}, websearch_to_tsquery('{cfg}', %(q)s))" for cfg in CONFIGS)
    return f"({match})", f"GREATEST({rank})"


def _tickets_pg(tenant: Tenant, text: str, limit: int, offset: int) -> list[int]:
    t = Table(Ticket)
    match, rank = _matches(document("t.", t.subject))
    sql = f"""SELECT t.{t.id} FROM {t} t WHERE t.{t.tenant_id} = %(tenant)s AND {match}
        ORDER BY {rank} DESC, t.{t.last_message_at} DESC LIMIT %(limit)s OFFSET %(offset)s"""
    return [row[0] for row in _fetch(sql, {"tenant": tenant.pk, "q": text, "limit": limit, "offset": offset})]


def _messages_pg(tenant: Tenant, text: str, limit: int, offset: int) -> list[tuple[int, str]]:
    """Messages by rank, each with its snippet, headlined in the configuration that matched
    (``ts_headline`` runs on the page's rows only)."""
    m = Table(Message)
    doc = document("m.", m.subject, m.text)
    match, rank = _matches(doc)
    french = f"{tsvector('french', doc)} @@ websearch_to_tsquery('french', %(q)s)"
    headline = "ts_headline('{cfg}'::regconfig, " + doc + ", websearch_to_tsquery('{cfg}', %(q)s), %(options)s)"
    sql = f"""
        SELECT m.{m.id}, CASE WHEN {french} THEN {headline.format(cfg="french")} ELSE {headline.format(cfg="english")} END
        FROM (
            SELECT m.{m.id} AS id FROM {m} m WHERE m.{m.tenant_id} = %(tenant)s AND {match}
            ORDER BY {rank} DESC, m.{m.id} DESC LIMIT %(limit)s OFFSET %(offset)s
        ) page JOIN {m} m ON m.{m.id} = page.id
        ORDER BY {rank} DESC, m.{m.id} DESC"""
    params = {"tenant": tenant.pk, "q": text, "limit": limit, "offset": offset, "options": HEADLINE}
    return [(row[0], row[1]) for row in _fetch(sql, params)]


# -- SQLite (and any other database): substrings ---------------------------------------------
def _contacts_like(tenant: Tenant, text: str, limit: int, offset: int) -> list[int]:
    qs = (
        Contact.objects.filter(Q(name__icontains=text) | Q(identities__address__icontains=text), tenant=tenant)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    return list(qs[offset : offset + limit])


def _tickets_like(tenant: Tenant, text: str, limit: int, offset: int) -> list[int]:
    qs = Ticket.objects.filter(tenant=tenant, subject__icontains=text).order_by("-last_message_at", "-pk")
    return list(qs.values_list("pk", flat=True)[offset : offset + limit])


def _messages_like(tenant: Tenant, text: str, limit: int, offset: int) -> list[tuple[int, str]]:
    qs = Message.objects.filter(Q(text__icontains=text) | Q(subject__icontains=text), tenant=tenant)
    rows = qs.order_by("-occurred_at", "-pk").values_list("pk", "text")[offset : offset + limit]
    return [(pk, _snippet_like(body, text)) for pk, body in rows]


def _snippet_like(body: str, text: str, width: int = 60) -> str:
    at = body.lower().find(text.lower())
    if at < 0:
        return body[: 2 * width]
    start = max(0, at - width)
    return body[start:at] + START + body[at : at + len(text)] + STOP + body[at + len(text) : at + len(text) + width]
