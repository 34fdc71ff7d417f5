"""Channel-layer group names: every group is inside one tenant, so a socket that joined the
groups of its tenant never receives another tenant's events."""

from __future__ import annotations


def tenant_group(tenant_id: int) -> str:
    """Every page of the tenant's agents: tickets and messages (ids only, no text)."""
    return f"live.t{tenant_id}"


def user_group(tenant_id: int, user_id: int) -> str:
    """One agent in one tenant: their mentions."""
    return f"live.t{tenant_id}.u{user_id}"


def ticket_group(tenant_id: int, ticket_id: int) -> str:
    """The agents looking at one ticket: who views it, who types."""
    return f"live.t{tenant_id}.k{ticket_id}"
