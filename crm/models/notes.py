from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned


class TicketNote(TenantOwned):
    """An internal note on a ticket: between agents only. Not a message: it is never delivered
    to the customer and no metric reads it (they read messages)."""

    ticket = models.ForeignKey("crm.Ticket", on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    #: who wrote it, as shown (a staff member's name, or an API key's actor name)
    author = models.CharField(max_length=200)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, through="crm.NoteMention", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "ticket", "created_at"])]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return f"note #{self.pk} on ticket #{self.ticket_id}"


class NoteMention(TenantOwned):
    """An agent named in a note (``@username``); unread until they open the ticket."""

    note = models.ForeignKey(TicketNote, on_delete=models.CASCADE, related_name="mention_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "note", "user"], name="note_mention_unique")]
        indexes = [models.Index(fields=["tenant", "user", "read_at"])]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
