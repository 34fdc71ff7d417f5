"""Canned responses: shared ready-made replies with a few variables."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from crm.errors import ApplicationError
from crm.models import CannedResponse, Tenant, Ticket

from .audit import Actor, row_delete

#: the variables a canned response may use; anything else between ``{{ }}`` is refused
VARIABLES = ("contact.name", "ticket.id", "agent.name")
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def canned_check_text(text: str) -> None:
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in VARIABLES})
    if unknown:
        allowed = ", ".join("{{ " + v + " }}" for v in VARIABLES)
        raise ApplicationError(
            "Unknown variable in the text.", {"text": [f"unknown variable {', '.join(unknown)}; use {allowed}"]}
        )


def canned_render(*, canned: CannedResponse, ticket: Ticket, agent_name: str) -> str:
    """The text with its variables filled in for ``ticket`` (its contact loaded) and the agent."""
    values = {"contact.name": ticket.contact.name, "ticket.id": str(ticket.pk), "agent.name": agent_name}
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), canned.text)


def _saved(canned: CannedResponse) -> CannedResponse:
    canned_check_text(canned.text)
    try:
        with transaction.atomic():
            canned.save()
    except IntegrityError:
        raise ApplicationError(
            "A canned response with this shortcut and language exists.",
            {"shortcut": ["already used for this language"]},
        ) from None
    return canned


def canned_create(*, tenant: Tenant, shortcut: str, title: str, text: str, language: str = "") -> CannedResponse:
    return _saved(CannedResponse(tenant=tenant, shortcut=shortcut, title=title, text=text, language=language))


def canned_update(*, canned: CannedResponse, **fields) -> CannedResponse:
    for name, value in fields.items():
        setattr(canned, name, value)
    return _saved(canned)


@transaction.atomic
def canned_delete(*, tenant: Tenant, canned: CannedResponse, by: Actor | str) -> None:
    row_delete(tenant=tenant, row=canned, by=by)
