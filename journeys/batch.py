"""What one batch of due enrollments needs, loaded in a fixed number of queries.

The engine never queries per enrollment for its decisions: events, consents, identities, recent
marketing sends and channels of the whole batch are read here once, and the step runs and
enrollment changes are written once at the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from crm.models import Channel, Consent, ConsentStatus, Direction, Event, Identity, Message, MessageStatus, Purpose

from .models import Enrollment, Offer, StepRun


@dataclass(frozen=True)
class SeenEvent:
    name: str
    kind: str
    occurred_at: datetime


@dataclass
class BatchContext:
    until: datetime
    channels: dict[int, Channel]
    events: dict[int, list[SeenEvent]]
    opted_out: set[tuple[int, str]]
    identities: set[tuple[int, str]]
    #: marketing sends per contact: (channel kind, time), history plus this batch's sends
    marketing: dict[int, list[tuple[str, datetime]]]
    step_runs: list[StepRun] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    sent: int = 0

    def events_of(self, contact_id: int, name: str, *, since: datetime, at: datetime) -> list[SeenEvent]:
        return [e for e in self.events.get(contact_id, ()) if e.name == name and since <= e.occurred_at <= at]


def _event_names(enrollments: list[Enrollment]) -> set[str]:
    names: set[str] = set()
    for journey in {e.journey for e in enrollments}:
        if journey.goal_event:
            names.add(journey.goal_event)
        for step in journey.steps:
            names.update(v for k, v in step.items() if k in ("event", "if_event") and isinstance(v, str))
    return names


def _channel_ids(enrollments: list[Enrollment]) -> set[int]:
    return {
        s["channel"]
        for journey in {e.journey for e in enrollments}
        for s in journey.steps
        if isinstance(s.get("channel"), int)
    }


def _marketing_history(
    tenant_ids: list[int], contact_ids: list[int], enrollments: list[Enrollment], until: datetime
) -> dict:
    capped = [e.tenant.frequency_cap_days or 0 for e in enrollments if e.tenant.frequency_cap_max_sends]
    days = max(capped, default=0)
    history: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    if not days:
        return history
    start = min(e.next_run_at for e in enrollments) - timedelta(days=days)
    # Filter on (tenant, contact, occurred_at) only, the columns of Message's index, so the
    # planner never scans a tenant's whole outbound window; the rest is decided here.
    rows = Message.objects.filter(
        tenant_id__in=tenant_ids, contact_id__in=contact_ids, occurred_at__gt=start, occurred_at__lte=until
    ).values_list("contact_id", "channel__kind", "occurred_at", "direction", "purpose", "status")
    for contact_id, kind, at, direction, purpose, status in rows:
        if direction == Direction.OUTBOUND and purpose == Purpose.MARKETING and status != MessageStatus.FAILED:
            history[contact_id].append((kind, at))
    return history
    start = min(e.next_run_at for e in enrollments) - timedelta(days=days)
    rows = (
        Message.objects.filter(
            contact_id__in=contact_ids,
            direction=Direction.OUTBOUND,
            purpose=Purpose.MARKETING,
            occurred_at__gt=start,
            occurred_at__lte=until,
        )
        .exclude(status=MessageStatus.FAILED)
        .values_list("contact_id", "channel__kind", "occurred_at")
    )
    for contact_id, kind, at in rows:
        history[contact_id].append((kind, at))
    return history


def batch_load(*, enrollments: list[Enrollment], until: datetime) -> BatchContext:
    """Read what the batch's decisions need: six queries whatever the batch or history size."""
    contact_ids = sorted({e.contact_id for e in enrollments})
    tenant_ids = sorted({e.tenant_id for e in enrollments})
    since = min(e.enrolled_at for e in enrollments)
    events: dict[int, list[SeenEvent]] = defaultdict(list)
    names = _event_names(enrollments)
    if names:
        rows = Event.objects.filter(
            tenant_id__in=tenant_ids,
            contact_id__in=contact_ids,
            name__in=names,
            occurred_at__gte=since,
            occurred_at__lte=until,
        ).values_list("contact_id", "name", "channel_kind", "occurred_at")
        for contact_id, name, kind, at in rows.order_by("occurred_at", "pk"):
            events[contact_id].append(SeenEvent(name, kind, at))
    opted_out = set(
        Consent.objects.filter(
            tenant_id__in=tenant_ids, contact_id__in=contact_ids, status=ConsentStatus.OPTED_OUT
        ).values_list("contact_id", "channel_kind")
    )
    identities = set(
        Identity.objects.filter(tenant_id__in=tenant_ids, contact_id__in=contact_ids).values_list("contact_id", "kind")
    )
    channels = {c.pk: c for c in Channel.objects.filter(pk__in=_channel_ids(enrollments))}
    return BatchContext(
        until=until,
        channels=channels,
        events=events,
        opted_out=opted_out,
        identities=identities,
        marketing=_marketing_history(tenant_ids, contact_ids, enrollments, until),
    )
