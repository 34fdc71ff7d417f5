"""E-mail threading: which ticket an inbound mail answers.

In order: ``In-Reply-To``/``References`` against Message-IDs the product sent or received,
then a signed plus-address (``reply+<ticket>-<signature>@domain``, or on a mailbox channel
``<mailbox>+<ticket>-<signature>@domain``, which survives clients that drop the headers), then
a ``[#<ticket>]`` subject token. The answer is only a hint: the policy still decides whether the mail may join that ticket (``ticket_for_inbound``).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.db import IntegrityError, transaction

from channels_app.models import EmailReference
from crm.models import Message, Tenant, Ticket

PLUS_ADDRESS = re.compile(r"^[^@+\s]{1,64}\+(?P<ticket>\d+)-(?P<sig>[0-9a-f]{16})@", re.IGNORECASE)
SUBJECT_TOKEN = re.compile(r"\[#(?P<ticket>\d+)\]")


def _signature(tenant_id: int, ticket_id: int) -> str:
    key = f"{settings.SECRET_KEY}:channels.reply-address".encode()
    return hmac.new(key, f"{tenant_id}:{ticket_id}".encode(), hashlib.sha256).hexdigest()[:16]


def reply_address(*, ticket: Ticket, channel_address: str, local_part: str = "reply") -> str | None:
    """The signed plus-address replies to ``ticket`` should go to, on the channel's domain."""
    if "@" not in channel_address:
        return None
    domain = channel_address.rsplit("@", 1)[1]
    return f"{local_part}+{ticket.pk}-{_signature(ticket.tenant_id, ticket.pk)}@{domain}"


def subject_with_token(*, subject: str, ticket_id: int | None) -> str:
    if ticket_id is None or SUBJECT_TOKEN.search(subject or ""):
        return subject
    return f"{subject} [#{ticket_id}]".strip()


def thread_ticket_id(*, tenant: Tenant, references: list[str], recipients: list[str], subject: str) -> int | None:
    """The ticket an inbound mail points at, by headers, plus-address, then subject token."""
    if references:
        found = dict(
            EmailReference.objects.filter(tenant=tenant, message_id_header__in=references[:50])
            .exclude(ticket=None)
            .values_list("message_id_header", "ticket_id")
        )
        for ref in references:
            if ref in found:
                return found[ref]
    for address in recipients:
        match = PLUS_ADDRESS.match(address or "")
        if match and hmac.compare_digest(match["sig"].lower(), _signature(tenant.pk, int(match["ticket"]))):
            return int(match["ticket"])
    match = SUBJECT_TOKEN.search(subject or "")
    return int(match["ticket"]) if match else None


def email_reference_record(*, message: Message, message_id_header: str) -> None:
    """Remember a Message-ID (sent or received) so later replies thread to its ticket."""
    if not message_id_header:
        return
    try:
        with transaction.atomic():
            EmailReference.objects.create(
                tenant_id=message.tenant_id,
                message=message,
                ticket_id=message.ticket_id,
                message_id_header=message_id_header[:998],
            )
    except IntegrityError:
        pass  # already known (a redelivery): the first record stands


def last_message_id_of(*, ticket_id: int | None) -> str | None:
    """The newest Message-ID in a ticket, for the In-Reply-To of a reply."""
    if ticket_id is None:
        return None
    return (
        EmailReference.objects.filter(ticket_id=ticket_id)
        .order_by("-pk")
        .values_list("message_id_header", flat=True)
        .first()
    )
