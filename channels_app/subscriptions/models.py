"""Outgoing webhook subscriptions, the events they are owed, and each delivery's log."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.fields import EncryptedJSONField
from crm.models import TenantOwned


class WebhookSubscription(TenantOwned):
    """A URL of an integrator that receives the tenant's changes of the types in ``events``."""

    url = models.URLField(_("URL"), max_length=2000)
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    #: signs every POST (``X-Signature``); encrypted at rest like channel credentials
    secret = EncryptedJSONField(_("secret"), default=str, blank=True)
    created_by = models.CharField(_("created by"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: the first failed attempt since the last success; a day of it disables the subscription
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.TextField(_("disabled because"), blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "active"], name="webhook_sub_tenant_active")]
        ordering = ["pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"#{self.pk} {self.url}"

    def __repr__(self) -> str:  # never the secret
        return f"<WebhookSubscription {self.pk} {self.url!r}>"


class OutgoingEvent(TenantOwned):
    """One change as integrators receive it: ``{"id", "type", "created_at", "data"}``, written
    in the transaction of the change."""

    type = models.CharField(_("type"), max_length=32)
    #: the contact the change belongs to (a plain id: the event outlives a merge or a deletion)
    contact_id = models.BigIntegerField(_("contact"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        indexes = [models.Index(fields=["tenant", "contact_id"], name="outgoing_event_contact")]
        verbose_name = _("outgoing event")
        verbose_name_plural = _("outgoing events")

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class EventDeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Given up")


PENDING = (EventDeliveryStatus.QUEUED, EventDeliveryStatus.SENDING)


class EventDelivery(TenantOwned):
    """The outbox row of one event for one subscription. A subscription's deliveries of one
    contact go out one at a time, in id order: the next waits until this one is delivered or
    given up (``delivery.delivery_claim``)."""

    event = models.ForeignKey(OutgoingEvent, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    contact_id = models.BigIntegerField(null=True, blank=True)  # the order key, the event's
    status = models.CharField(
        _("status"), max_length=16, choices=EventDeliveryStatus.choices, default=EventDeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "subscription", "event"], name="event_delivery_once"),
        ]
        indexes = [
            # the queue of one subscription and contact, and the sweeper: pending rows only
            models.Index(
                fields=["tenant", "subscription", "contact_id", "id"],
                condition=Q(status__in=PENDING),
                name="event_delivery_pending",
            ),
            models.Index(fields=["tenant", "subscription", "created_at"], name="event_delivery_log"),
        ]
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")

    def __str__(self) -> str:
        return f"event {self.event_id} → subscription {self.subscription_id}: {self.status}"


class EventAttemptOutcome(models.TextChoices):
    IN_FLIGHT = "in_flight", _("In flight")
    DELIVERED = "delivered", _("Delivered")
    RETRY = "retry", _("Failed, will retry")
    FAILED = "failed", _("Failed for good")
    LOST = "lost", _("Lost (worker died)")


class EventDeliveryAttempt(TenantOwned):
    """One POST of a delivery: the delivery log shown in the admin."""

    delivery = models.ForeignKey(EventDelivery, on_delete=models.CASCADE, related_name="attempt_log", db_index=False)
    number = models.PositiveSmallIntegerField(_("attempt"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=EventAttemptOutcome.choices, default=EventAttemptOutcome.IN_FLIGHT
    )
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="event_delivery_attempt_number"),
        ]
        indexes = [models.Index(fields=["tenant", "started_at"], name="event_attempt_started")]
        ordering = ["delivery", "number"]
        verbose_name = _("event delivery attempt")
        verbose_name_plural = _("event delivery attempts")

    def __str__(self) -> str:
        return f"delivery {self.delivery_id} attempt {self.number}: {self.outcome}"
