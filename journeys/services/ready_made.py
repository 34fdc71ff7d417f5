"""Ready-made journeys for the product stories, installable per tenant.

Each definition names channel *kinds*; installing binds them to the tenant's first enabled
channel of each kind, and writes its texts in the tenant's language (``Tenant.language``).
Installing twice returns the journey already installed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.errors import ApplicationError
from crm.models import Channel, Tenant

from ..models import Journey
from .journeys import journey_create

DAY = 86400

READY_MADE: dict[str, dict] = {
    "cart-abandonment": {
        "name": _("Cart abandonment: e-mail offer, then SMS reminder"),
        "trigger_event": "cart.abandoned",
        "goal_event": "purchase",
        "steps": [
            {
                "type": "send",
                "channel": "email",
                "purpose": "marketing",
                "subject": _("{{ contact.name|default:'Hello' }}, your cart is waiting"),
                "template": _(
                    # xgettext:no-python-format
                    "Your {{ event.product|default:'cart' }} is still waiting for you. "
                    "Use the code {{ offer.code }} for 10% off."
                ),
                "offer": {"description": "10% off the abandoned cart", "valid_days": 7},
            },
            {"type": "wait", "seconds": 7200},
            {
                "type": "send",
                "channel": "sms",
                "purpose": "marketing",
                "template": _(
                    "{{ contact.name|default:'Hello' }}, your {{ event.product|default:'cart' }} is still "
                    "waiting. Reply STOP to opt out."
                ),
            },
        ],
    },
    "delivery-slot": {
        "name": _("Delivery slot: confirmation, reminder the day before, notice on the day"),
        "trigger_event": "delivery.slot_booked",
        "goal_event": "",
        "steps": [
            {
                "type": "send",
                "channel": "email",
                "purpose": "transactional",
                "subject": _("Your delivery slot is confirmed"),
                "template": _("Hello {{ contact.name }}, your delivery is booked for {{ event.slot_at }}."),
            },
            {"type": "wait", "until": "slot_at", "offset_seconds": -DAY, "at_time": "07:00"},
            {
                "type": "send",
                "channel": "sms",
                "purpose": "transactional",
                "template": _("Reminder: your delivery is tomorrow ({{ event.slot_at }})."),
            },
            {"type": "wait", "until": "slot_at", "offset_seconds": 0, "at_time": "09:00"},
            {
                # on the day the customer has rarely written within 24 hours: an approved
                # template, the tracking link its parameter (the text on providers without templates)
                "type": "send",
                "channel": "whatsapp",
                "purpose": "transactional",
                "template": "delivery_today",
                "language": "fr",  # the tenant's, at install
                "params": ["{{ event.tracking_url }}"],
                "text": _("Your delivery arrives today. Follow it here: {{ event.tracking_url }}"),
            },
        ],
    },
    "click-and-collect": {
        "name": _("Click and collect: reserved, ready, reminder to collect"),
        "trigger_event": "order.reserved",
        "goal_event": "order.collected",
        "steps": [
            {
                "type": "send",
                "channel": "email",
                "purpose": "transactional",
                "subject": _("Order {{ event.order }} reserved"),
                "template": _(
                    "Hello {{ contact.name }}, your order {{ event.order }} is reserved. "
                    "Pay on your mobile and we will tell you when it is ready."
                ),
            },
            {"type": "wait_for", "event": "order.ready", "timeout_seconds": 2 * DAY},
            {"type": "branch", "if_event": "order.ready", "then": 3, "else": 5},
            {
                "type": "send",
                "channel": "sms",
                "purpose": "transactional",
                "template": _("Your order {{ event.order }} is ready to collect in store."),
            },
            {"type": "wait", "seconds": DAY},
            {
                "type": "send",
                "channel": "whatsapp",
                "purpose": "transactional",
                "template": _("Your order {{ event.order }} is waiting for you in store."),
            },
        ],
    },
    "product-viewed-offer": {
        "name": _("Product viewed on the web: personalised offer by e-mail"),
        "trigger_event": "product.viewed",
        "goal_event": "purchase",
        "steps": [
            {"type": "wait", "seconds": 3600},
            {
                "type": "send",
                "channel": "email",
                "purpose": "marketing",
                "requires_event": True,
                "subject": _("{{ event.product }}: an offer for you"),
                "template": _(
                    # xgettext:no-python-format
                    "Hello {{ contact.name }}, still thinking about {{ event.product }}? "
                    "Use the code {{ offer.code }} for 10% off."
                ),
                "offer": {"description": "10% off the product viewed", "valid_days": 7},
            },
        ],
    },
}


def _texts(value):
    """``value`` with its translatable texts rendered in the active language."""
    if isinstance(value, dict):
        return {k: _texts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts(v) for v in value]
    return str(value) if isinstance(value, Promise) else value


def _bind(tenant: Tenant, steps: list[dict]) -> list[dict]:
    kinds = {s["channel"] for s in steps if "channel" in s}
    channels: dict[str, int] = {}
    for channel in Channel.objects.filter(tenant=tenant, kind__in=kinds, enabled=True).order_by("pk"):
        channels.setdefault(channel.kind, channel.pk)
    missing = sorted(kinds - set(channels))
    if missing:
        raise ApplicationError(
            f"This journey needs an enabled channel of kind {', '.join(missing)}.", {"channels": missing}
        )
    return [{**s, "channel": channels[s["channel"]]} if "channel" in s else dict(s) for s in steps]


@transaction.atomic
def journey_install(*, tenant: Tenant, slug: str) -> tuple[Journey, bool]:
    """Install the ready-made journey ``slug`` for ``tenant``; (journey, created)."""
    if slug not in READY_MADE:
        raise ApplicationError(
            f"Unknown ready-made journey {slug!r}; choose one of {', '.join(READY_MADE)}.", {"slug": ["unknown"]}
        )
    existing = Journey.objects.filter(tenant=tenant, slug=slug).first()
    if existing is not None:
        return existing, False
    with translation.override(tenant.language):  # the texts customers get, in the tenant's language
        spec = _texts(READY_MADE[slug])
    for step in spec["steps"]:
        if "language" in step:  # a provider template: the tenant's language
            step["language"] = tenant.language
    journey = journey_create(
        tenant=tenant,
        name=spec["name"],
        trigger_event=spec["trigger_event"],
        goal_event=spec["goal_event"],
        steps=_bind(tenant, spec["steps"]),
        slug=slug,
    )
    return journey, True
