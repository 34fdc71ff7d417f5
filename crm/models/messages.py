from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Purpose(models.TextChoices):
    CONVERSATION = "conversation", _("Conversation")
    MARKETING = "marketing", _("Marketing")
    TRANSACTIONAL = "transactional", _("Transactional")


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")

    @classmethod
    def rank(cls, status: str) -> int:
        """Order of the outbound lifecycle; a status never moves to a lower rank."""
        return {
            cls.QUEUED: 0,
            cls.SENDING: 1,
            cls.SENT: 2,
            cls.DELIVERED: 3,
            cls.READ: 4,
            cls.FAILED: 5,
            cls.RECEIVED: 0,
        }[status]


class Message(TenantOwned):
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="messages")
    ticket = models.ForeignKey("crm.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    channel = models.ForeignKey("crm.Channel", on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.CONVERSATION)
    status = models.CharField(max_length=16, choices=MessageStatus.choices)
    error = models.TextField(blank=True)
    subject = models.CharField(max_length=998, blank=True)
    text = models.TextField(blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    to_address = models.CharField(max_length=320, blank=True)
    # Provider id: inbound, the id the provider gave the message; outbound, the id returned on send.
    external_id = models.CharField(max_length=255, null=True, blank=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Indexed only where set (fallbacks are few): see ``message_parent_idx``.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallbacks", db_index=False
    )
    author = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="message_external_id_unique_per_channel",
            ),
            # Only outbound messages wait in the outbox, so a status of the outbox names an
            # outbound message and the delivery statements need not say so.
            models.CheckConstraint(
                condition=models.Q(direction="outbound") | ~models.Q(status__in=["queued", "sending"]),
                name="message_outbox_outbound_only",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "contact", "occurred_at"]),
            models.Index(fields=["tenant", "ticket", "occurred_at"]),
            models.Index(fields=["tenant", "status", "created_at"]),
            models.Index(fields=["tenant", "direction", "occurred_at"]),
            # The outbox sweeper looks across tenants for rows stuck in the outbox. Its condition
            # names the direction, which the delivery statements (by primary key) leave out:
            # PostgreSQL may use a partial index only for a query that states its condition, so
            # those statements never scan the outbox, however stale the statistics on a backlog.
            models.Index(
                fields=["status", "created_at"],
                condition=models.Q(direction="outbound", status__in=["queued", "sending"]),
                name="message_outbox_idx",
            ),
            models.Index(fields=["parent"], condition=models.Q(parent__isnull=False), name="message_parent_idx"),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.direction} {self.channel_id} #{self.pk}"


class ReplyIdempotencyKey(TenantOwned):
    """An ``Idempotency-Key`` a reply was accepted with: the same key again answers with that
    reply instead of queueing a second one. ``fingerprint`` (SHA-256 of the request) tells a
    retry from a different request reusing the key."""

    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    message = models.OneToOneField("crm.Message", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="reply_idempotency_key_unique")]
        verbose_name = _("reply idempotency key")
        verbose_name_plural = _("reply idempotency keys")

    def __str__(self) -> str:
        return self.key
