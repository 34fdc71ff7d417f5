"""Times given by clients and providers, held to the installation's clock.

A sender's clock can run ahead, and a client can send a time in the future by mistake: stored as
given, a message dated tomorrow would sort after the agent's answer to it, and a ticket would show
its first response before its creation. A time beyond ``INBOUND_CLOCK_SKEW_SECONDS`` ahead of the
installation's clock is clamped to now (never refused: a provider's message is never lost for a
detail of ours), and the time given is kept beside it (``occurred_at_given`` in the message's
metadata or the event's properties).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

GIVEN = "occurred_at_given"


def clock_skew_clamp(at: datetime | None) -> tuple[datetime, datetime | None]:
    """``(the time to store, the time given when it was clamped else None)``; no time: now."""
    now = timezone.now()
    if at is None:
        return now, None
    if at > now + timedelta(seconds=getattr(settings, "INBOUND_CLOCK_SKEW_SECONDS", 300)):
        return now, at
    return at, None


def clamped_with_given(at: datetime | None, extra: dict) -> tuple[datetime, dict]:
    """The time to store and ``extra`` (metadata or properties) noting the given time if clamped."""
    stored, given = clock_skew_clamp(at)
    return stored, extra if given is None else {**extra, GIVEN: given.isoformat()}
