"""Events to the agents' sockets, sent once the transaction that made them commits.

A page is told *what* changed (the ticket, the contact, the kind of change), never the
contents: it reads them again through the dashboard view, which applies the agent's rights.
Publishing never fails the write that caused it: a channel layer that is unreachable is logged.
"""

from __future__ import annotations

import logging
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .groups import tenant_group, user_group

logger = logging.getLogger(__name__)

#: the consumer's handler of every published event (``AgentConsumer.live_event``)
HANDLER = "live.event"


def _send(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": HANDLER, "event": event})
    except Exception:  # the write is committed: a lost notification must not turn it into a 500
        logger.warning("live event not published to %s", group, exc_info=True)


def publish_on_commit(group: str, event: dict) -> None:
    transaction.on_commit(partial(_send, group, event))


def publish_tenant(tenant_id: int, event: dict) -> None:
    publish_on_commit(tenant_group(tenant_id), event)


def publish_user(tenant_id: int, user_id: int, event: dict) -> None:
    publish_on_commit(user_group(tenant_id, user_id), event)
