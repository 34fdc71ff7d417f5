from __future__ import annotations

from django.db.models import Q

from .base import Policy
from .registry import register


@register
class CrosschannelPolicy(Policy):
    """Channels stay separate but hand context over: linked tickets, visible to each other."""

    key = "crosschannel"
    links_new_tickets = True

    def context_messages(self, *, ticket, linked_ids):
        return Q(ticket_id__in=[ticket.pk, *linked_ids])

    def reply_channel_allowed(self, *, ticket, channel, reachable_kinds):
        return channel.pk == ticket.channel_id or channel.kind in reachable_kinds

    def event_visible(self, *, event_kind, step_kind, previous_step_kind):
        return event_kind in {step_kind, previous_step_kind}

    def offer_redeemable(self, *, issued_kind, redeem_kind, offer_links):
        return redeem_kind == issued_kind or redeem_kind in (offer_links.get(issued_kind) or [])
