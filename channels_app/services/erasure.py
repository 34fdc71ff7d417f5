"""Erasure on the channel side: kept webhook payloads that name an erased contact.

A kept payload (``WebhookPayload``: rejected, unknown event, status for an unknown message) has
no link to a contact: it is the provider's request as it came. It belongs to the contact when
it names one of their addresses (as sent: ``+33612345678``, ``%2B33612345678``, ``33612345678``
in Meta's ``wa_id``, ``alice%40example.com``) or the provider id of one of their messages.
Such a payload loses its body, its headers and its query string, and the matches in its error.
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

from crm.models import Contact, Message, Tenant

from ..models import WebhookPayload

ERASED = "[erased]"
MIN_ID_LENGTH = 8  # shorter provider ids could match unrelated text


def _forms(address: str) -> set[str]:
    forms = {address, quote(address, safe=""), quote_plus(address)}
    if address.startswith("+") and address[1:].isdigit():
        forms.add(address[1:])  # WhatsApp Cloud API's wa_id
    return {form for form in forms if form}


def erased_pattern(*, tenant: Tenant, contact: Contact, addresses: list[str]) -> re.Pattern | None:
    """What a payload of the contact contains, matched whole (not inside a longer word)."""
    needles = set()
    for address in addresses:
        needles |= _forms(address)
    ids = Message.objects.filter(tenant=tenant, contact=contact, external_id__isnull=False).exclude(external_id="")
    needles |= {i for i in ids.values_list("external_id", flat=True) if len(i) >= MIN_ID_LENGTH}
    if not needles:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))
    return re.compile(rf"(?<![0-9a-z])(?:{alternatives})(?![0-9a-z])", re.IGNORECASE)


def _text(payload: WebhookPayload) -> str:
    body = base64.b64decode(payload.body_b64 or "").decode("utf-8", errors="replace")
    return "\n".join([body, payload.path, json.dumps(payload.headers), payload.error])


def webhook_payloads_erase(*, tenant: Tenant, contact: Contact, addresses: list[str]) -> int:
    """Scrub the tenant's kept payloads that belong to ``contact``; returns how many."""
    pattern = erased_pattern(tenant=tenant, contact=contact, addresses=addresses)
    if pattern is None:
        return 0
    kept = WebhookPayload.objects.filter(tenant=tenant).only("body_b64", "path", "headers", "error")
    scrubbed = 0
    for payload in kept.iterator(chunk_size=200):
        if not pattern.search(_text(payload)):
            continue
        WebhookPayload.objects.filter(pk=payload.pk).update(
            body_b64="",
            headers={},
            path=pattern.sub(ERASED, payload.path.partition("?")[0]),
            error=pattern.sub(ERASED, payload.error),
        )
        scrubbed += 1
    return scrubbed
