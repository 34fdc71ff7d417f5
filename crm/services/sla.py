"""Writes on SLA policies and on each ticket's due times (``TicketSla``).

Due times are business time under the tenant's ``sla_policy`` (``business_hours``), in the
tenant's time zone, and are recomputed when the ticket changes:

- a ticket opened: ``first_response_due`` and ``resolution_due`` from its creation;
- a customer message on a ticket already answered: ``next_response_due`` from that message
  (once: a second message before the answer leaves the first one's due time);
- an agent's reply: the first response (or the next one) is met, late or not;
- a resolution: the resolution is met (a reopened ticket is due again, by the same time).

A target met after its due time is kept in ``breached``; one not met yet whose due time has
passed is breached as it is read (``sla_view``). Tenants without a policy pay nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.errors import ConflictError
from crm.models import SlaPolicy, SlaTarget, Tenant, Ticket, TicketSla

from .audit import Actor, audit_record, row_delete
from .business_hours import BusinessCalendar, business_hours_check, holidays_check


# -- policies ---------------------------------------------------------------------------------
def _policy_saved(policy: SlaPolicy) -> SlaPolicy:
    policy.business_hours = business_hours_check(policy.business_hours)
    policy.holidays = holidays_check(policy.holidays)
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        raise ConflictError(f"An SLA policy named {policy.name!r} exists.", {"name": ["already exists"]}) from None
    return policy


@transaction.atomic
def sla_policy_create(*, tenant: Tenant, by: Actor | str = "system", **fields) -> SlaPolicy:
    policy = _policy_saved(SlaPolicy(tenant=tenant, **fields))
    audit_record(tenant=tenant, actor=by, action="sla_policy.create", target=policy, summary=policy.name)
    return policy


@transaction.atomic
def sla_policy_update(*, policy: SlaPolicy, changes: dict, by: Actor | str = "system") -> SlaPolicy:
    """New targets apply to tickets from their next change on."""
    for name, value in changes.items():
        setattr(policy, name, value)
    _policy_saved(policy)
    audit_record(tenant=policy.tenant, actor=by, action="sla_policy.update", target=policy, summary=", ".join(changes))
    return policy


def sla_policy_delete(*, tenant: Tenant, policy: SlaPolicy, by: Actor | str) -> None:
    with transaction.atomic():
        row_delete(tenant=tenant, row=policy, by=by)


# -- due times --------------------------------------------------------------------------------
def _calendar(tenant: Tenant, policy: SlaPolicy) -> BusinessCalendar:
    return BusinessCalendar.of(business_hours=policy.business_hours, holidays=policy.holidays, timezone=tenant.timezone)


def _pending(sla: TicketSla, ticket: Ticket) -> dict[str, datetime]:
    """The targets not met yet, with their due times."""
    due = {}
    if ticket.first_response_at is None and sla.first_response_due is not None:
        due[SlaTarget.FIRST_RESPONSE] = sla.first_response_due
    if sla.next_response_due is not None:
        due[SlaTarget.NEXT_RESPONSE] = sla.next_response_due
    if ticket.resolved_at is None and sla.resolution_due is not None:
        due[SlaTarget.RESOLUTION] = sla.resolution_due
    return due


def _save(sla: TicketSla, ticket: Ticket) -> None:
    pending = _pending(sla, ticket)
    sla.due_at = min(pending.values()) if pending else None
    sla.save()


def _breach(sla: TicketSla, target: str, due: datetime | None, at: datetime) -> None:
    if due is not None and at > due and target not in sla.breached:
        sla.breached = [*sla.breached, str(target)]


def _opened(*, tenant: Tenant, policy: SlaPolicy, ticket: Ticket) -> TicketSla:
    calendar = _calendar(tenant, policy)
    at = ticket.created_at
    return TicketSla(
        tenant=tenant,
        ticket=ticket,
        policy=policy,
        first_response_due=calendar.add(at, policy.first_response_minutes),
        resolution_due=None if policy.resolution_minutes is None else calendar.add(at, policy.resolution_minutes),
    )


def _joined(ticket: Ticket) -> TicketSla | None:
    try:
        return ticket.sla
    except TicketSla.DoesNotExist:
        return None


def _sla_of(*, tenant: Tenant, ticket: Ticket) -> tuple[TicketSla, SlaPolicy] | None:
    """The ticket's row (built from its creation if it has none yet) and the tenant's policy."""
    policy = SlaPolicy.objects.filter(tenant=tenant, pk=tenant.sla_policy_id).first()
    if policy is None:
        return None
    sla = TicketSla.objects.filter(tenant=tenant, ticket_id=ticket.pk).first()
    return (sla or _opened(tenant=tenant, policy=policy, ticket=ticket)), policy


def sla_after_inbound(*, tenant: Tenant, ticket_id: int, at: datetime, opened: bool) -> None:
    """A customer message ``at`` on the ticket it opened or joined. Three queries with a
    policy (the ticket with its row, the policy, the write); none without."""
    if tenant.sla_policy_id is None:
        return
    ticket = Ticket.objects.select_related("sla").get(tenant=tenant, pk=ticket_id)
    policy = SlaPolicy.objects.filter(tenant=tenant, pk=tenant.sla_policy_id).first()
    if policy is None:
        return
    sla = (None if opened else _joined(ticket)) or _opened(tenant=tenant, policy=policy, ticket=ticket)
    if not opened and ticket.first_response_at is not None and policy.next_response_minutes:
        if sla.next_response_due is None:  # the first unanswered message sets it
            sla.next_response_due = _calendar(tenant, policy).add(at, policy.next_response_minutes)
    _save(sla, ticket)


def sla_after_response(*, tenant: Tenant, ticket: Ticket, at: datetime) -> None:
    """An agent replied ``at``: the first or next response is met (late: breached)."""
    if tenant.sla_policy_id is None or (found := _sla_of(tenant=tenant, ticket=ticket)) is None:
        return
    sla, _policy = found
    if ticket.first_response_at == at:
        _breach(sla, SlaTarget.FIRST_RESPONSE, sla.first_response_due, at)
    _breach(sla, SlaTarget.NEXT_RESPONSE, sla.next_response_due, at)
    sla.next_response_due = None
    _save(sla, ticket)


def sla_after_status(*, tenant: Tenant, ticket: Ticket, at: datetime) -> None:
    """The ticket's status changed: resolved (late: breached) or reopened (due again)."""
    if tenant.sla_policy_id is None or (found := _sla_of(tenant=tenant, ticket=ticket)) is None:
        return
    sla, _policy = found
    if ticket.resolved_at is not None:
        _breach(sla, SlaTarget.RESOLUTION, sla.resolution_due, ticket.resolved_at)
        sla.next_response_due = None
    _save(sla, ticket)


def sla_outcome(*, ticket: Ticket, now: datetime) -> bool | None:
    """Whether the ticket (its ``sla`` joined) met every target: ``False`` once one is breached
    (met late, or overdue at ``now``), ``True`` once all are met in time, ``None`` until then."""
    if (sla := _joined(ticket)) is None:
        return None
    pending = _pending(sla, ticket)
    if sla.breached or any(due < now for due in pending.values()):
        return False
    return None if pending else True


@dataclass(frozen=True)
class SlaBadge:
    """What the inbox shows of a ticket's SLA: the next due time, whether it has passed, and
    the targets breached (their labels)."""

    due: datetime | None
    overdue: bool
    breached: list[str]


def sla_badge(*, ticket: Ticket, now: datetime | None = None) -> SlaBadge | None:
    if (view := sla_view(ticket=ticket, now=now)) is None or (sla := _joined(ticket)) is None:
        return None
    pending = _pending(sla, ticket)
    due = min(pending.values()) if pending else None
    now = now or timezone.now()
    labels = [SlaTarget(name).label for name in view["breached"]]
    return SlaBadge(due=due, overdue=due is not None and due < now, breached=labels)


def sla_view(*, ticket: Ticket, now: datetime | None = None) -> dict | None:
    """The ticket's ``sla`` as the API shows it (``None`` without due times): its due times and
    the targets breached, met late or overdue now. Reads the ``sla`` the selector joined."""
    if (sla := _joined(ticket)) is None:
        return None
    now = now or timezone.now()
    overdue = [str(target) for target, due in _pending(sla, ticket).items() if due < now]
    return {
        "first_response_due": sla.first_response_due,
        "next_response_due": sla.next_response_due,
        "resolution_due": sla.resolution_due,
        "breached": [t for t in SlaTarget.values if t in sla.breached or t in overdue],
    }
