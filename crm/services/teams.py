"""Writes on teams (their members and rule) and on an agent's availability."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from crm.errors import ApplicationError, ConflictError
from crm.models import Availability, Membership, Team, TeamMember, Tenant

from .assignment import tickets_reassign_from
from .audit import Actor, audit_record, row_delete


def _members_check(*, tenant: Tenant, members: list[int]) -> list[int]:
    ids = sorted(set(members))
    known = set(Membership.objects.filter(tenant=tenant, user_id__in=ids).values_list("user_id", flat=True))
    if unknown := [pk for pk in ids if pk not in known]:
        raise ApplicationError(
            "Every member must be a staff member of this tenant.", {"members": [f"unknown: {unknown}"]}
        )
    return ids


def _members_set(*, team: Team, members: list[int]) -> None:
    TeamMember.objects.filter(tenant_id=team.tenant_id, team=team).exclude(user_id__in=members).delete()
    TeamMember.objects.bulk_create(
        [TeamMember(tenant_id=team.tenant_id, team=team, user_id=pk) for pk in members], ignore_conflicts=True
    )


def _saved(team: Team) -> Team:
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:
        raise ConflictError(f"A team named {team.name!r} already exists.", {"name": ["already exists"]}) from None
    return team


@transaction.atomic
def team_create(
    *,
    tenant: Tenant,
    name: str,
    assignment: str,
    members: list[int] | None = None,
    max_open_per_agent: int | None = None,
    by: Actor | str = "system",
) -> Team:
    ids = _members_check(tenant=tenant, members=members or [])
    team = _saved(Team(tenant=tenant, name=name, assignment=assignment, max_open_per_agent=max_open_per_agent))
    _members_set(team=team, members=ids)
    audit_record(tenant=tenant, actor=by, action="team.create", target=team, summary=f"rule {assignment}")
    return team


@transaction.atomic
def team_update(*, team: Team, changes: dict, by: Actor | str = "system") -> Team:
    """Change a team's name, rule, cap or members (``members`` replaces the list)."""
    members = changes.pop("members", None)
    ids = None if members is None else _members_check(tenant=team.tenant, members=members)
    for name, value in changes.items():
        setattr(team, name, value)
    _saved(team)
    if ids is not None:
        _members_set(team=team, members=ids)
    named = sorted([*changes, *(["members"] if ids is not None else [])])
    audit_record(tenant=team.tenant, actor=by, action="team.update", target=team, summary=", ".join(named))
    return team


def team_delete(*, tenant: Tenant, team: Team, by: Actor | str) -> None:
    """Its channels keep working without a team (their new tickets wait unassigned)."""
    with transaction.atomic():
        row_delete(tenant=tenant, row=team, by=by)


@transaction.atomic
def availability_set(*, tenant: Tenant, user_id: int, availability: str) -> list[int]:
    """Set a staff member's availability in ``tenant``. Going away with the tenant's
    ``reassign_when_away`` hands their open tickets on team channels to the teams' rules; the
    ids of those tickets."""
    if availability not in Availability.values:
        raise ApplicationError(f"Unknown availability {availability!r}.", {"availability": ["online or away"]})
    updated = Membership.objects.filter(tenant=tenant, user_id=user_id).update(availability=availability)
    if not updated:
        raise ApplicationError("Not a staff member of this tenant.", {"user": ["unknown staff member"]})
    if availability == Availability.AWAY and tenant.reassign_when_away:
        return tickets_reassign_from(tenant=tenant, user_id=user_id)
    return []
