"""Service-level policies and the due times of each ticket under its tenant's policy."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


def default_business_hours() -> dict:
    day = [["09:00", "18:00"]]
    return {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}


class SlaPolicy(TenantOwned):
    """Targets in business minutes: counted only inside ``business_hours`` (per weekday, local
    times of the tenant's time zone), never on ``holidays`` (ISO dates)."""

    name = models.CharField(_("name"), max_length=200)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next response (business minutes)"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"), null=True, blank=True)
    business_hours = models.JSONField(_("business hours"), default=default_business_hours, blank=True)
    holidays = models.JSONField(_("holidays"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="sla_policy_name_unique")]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class TicketSla(TenantOwned):
    """A ticket's due times under the policy in force when it changed. ``due_at`` is the earliest
    target not met yet (the inbox sorts by it); ``breached`` the targets met late, kept."""

    ticket = models.OneToOneField("crm.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    first_response_due = models.DateTimeField(null=True)
    next_response_due = models.DateTimeField(null=True)
    resolution_due = models.DateTimeField(null=True)
    due_at = models.DateTimeField(null=True)
    breached = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["tenant", "due_at"], name="ticket_sla_due_idx")]
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
