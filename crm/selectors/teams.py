from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from crm.errors import ApplicationError
from crm.models import SlaPolicy, Team, TeamMember, Tenant

from .scoping import get_scoped


def _teams(tenant: Tenant) -> QuerySet[Team]:
    members = TeamMember.objects.filter(tenant=tenant).order_by("user_id")
    return Team.objects.filter(tenant=tenant).prefetch_related(Prefetch("memberships", queryset=members))


def team_list(*, tenant: Tenant) -> QuerySet[Team]:
    return _teams(tenant).order_by("pk")


def team_get(*, tenant: Tenant, pk) -> Team:
    return get_scoped(_teams(tenant), tenant=tenant, pk=pk)


def team_from_input(*, tenant: Tenant, pk, field: str = "team") -> Team | None:
    """A team named in a request body (``None`` stays ``None``): a foreign id is a 400 on it."""
    if pk is None:
        return None
    team = Team.objects.filter(tenant=tenant, pk=pk).first()
    if team is None:
        raise ApplicationError(f"Unknown team {pk!r}.", {field: ["unknown team"]})
    return team


def sla_policy_list(*, tenant: Tenant) -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.filter(tenant=tenant).order_by("pk")


def sla_policy_get(*, tenant: Tenant, pk) -> SlaPolicy:
    return get_scoped(SlaPolicy.objects.all(), tenant=tenant, pk=pk)


def sla_policy_from_input(*, tenant: Tenant, pk, field: str = "sla_policy") -> SlaPolicy | None:
    if pk is None:
        return None
    policy = SlaPolicy.objects.filter(tenant=tenant, pk=pk).first()
    if policy is None:
        raise ApplicationError(f"Unknown SLA policy {pk!r}.", {field: ["unknown SLA policy"]})
    return policy
