from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned
from .tenants import Mode


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")

    @classmethod
    def active(cls) -> list[str]:
        return [cls.OPEN, cls.PENDING]


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class Ticket(TenantOwned):
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="tickets")
    channel = models.ForeignKey("crm.Channel", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    subject = models.CharField(max_length=998, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    last_message_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    channels = models.ManyToManyField("crm.Channel", through="crm.TicketChannel", related_name="tickets")
    linked = models.ManyToManyField("self", through="crm.TicketLink", symmetrical=False, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "contact", "status"]),
            models.Index(fields=["tenant", "status", "last_message_at"]),
            models.Index(fields=["tenant", "created_at"]),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject or ''}".strip()

    @property
    def is_active(self) -> bool:
        return self.status in TicketStatus.active()


class TicketChannel(TenantOwned):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("crm.Channel", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "ticket", "channel"], name="ticket_channel_unique")]
        verbose_name = _("ticket channel")
        verbose_name_plural = _("ticket channels")


class TicketLink(TenantOwned):
    """A crosschannel link: stored both ways so either ticket lists the other."""

    from_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "from_ticket", "to_ticket"], name="ticket_link_unique")
        ]
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
