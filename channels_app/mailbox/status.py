"""How a mailbox channel's polling stands, as the API and the admin show it on the channel."""

from __future__ import annotations

from channels_app.models import MailboxState
from crm.models import Channel


def mailbox_status(channel: Channel) -> dict:
    """``state``: ``ok``, ``failing`` (the server's ``error``; no new attempt before
    ``retry_at``) or ``never_polled``; with the UID position and counts."""
    state = MailboxState.objects.filter(tenant_id=channel.tenant_id, channel_id=channel.pk).first()
    if state is None or state.last_polled_at is None:
        return {"state": "never_polled", "error": "", "failures": 0, "retry_at": None, "last_polled_at": None}
    return {
        "state": "failing" if state.failures else "ok",
        "error": state.error,
        "failures": state.failures,
        "retry_at": state.retry_at.isoformat() if state.retry_at else None,
        "last_polled_at": state.last_polled_at.isoformat(),
        "last_imported_at": state.last_imported_at.isoformat() if state.last_imported_at else None,
        "imported": state.imported,
        "uidvalidity": state.uidvalidity,
        "last_uid": state.last_uid,
    }
