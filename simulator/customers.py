"""Customer and agent actions. Each is called as ``action(now, sim, ...)`` by the loop."""

from __future__ import annotations

import math
import random
import struct
import zlib
from datetime import datetime

from channels_app.adapters.base import InboundEvent
from channels_app.services.inbound import webhook_events_apply
from channels_app.widget.services import widget_message_receive
from channels_app.widget.visitors import Visitor
from crm.models import Contact, Message, TicketStatus
from crm.selectors.tickets import ticket_context
from crm.services.attachments import IncomingAttachment
from crm.services.contacts import contact_resolve
from crm.services.events import event_record
from crm.services.messages import InboundMessage, IngestResult, ticket_reply
from crm.services.surveys import survey_send
from crm.services.tickets import ticket_update

from .engine import Need, Simulation
from .population import IDENTITY_FOR_KIND, Customer

PRODUCTS = ("sneakers", "jacket", "headphones", "coffee machine", "backpack")
ASK_AGAIN = "Sorry, I cannot see the earlier messages: could you tell me again what this is about?"


#: the share of first messages of a need that come with a photo (chosen from the message's id,
#: so the simulation's random draws, and its figures, are those it had without attachments)
PHOTO_SHARE_PERCENT = 10


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG: the "photo of the delivery notice" customers send."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xcc\x88\x44" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PHOTO = IncomingAttachment(filename="delivery-notice.png", content_type="image/png", content=png_bytes())


def _photo_for(external_id: str) -> tuple[IncomingAttachment, ...]:
    return (PHOTO,) if zlib.crc32(external_id.encode()) % 100 < PHOTO_SHARE_PERCENT else ()


# -- conversations --------------------------------------------------------------------------
def _send(
    sim: Simulation, now: datetime, customer: Customer, kind: str, text: str, *, photo: bool = False
) -> IngestResult:
    if sim.channels[kind].provider == "widget":
        return _chat(sim, now, customer, text)
    external_id = sim.next_external_id()
    inbound = InboundMessage(
        channel=sim.channels[kind],
        from_address=customer.address_for(kind),
        text=text,
        external_id=external_id,
        occurred_at=now,
        profile_name=customer.name,
        attachments=_photo_for(external_id) if photo else (),
    )
    outcome = webhook_events_apply(channel=sim.channels[kind], events=[InboundEvent(inbound=inbound)])
    sim.counts[f"customer messages ({kind})"] += 1
    return outcome.ingested[0]


def _chat(sim: Simulation, now: datetime, customer: Customer, text: str) -> IngestResult:
    """A customer writing in the site's chat window: through the widget, as an anonymous
    visitor (the CRM knows the visitor id of the customers imported with it)."""
    channel = sim.channels["webchat"]
    visitor = Visitor(channel=channel, token="", address=customer.address_for("webchat"))
    result = widget_message_receive(
        visitor=visitor, text=text, client_id=sim.next_external_id(), occurred_at=now, name=customer.name
    )
    sim.counts["customer messages (webchat)"] += 1
    return result


def need_start(now: datetime, sim: Simulation, customer: Customer) -> None:
    customer.needs += 1
    need = Need(customer=customer, started_at=now, channel=sim.pick_channel(customer))
    sim.counts["needs"] += 1
    text = f"Hello, about my order {customer.index}-{customer.needs}: it has not arrived."
    customer_writes(now, sim, need, text, photo=True)


def customer_writes(now: datetime, sim: Simulation, need: Need, text: str, *, photo: bool = False) -> None:
    message = _send(sim, now, need.customer, need.channel, text, photo=photo).message
    need.message_ids.append(message.pk)
    need.last_inbound_at = now
    if message.ticket_id not in need.tickets:
        need.tickets.append(message.ticket_id)
    sim.needs_by_ticket[message.ticket_id] = need
    if message.ticket_id not in sim.agent_scheduled:
        sim.agent_scheduled.add(message.ticket_id)
        sim.clock.after(now, sim.agent_delay_hours(), agent_handles, sim, message.ticket_id)
    if not need.chased:
        sim.clock.after(now, sim.rng.expovariate(1 / sim.b.patience_hours_mean), customer_chases, sim, need, now)


def customer_chases(now: datetime, sim: Simulation, need: Need, waiting_since: datetime) -> None:
    if need.done or need.chased or (need.last_answer_at and need.last_answer_at >= waiting_since):
        return
    need.chased = True
    sim.counts["chases"] += 1
    if sim.rng.random() < sim.b.chase_switch_probability:
        need.channel = sim.pick_channel(need.customer, exclude=need.channel)
    customer_writes(now, sim, need, "Any news about my order?")


def _context_hides(sim: Simulation, ticket, need: Need) -> bool:
    visible = {m.pk for m in ticket_context(tenant=sim.tenant, ticket=ticket, limit=500).messages}
    return any(pk not in visible for pk in need.message_ids)


def agent_handles(now: datetime, sim: Simulation, ticket_id: int) -> None:
    sim.agent_scheduled.discard(ticket_id)
    ticket = sim.ticket(ticket_id)
    need = sim.needs_by_ticket.get(ticket_id)
    if need is None or not ticket.is_active:
        return
    if ticket_id not in sim.asked_on and _context_hides(sim, ticket, need):
        sim.asked_on.add(ticket_id)
        need.asked_again += 1
        reply = ticket_reply(tenant=sim.tenant, ticket=ticket, text=ASK_AGAIN, author="agent (simulated)", at=now)
        sim.counts["agent asked the customer to repeat"] += 1
        need.channel = reply.channel.kind if reply.channel.kind in need.customer.kinds() else need.channel
        sim.clock.after(now, sim.rng.expovariate(1 / sim.b.customer_reply_hours_mean), customer_repeats, sim, need)
        return
    ticket_reply(
        tenant=sim.tenant,
        ticket=ticket,
        text="Here is what happened and what we do.",
        author="agent (simulated)",
        at=now,
    )
    sim.counts["agent answers"] += 1
    need.first_answer_at = need.first_answer_at or now
    need.last_answer_at = now
    need.chased = False
    if sim.rng.random() < sim.b.followup_probability:
        if sim.rng.random() < sim.b.switch_on_followup_probability:
            need.channel = sim.pick_channel(need.customer, exclude=need.channel)
        sim.clock.after(now, sim.rng.expovariate(1 / sim.b.followup_hours_mean), customer_follows_up, sim, need)
    else:
        sim.clock.after(now, sim.b.resolve_after_hours, need_resolve, sim, need, now)


def customer_repeats(now: datetime, sim: Simulation, need: Need) -> None:
    sim.counts["customer repeated the problem"] += 1
    customer_writes(now, sim, need, "As I said before: my order has not arrived.")


def customer_follows_up(now: datetime, sim: Simulation, need: Need) -> None:
    customer_writes(now, sim, need, "Thanks. One more question about the delivery.")


def need_resolve(now: datetime, sim: Simulation, need: Need, answered_at: datetime) -> None:
    if need.done or (need.last_inbound_at and need.last_inbound_at > answered_at):
        return
    need.done = True
    last = None
    for ticket_id in need.tickets:
        ticket = sim.ticket(ticket_id)
        if ticket.is_active:
            last = ticket_update(ticket=ticket, status=TicketStatus.RESOLVED, at=now)
    if last is None:
        return
    survey = survey_send(tenant=sim.tenant, ticket=last, at=now)
    if survey is not None and sim.rng.random() < sim.b.survey_reply_probability:
        kind = survey.channel.kind if survey.channel.kind in need.customer.kinds() else need.channel
        delay = sim.rng.expovariate(1 / sim.b.customer_reply_hours_mean)
        sim.clock.after(now, delay, customer_rates, sim, need, kind)


def customer_rates(now: datetime, sim: Simulation, need: Need, kind: str) -> None:
    rating = 5 - min(2, need.asked_again)
    if (
        need.first_answer_at
        and (need.first_answer_at - need.started_at).total_seconds() > sim.b.slow_first_response_hours * 3600
    ):
        rating -= 1
    if sim.rng.random() < sim.b.rating_noise_probability:
        rating -= 1
    if _send(sim, now, need.customer, kind, str(max(1, rating))).rating is not None:
        sim.counts["survey ratings"] += 1


# -- shopping -------------------------------------------------------------------------------
def _contact_for(sim: Simulation, customer: Customer, kind: str) -> Contact:
    """The contact the CRM resolves for the identity this channel uses (may be unlinked)."""
    identity = IDENTITY_FOR_KIND[kind]
    if identity not in customer.addresses:
        return customer.contact
    contact, _ = contact_resolve(tenant=sim.tenant, kind=identity, address=customer.addresses[identity])
    return contact


def cart_abandon(now: datetime, sim: Simulation, customer: Customer) -> None:
    product = sim.rng.choice(PRODUCTS)
    event_record(
        tenant=sim.tenant,
        contact=_contact_for(sim, customer, "webchat"),
        name="cart.abandoned",
        channel=sim.channels["webchat"],
        properties={"product": product},
        occurred_at=now,
    )
    sim.counts["carts abandoned"] += 1
    if sim.rng.random() < sim.b.purchase_after_cart_probability:
        low, high = sim.b.purchase_delay_hours
        kind = "store" if sim.rng.random() < sim.b.store_purchase_share else "webchat"
        sim.clock.after(now, sim.rng.uniform(low, high), customer_buys, sim, customer, kind, product)


def product_view(now: datetime, sim: Simulation, customer: Customer) -> None:
    event_record(
        tenant=sim.tenant,
        contact=_contact_for(sim, customer, "webchat"),
        name="product.viewed",
        channel=sim.channels["webchat"],
        properties={"product": sim.rng.choice(PRODUCTS)},
        occurred_at=now,
    )
    sim.counts["products viewed"] += 1


def order_value(sim: Simulation, customer: Customer, now: datetime, product: str) -> dict:
    """The order's amount, from a generator of its own seeded by the order (the simulation's
    other draws are the same with or without it)."""
    rng = random.Random(f"order:{customer.index}:{now.isoformat()}:{product}")
    amount = rng.lognormvariate(math.log(sim.b.order_value_median), sim.b.order_value_sigma)
    return {"amount": round(amount, 2), "currency": sim.b.order_currency}


def customer_buys(now: datetime, sim: Simulation, customer: Customer, kind: str, product: str) -> None:
    from journeys.models import Offer
    from journeys.services.offers import offer_redeem

    contact = _contact_for(sim, customer, kind)
    offer = (
        Offer.objects.filter(
            tenant=sim.tenant,
            contact__in={customer.contact.pk, contact.pk},
            redeemed_at__isnull=True,
            issued_at__lte=now,
        )
        .order_by("-issued_at", "-pk")
        .first()
    )
    if offer is not None and sim.rng.random() < sim.b.redeem_offer_probability:
        redemption = offer_redeem(tenant=sim.tenant, code=offer.code, channel=sim.channels[kind], at=now)
        sim.counts["offers accepted" if redemption.accepted else "offers refused"] += 1
    event_record(
        tenant=sim.tenant,
        contact=contact,
        name="purchase",
        channel=sim.channels[kind],
        properties={"product": product, **order_value(sim, customer, now, product)},
        occurred_at=now,
    )
    sim.counts[f"purchases ({kind})"] += 1
    sim.clock.after(now, 3.0, customer_reacts_to_reminders, sim, customer, now)


def customer_reacts_to_reminders(now: datetime, sim: Simulation, customer: Customer, bought_at: datetime) -> None:
    if "phone" not in customer.addresses:
        return
    needless = Message.objects.filter(
        tenant=sim.tenant,
        contact=_contact_for(sim, customer, "sms"),
        direction="outbound",
        purpose="marketing",
        channel__kind="sms",
        occurred_at__gt=bought_at,
        occurred_at__lte=now,
    ).exists()
    if needless and sim.rng.random() < sim.b.stop_after_needless_reminder_probability:
        _send(sim, now, customer, "sms", "STOP")
        sim.counts["STOP replies"] += 1
