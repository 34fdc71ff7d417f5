"""Channel-side records: delivery attempts, applied status callbacks, kept webhook payloads,
e-mail Message-IDs for threading."""

from __future__ import annotations

import base64

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import TenantOwned


class AttemptOutcome(models.TextChoices):
    IN_FLIGHT = "in_flight", _("In flight")
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Failed, will retry")
    FAILED = "failed", _("Failed for good")
    LOST = "lost", _("Lost (worker died)")


class DeliveryAttempt(TenantOwned):
    """One try at handing an outbound message to its provider."""

    # Looked up through ``delivery_attempt_unique_number``, which starts with the message.
    message = models.ForeignKey(
        "crm.Message", on_delete=models.CASCADE, related_name="delivery_attempts", db_index=False
    )
    number = models.PositiveSmallIntegerField()
    provider = models.CharField(max_length=32)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_FLIGHT)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="delivery_attempt_unique_number")]
        indexes = [models.Index(fields=["tenant", "started_at"])]
        ordering = ["message", "number"]
        verbose_name = _("delivery attempt")

    def __str__(self) -> str:
        return f"message {self.message_id} attempt {self.number}: {self.outcome}"


class StatusReceipt(TenantOwned):
    """A provider status for an outbound message, applied once per (message, status).

    Keyed by the provider's id: a callback that arrives before the send recorded that id
    waits here (``message`` empty) and is applied when the id is stored.
    """

    channel = models.ForeignKey("crm.Channel", on_delete=models.CASCADE, related_name="+", db_index=False)
    external_id = models.CharField(max_length=255)
    status = models.CharField(max_length=16)
    message = models.ForeignKey(
        "crm.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="status_receipts"
    )
    provider_status = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    applied = models.BooleanField(default=False, help_text=_("False while waiting or when a later status came first."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "external_id", "status"], name="status_receipt_once")]
        # ``status_receipt_once`` (channel, external_id, status) serves lookups by channel and id.
        indexes = [models.Index(fields=["tenant", "received_at"])]
        verbose_name = _("status receipt")


class PayloadState(models.TextChoices):
    REJECTED = "rejected", _("Rejected (could not be parsed)")
    UNKNOWN = "unknown", _("Unknown event type")
    UNMATCHED = "unmatched", _("Status for an unknown message")
    REPLAYED = "replayed", _("Replayed")


class WebhookPayload(TenantOwned):
    """An authenticated webhook request the product could not (fully) use, kept verbatim."""

    channel = models.ForeignKey("crm.Channel", on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=32)
    state = models.CharField(max_length=16, choices=PayloadState.choices)
    error = models.TextField(blank=True)
    method = models.CharField(max_length=8, default="POST")
    path = models.CharField(max_length=2000)
    content_type = models.CharField(max_length=255, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body_b64 = models.TextField(blank=True)
    #: SHA-256 of the body: a provider retrying the same payload does not keep a second copy
    body_sha256 = models.CharField(max_length=64, null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "channel", "body_sha256"], name="webhook_payload_kept_once")
        ]
        indexes = [models.Index(fields=["tenant", "state", "received_at"])]
        verbose_name = _("webhook payload")

    def __str__(self) -> str:
        return f"{self.provider} {self.state} #{self.pk}"

    @property
    def body(self) -> bytes:
        return base64.b64decode(self.body_b64)


class EmailReference(TenantOwned):
    """A Message-ID header the product sent or received, pointing at its message and ticket."""

    message = models.ForeignKey("crm.Message", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("crm.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message_id_header = models.CharField(max_length=998)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "message_id_header"], name="email_reference_unique")]
        verbose_name = _("e-mail reference")


class MailboxState(TenantOwned):
    """Where polling an e-mail mailbox channel (provider ``imap``) stands: the folder's
    UIDVALIDITY and the highest UID imported, the lease of the poller working on it, and the
    login failures that put it in backoff (with the server's reason, shown on the channel)."""

    channel = models.ForeignKey("crm.Channel", on_delete=models.CASCADE, related_name="+", db_index=False)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("last UID imported"), default=0)
    #: a poller holds the mailbox until then (another one skips it)
    leased_until = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    retry_at = models.DateTimeField(_("next attempt not before"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    #: SHA-256 of the credentials that failed: new credentials are tried at once, backoff or not
    failed_credentials = models.CharField(max_length=64, blank=True)
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_imported_at = models.DateTimeField(_("last mail imported"), null=True, blank=True)
    imported = models.PositiveBigIntegerField(_("mails imported"), default=0)

    class Meta:
        # one per channel (a channel never changes tenant); serves the lookup by channel
        constraints = [models.UniqueConstraint(fields=["tenant", "channel"], name="mailbox_state_one_per_channel")]
        verbose_name = _("mailbox state")
        verbose_name_plural = _("mailbox states")

    def __str__(self) -> str:
        return f"mailbox of channel {self.channel_id}: UID {self.last_uid}"


class MessageTemplate(TenantOwned):
    """A provider's approved-message template of a WhatsApp channel (Meta message templates,
    Twilio Content), as last synced: what may be sent outside the 24-hour window."""

    channel = models.ForeignKey("crm.Channel", on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(_("name"), max_length=512)
    language = models.CharField(_("language"), max_length=16)
    category = models.CharField(_("category"), max_length=32, blank=True)
    #: the provider's approval status, lower-cased: approved, pending, rejected, paused...
    status = models.CharField(_("status"), max_length=32)
    body = models.TextField(_("body"), blank=True)
    #: the body's placeholders in order (``["1", "2"]``): ``params`` fill them
    parameters = models.JSONField(_("parameters"), default=list, blank=True)
    #: Twilio's ContentSid, Meta's template id
    provider_id = models.CharField(_("provider id"), max_length=64, blank=True)
    synced_at = models.DateTimeField(_("synced at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "channel", "name", "language"], name="message_template_unique")
        ]
        ordering = ["name", "language"]
        verbose_name = _("WhatsApp template")
        verbose_name_plural = _("WhatsApp templates")

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def approved(self) -> bool:
        return self.status == "approved"


from channels_app.subscriptions.models import (  # noqa: E402  (the app's models, in their package)
    EventDelivery,
    EventDeliveryAttempt,
    OutgoingEvent,
    WebhookSubscription,
)

__all__ = [
    "AttemptOutcome",
    "DeliveryAttempt",
    "EmailReference",
    "EventDelivery",
    "EventDeliveryAttempt",
    "MailboxState",
    "MessageTemplate",
    "OutgoingEvent",
    "PayloadState",
    "StatusReceipt",
    "WebhookPayload",
    "WebhookSubscription",
]
