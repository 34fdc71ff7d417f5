"""Changes integrators may be told of: one call, inside the transaction that writes the change.

crm does not deliver anything itself: it sends ``crm.signals.change_published`` and channels_app
writes the event row of each subscription in the same transaction (``docs/channels.md``,
"Outgoing webhooks"). A change type no subscription of the tenant listens to costs nothing:
``Tenant.subscribed_events`` is read from the tenant already loaded, no query.
"""

from __future__ import annotations

from django.db import models

from crm.models import Tenant
from crm.signals import change_published

MESSAGE_CREATED = "message.created"
MESSAGE_STATUS = "message.status"
TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
CONTACT_CREATED = "contact.created"
CONTACT_MERGED = "contact.merged"
EVENT_CREATED = "event.created"
#: every change type, in the contract's order (api.md, "outgoing webhooks")
CHANGE_TYPES = (
    MESSAGE_CREATED,
    MESSAGE_STATUS,
    TICKET_CREATED,
    TICKET_UPDATED,
    CONTACT_CREATED,
    CONTACT_MERGED,
    EVENT_CREATED,
)


def change_subscribed(*, tenant: Tenant, change: str) -> bool:
    """Whether a subscription of ``tenant`` listens to ``change`` (no query)."""
    return change in (tenant.subscribed_events or ())


def change_publish(
    *, tenant: Tenant, change: str, instance: models.Model, contact_id: int | None, imported: bool = False
) -> None:
    """Tell the apps above that ``instance`` changed (``change``); call it inside the writing
    transaction, after the writes. Nothing is sent for an unsubscribed type or an import."""
    if imported or not change_subscribed(tenant=tenant, change=change):
        return
    change_published.send(
        sender=type(instance), tenant=tenant, change=change, instance=instance, contact_id=contact_id, imported=imported
    )
