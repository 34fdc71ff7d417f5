"""Writes on webhook subscriptions: create, update, delete (audited), disable after failures."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.errors import ApplicationError
from crm.models import Membership, Role, Tenant
from crm.net import UnsafeTarget, target_check
from crm.services.audit import Actor, audit_record, row_delete
from crm.services.changes import CHANGE_TYPES

from .models import PENDING, EventDelivery, WebhookSubscription

logger = logging.getLogger(__name__)
FIELDS = ("url", "events", "active", "secret")


def subscription_check(*, url: str | None = None, events: list[str] | None = None) -> None:
    """The URL is one the installation may call (crm.net) and the events are known; else a 400."""
    if url is not None:
        try:
            target_check(url)
        except UnsafeTarget as refused:
            raise ApplicationError(
                _("This URL is refused: %(reason)s") % {"reason": refused}, {"url": [str(refused)]}
            ) from None
    if events is not None:
        unknown = sorted(set(events) - set(CHANGE_TYPES))
        if unknown or not events:
            reason = _("unknown event types: %(types)s") % {"types": ", ".join(unknown)} if unknown else None
            raise ApplicationError(
                _("Invalid event types."), {"events": [reason or _("at least one event type is required")]}
            )


def subscribed_events_refresh(*, tenant: Tenant) -> None:
    """``Tenant.subscribed_events``: the types some active subscription listens to (crm
    publishes only those). The tenant row is locked so that concurrent changes add up."""
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    types = set()
    for events in WebhookSubscription.objects.filter(tenant=tenant, active=True).values_list("events", flat=True):
        types.update(events or ())
    tenant.subscribed_events = [change for change in CHANGE_TYPES if change in types]
    Tenant.objects.filter(pk=tenant.pk).update(subscribed_events=tenant.subscribed_events)


@transaction.atomic
def subscription_create(
    *, tenant: Tenant, url: str, events: list[str], secret: str, active: bool = True, by: Actor | str
) -> WebhookSubscription:
    subscription_check(url=url, events=events)
    subscription = WebhookSubscription.objects.create(
        tenant=tenant, url=url, events=list(dict.fromkeys(events)), secret=secret, active=active, created_by=str(by)
    )
    audit_record(
        tenant=tenant,
        actor=by,
        action="webhook_subscription.create",
        target=subscription,
        summary=f"events: {', '.join(subscription.events)}",
    )
    subscribed_events_refresh(tenant=tenant)
    return subscription


@transaction.atomic
def subscription_update(*, subscription: WebhookSubscription, changes: dict, by: Actor | str) -> WebhookSubscription:
    """Change the URL, events, secret or ``active``; re-activating one lets its waiting
    deliveries go (the sweeper's rule: the oldest of each contact first)."""
    subscription_check(url=changes.get("url"), events=changes.get("events"))
    reactivated = changes.get("active") is True and not subscription.active
    for name in FIELDS:
        if name in changes:
            setattr(subscription, name, list(dict.fromkeys(changes[name])) if name == "events" else changes[name])
    if reactivated:
        subscription.failing_since = subscription.disabled_at = None
        subscription.disabled_reason = ""
    subscription.save()
    named = sorted(name for name in changes if name in FIELDS)
    audit_record(
        tenant=subscription.tenant,
        actor=by,
        action="webhook_subscription.update",
        target=subscription,
        summary=f"changed: {', '.join(named)}",
    )
    subscribed_events_refresh(tenant=subscription.tenant)
    if reactivated:
        transaction.on_commit(partial(_restart, subscription.pk))
    return subscription


def _restart(subscription_id: int) -> None:
    """Enqueue the oldest pending delivery of each contact of a re-activated subscription."""
    from .delivery import deliveries_enqueue

    earlier = EventDelivery.objects.filter(
        subscription_id=subscription_id, contact_id=OuterRef("contact_id"), status__in=PENDING, pk__lt=OuterRef("pk")
    )
    heads = EventDelivery.objects.filter(subscription_id=subscription_id, status__in=PENDING).exclude(Exists(earlier))
    deliveries_enqueue(list(heads.values_list("pk", flat=True)[:1000]))


@transaction.atomic
def subscription_delete(*, subscription: WebhookSubscription, by: Actor | str) -> None:
    tenant = subscription.tenant
    row_delete(tenant=tenant, row=subscription, by=by)
    subscribed_events_refresh(tenant=tenant)


def _owners(tenant: Tenant) -> list[str]:
    """E-mail addresses of the tenant's managers and admins."""
    members = Membership.objects.filter(tenant=tenant, role__in=[Role.MANAGER, Role.ADMIN]).select_related("user")
    return sorted({m.user.email for m in members if m.user.email})


@transaction.atomic
def subscription_disable(
    *, subscription: WebhookSubscription, since: datetime, last_error: str, at: datetime | None = None
) -> bool:
    """Disable a subscription whose deliveries failed since ``since`` (a day): recorded in the
    audit log, its owners (the tenant's managers and admins) told by e-mail once committed.
    Its pending deliveries wait; re-activating it lets them go. False if it was not active."""
    at = at or timezone.now()
    tenant = subscription.tenant
    reason = _("every delivery failed since %(since)s; last error: %(error)s") % {
        "since": since.isoformat(timespec="seconds"),
        "error": last_error[:500],
    }
    if not WebhookSubscription.objects.filter(pk=subscription.pk, active=True).update(
        active=False, disabled_at=at, disabled_reason=reason
    ):
        return False
    subscription.active, subscription.disabled_at, subscription.disabled_reason = False, at, reason
    audit_record(
        tenant=tenant,
        actor="webhook deliveries",
        action="webhook_subscription.disable",
        target=subscription,
        summary=f"disabled after failing since {since.isoformat(timespec='seconds')}",
    )
    subscribed_events_refresh(tenant=tenant)
    transaction.on_commit(partial(_tell_owners, subscription.pk, _owners(tenant)))
    return True


def _tell_owners(subscription_id: int, recipients: list[str]) -> None:
    subscription = WebhookSubscription.objects.select_related("tenant").filter(pk=subscription_id).first()
    if subscription is None or not recipients:
        return
    language = getattr(subscription.tenant, "language", "") or "fr"
    with translation.override(language):
        subject = _("Webhook subscription #%(id)s disabled") % {"id": subscription.pk}
        body = _(
            "The webhook subscription #%(id)s of %(tenant)s (%(url)s) was disabled: %(reason)s\n\n"
            "Fix the receiver, then set the subscription active again: the events that waited "
            "are then delivered."
        ) % {
            "id": subscription.pk,
            "tenant": subscription.tenant.name,
            "url": subscription.url,
            "reason": subscription.disabled_reason,
        }
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the subscription is disabled and audited whatever the mail server says
        logger.exception("could not tell the owners of webhook subscription %s", subscription_id)
