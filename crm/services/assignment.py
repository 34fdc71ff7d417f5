"""Who gets a new ticket: the rule of the team its channel is routed to (``Team.assignment``).

- ``manual``: nobody; the ticket waits in the team's queue.
- ``round_robin``: the team's online members in turn (by user id), skipping those at the cap.
- ``balanced``: the online member with the fewest open or pending tickets of the tenant, under
  ``max_open_per_agent``; ties go in turn, as round robin.

The choice is one statement on both databases: the team's ``assigned_count`` moves by one in an
``UPDATE ... RETURNING`` that sets ``last_assignee`` to the member at that position. On
PostgreSQL two tickets opened at the same instant queue on the team's row, and the second sees
the count the first committed, so round robin never hands two tickets to the same turn. (A
balanced choice counts the open tickets of the statement's snapshot: two simultaneous choices
may see the same load.) Nobody eligible (all away or at the cap): the ticket stays unassigned.

Ingestion pays at most one statement for it, only when it opened a ticket on a channel that
has a team (or whose team it did not read): the ORM form asks before inserting the ticket
(``assignee_pick``), the PostgreSQL form after its round trip (``ticket_assign_opened``).
"""

from __future__ import annotations

import functools

from django.db import connection, transaction

from crm.models import Assignment, Availability, Channel, Membership, Team, TeamMember, Tenant, Ticket, TicketStatus
from crm.sql import Table


@functools.cache
def _pick_sql() -> str:
    """``UPDATE team ... RETURNING <the member chosen>`` for the team ``{team}`` names.

    The choice is a subquery of the ``SET`` clause, correlated to the team's row: on PostgreSQL
    an update that waited for the row lock evaluates it again on the row as committed."""
    tm, mb, ms, t = Table(Team), Table(TeamMember), Table(Membership), Table(Ticket)
    team = str(tm)
    load = (
        f"(SELECT COUNT(*) FROM {t} k WHERE k.{t.tenant_id} = mb.{mb.tenant_id}"
        f" AND k.{t.assignee_id} = mb.{mb.user_id} AND k.{t.status} IN (%(open)s, %(pending)s))"
    )
    eligible = f"""
        SELECT mb.{mb.user_id} AS user_id, {load} AS load
        FROM {mb} mb JOIN {ms} ms ON ms.{ms.tenant_id} = mb.{mb.tenant_id} AND ms.{ms.user_id} = mb.{mb.user_id}
        WHERE mb.{mb.tenant_id} = {team}.{tm.tenant_id} AND mb.{mb.team_id} = {team}.{tm.id}
            AND ms.{ms.availability} = %(online)s"""
    # The turn: position (count modulo the eligible members) first; balanced sorts by load first.
    n = "COUNT(*) OVER ()"
    ranked = f"""
        SELECT user_id, CASE WHEN {team}.{tm.assignment} = %(balanced)s THEN load ELSE 0 END AS weight,
            (ROW_NUMBER() OVER (ORDER BY user_id) - 1 - {team}.{tm.assigned_count} %% {n} + {n}) %% {n} AS turn
        FROM ({eligible}) e
        WHERE {team}.{tm.max_open_per_agent} IS NULL OR load < {team}.{tm.max_open_per_agent}"""
    pick = f"(SELECT r.user_id FROM ({ranked}) r ORDER BY r.weight, r.turn LIMIT 1)"
    return f"""UPDATE {team} SET {tm.assigned_count} = {tm.assigned_count} + 1, {tm.last_assignee_id} = {pick}
        WHERE {tm.tenant_id} = %(tenant)s AND {tm.id} = {{team}} AND {tm.assignment} <> %(manual)s
        RETURNING {tm.last_assignee_id} AS user_id"""


def _params(tenant_id: int, **more) -> dict:
    return {
        "tenant": tenant_id,
        "open": TicketStatus.OPEN.value,
        "pending": TicketStatus.PENDING.value,
        "online": Availability.ONLINE.value,
        "balanced": Assignment.BALANCED.value,
        "manual": Assignment.MANUAL.value,
        **more,
    }


def assignee_pick(*, tenant_id: int, team_id: int) -> int | None:
    """The member of ``team_id`` its rule gives the next ticket (the team's turn moves on), or
    ``None`` (manual, nobody online under the cap). One statement."""
    with connection.cursor() as cursor:
        cursor.execute(_pick_sql().format(team="%(team)s"), _params(tenant_id, team=team_id))
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def _assign_opened_sql() -> str:
    t, ch = Table(Ticket), Table(Channel)
    team = f"(SELECT {ch.team_id} FROM {ch} WHERE {ch.id} = %(channel)s AND {ch.tenant_id} = %(tenant)s)"
    return f"""WITH picked AS ({_pick_sql().format(team=team)})
        UPDATE {t} SET {t.assignee_id} = picked.user_id FROM picked
        WHERE {t.id} = %(ticket)s AND {t.tenant_id} = %(tenant)s AND {t.assignee_id} IS NULL
            AND picked.user_id IS NOT NULL"""


def ticket_assign_opened(*, tenant_id: int, ticket_id: int, channel: Channel) -> None:
    """Assign the ticket ingestion just opened on ``channel`` by the rule of the channel's team
    (PostgreSQL, one statement that reads the channel's team itself). Nothing when ``channel``
    was read and has no team."""
    if not channel._state.adding and channel.team_id is None:
        return  # read from the database (not a reference): no team, nothing to ask
    with connection.cursor() as cursor:
        cursor.execute(_assign_opened_sql(), _params(tenant_id, channel=channel.pk, ticket=ticket_id))


def opened_assignee(*, tenant: Tenant, channel: Channel) -> int | None:
    """The assignee of a ticket about to be opened on ``channel`` (read), for the ORM form."""
    if channel.team_id is None:
        return None
    return assignee_pick(tenant_id=tenant.pk, team_id=channel.team_id)


@transaction.atomic
def tickets_reassign_from(*, tenant: Tenant, user_id: int) -> list[int]:
    """Hand the open and pending tickets ``user_id`` holds on channels with a rule to the rule
    (the user is away, so it skips them); a ticket nobody can take is unassigned. The ids moved."""
    tickets = list(
        Ticket.objects.select_for_update(of=("self",))
        .filter(tenant=tenant, assignee_id=user_id, status__in=TicketStatus.active(), channel__team__isnull=False)
        .exclude(channel__team__assignment=Assignment.MANUAL)
        .values_list("pk", "channel__team_id")
        .order_by("pk")
    )
    for ticket_id, team_id in tickets:
        assignee = assignee_pick(tenant_id=tenant.pk, team_id=team_id)
        Ticket.objects.filter(pk=ticket_id).update(assignee_id=assignee)
    return [pk for pk, _ in tickets]
