"""Offers: issue, and redeem at most once under the contact's policy.

``offer_redeem`` takes the offer's row lock (``SELECT ... FOR UPDATE``): concurrent
redemptions of one code are decided one at a time, so at most one is accepted. Every attempt,
accepted or refused, is recorded as an ``OfferRedemption`` with the mode that decided it.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.errors import ApplicationError, ConflictError, NotFoundError
from crm.models import Channel, Contact, Tenant
from crm.policies import effective_mode, policy_for_mode

from ..models import Offer, OfferRedemption

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def offer_code_generate() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def offer_issue(
    *,
    tenant: Tenant,
    contact: Contact,
    channel: Channel,
    code: str | None = None,
    description: str = "",
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> Offer:
    if contact.tenant_id != tenant.pk:
        raise ApplicationError("Unknown contact.", {"contact": ["unknown contact"]})
    if channel.tenant_id != tenant.pk:
        raise ApplicationError("Unknown channel.", {"issued_channel": ["unknown channel"]})
    at = at or timezone.now()
    if expires_at is not None and expires_at <= at:
        raise ApplicationError("The offer would already be expired.", {"expires_at": ["must be in the future"]})
    try:
        with transaction.atomic():
            return Offer.objects.create(
                tenant=tenant,
                contact=contact,
                code=code or offer_code_generate(),
                issued_channel=channel,
                issued_kind=channel.kind,
                description=description,
                issued_at=at,
                expires_at=expires_at,
            )
    except IntegrityError:
        raise ConflictError(f"The code {code!r} is already used.", {"code": ["already used"]}) from None


def _refusal(offer: Offer, channel: Channel, mode: str, at: datetime, links: dict) -> str:
    if offer.redeemed_at is not None:
        return "already_redeemed"
    if offer.expires_at is not None and at >= offer.expires_at:
        return "expired"
    if not policy_for_mode(mode).offer_redeemable(
        issued_kind=offer.issued_kind, redeem_kind=channel.kind, offer_links=links
    ):
        return "channel_not_allowed"
    return ""


@transaction.atomic
def offer_redeem(*, tenant: Tenant, code: str, channel: Channel, at: datetime | None = None) -> OfferRedemption:
    """Try to redeem ``code`` on ``channel``; locks the offer's row for the decision."""
    if channel.tenant_id != tenant.pk:
        raise ApplicationError("Unknown channel.", {"channel": ["unknown channel"]})
    offer = Offer.objects.select_for_update().filter(tenant=tenant, code=code).first()
    if offer is None:
        raise NotFoundError("No such offer.")
    at = at or timezone.now()
    mode = effective_mode(tenant, offer.contact_id)
    reason = _refusal(offer, channel, mode, at, tenant.offer_links or {})
    if not reason:
        offer.redeemed_at, offer.redeemed_channel = at, channel
        offer.save(update_fields=["redeemed_at", "redeemed_channel"])
    return OfferRedemption.objects.create(
        tenant=tenant,
        offer=offer,
        channel=channel,
        channel_kind=channel.kind,
        accepted=not reason,
        reason=reason or "accepted",
        mode=mode,
        at=at,
    )
