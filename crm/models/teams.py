"""Teams of agents, the channels routed to them and how their new tickets are assigned."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned


class Assignment(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round robin")
    BALANCED = "balanced", _("Balanced (fewest open tickets)")


class Availability(models.TextChoices):
    """An agent's availability in a tenant (on ``Membership``): only online agents get new tickets."""

    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")


class Team(TenantOwned):
    name = models.CharField(_("name"), max_length=200)
    assignment = models.CharField(_("assignment"), max_length=16, choices=Assignment.choices, default=Assignment.MANUAL)
    #: no new ticket goes to a member holding this many open or pending tickets (``None``: no cap)
    max_open_per_agent = models.PositiveIntegerField(_("max open tickets per agent"), null=True, blank=True)
    #: tickets handed out by the rule so far: round robin's position, moved by one atomic update
    assigned_count = models.PositiveBigIntegerField(default=0, editable=False)
    #: the member the rule chose last (set by the same update that moves the count)
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False, editable=False
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="crm.TeamMember", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="team_name_unique")]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class TeamMember(TenantOwned):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "team", "user"], name="team_member_unique")]
        indexes = [models.Index(fields=["tenant", "user"], name="team_member_user_idx")]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"
