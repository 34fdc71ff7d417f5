from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned


class Event(TenantOwned):
    """A customer event (purchase, cart abandoned, link clicked, store visit, opt-out, ...)."""

    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="events")
    name = models.CharField(_("name"), max_length=100)
    channel = models.ForeignKey("crm.Channel", null=True, blank=True, on_delete=models.SET_NULL)
    channel_kind = models.CharField(_("channel kind"), max_length=16, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="event_idempotency_unique",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "contact", "occurred_at"]),
            models.Index(fields=["tenant", "name", "occurred_at"]),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.name} ({self.channel_kind or '-'})"
