"""Synthetic customers: identities, which of them the CRM knows belong together, preferences."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

from crm.models import Channel, Contact, Tenant
from crm.services.contacts import contact_create
from crm.services.tenants import channel_create

from .behaviour import CONVERSATION_KINDS, REQUIRED_KINDS, Behaviour

#: the site's chat window is the widget (docs/channels.md, "Web chat widget"), embeddable by a
#: page served locally on port 8001 (``manage.py demo`` prints how)
WIDGET_ORIGINS = "http://127.0.0.1:8001 http://localhost:8001"
IDENTITY_FOR_KIND = {"email": "email", "sms": "phone", "whatsapp": "phone", "webchat": "visitor", "store": "external"}


@dataclass
class Customer:
    index: int
    name: str
    addresses: dict[str, str]  # identity kind -> address
    preferences: dict[str, float]  # conversation channel kind -> weight
    contact: Contact | None = None  # the contact of the e-mail identity (known at import)
    needs: int = 0
    extra: dict = field(default_factory=dict)

    def kinds(self) -> list[str]:
        return [k for k in CONVERSATION_KINDS if IDENTITY_FOR_KIND[k] in self.addresses]

    def address_for(self, kind: str) -> str:
        return self.addresses[IDENTITY_FOR_KIND[kind]]


def channels_ensure(tenant: Tenant) -> tuple[dict[str, Channel], list[str]]:
    """The tenant's first enabled channel of each kind the simulation needs, created (console)
    when missing; returns them and the kinds created."""
    found: dict[str, Channel] = {}
    for channel in Channel.objects.filter(tenant=tenant, enabled=True, kind__in=REQUIRED_KINDS).order_by("pk"):
        found.setdefault(channel.kind, channel)
    created = [k for k in REQUIRED_KINDS if k not in found]
    for kind in created:
        found[kind] = channel_create(tenant=tenant, kind=kind, name=f"{kind} (simulated)", **_provider(kind))
    return found, created


def _provider(kind: str) -> dict:
    if kind != "webchat":
        return {}
    credentials = {"allowed_origins": WIDGET_ORIGINS, "secret": secrets.token_hex(16)}
    return {"provider": "widget", "credentials": credentials}


def _preferences(rng: random.Random, kinds: list[str], alpha: float) -> dict[str, float]:
    weights = [rng.gammavariate(alpha, 1.0) + 1e-9 for _ in kinds]
    total = sum(weights)
    return {k: w / total for k, w in zip(kinds, weights, strict=True)}


def customers_create(
    *, tenant: Tenant, rng: random.Random, behaviour: Behaviour, count: int, tag: str
) -> list[Customer]:
    """Customers and their import into the CRM (linked identities for most of them)."""
    out = []
    for i in range(count):
        addresses = {"email": f"customer{i}.{tag}@example.com"}
        for kind in sorted(behaviour.identity_shares):
            if rng.random() < behaviour.identity_shares[kind]:
                addresses[kind] = {
                    "phone": f"+336{10_000_000 + i:08d}",
                    "visitor": f"visitor-{tag}-{i}",
                    "external": f"card-{tag}-{i}",
                }[kind]
        linked = rng.random() < behaviour.linked_identities_share
        customer = Customer(i, f"Customer {i}", addresses, {})
        customer.preferences = _preferences(rng, customer.kinds(), behaviour.channel_preference_alpha)
        imported = addresses if linked else {"email": addresses["email"]}
        customer.contact = contact_create(
            tenant=tenant,
            name=customer.name,
            identities=[{"kind": k, "address": a} for k, a in imported.items()],
        )
        out.append(customer)
    return out
