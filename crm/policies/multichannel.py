from __future__ import annotations

from django.db.models import Q

from .base import Policy
from .registry import register


@register
class MultichannelPolicy(Policy):
    """Each channel is a silo: its own tickets, its own context, its own caps and offers."""

    key = "multichannel"

    def context_messages(self, *, ticket, linked_ids):
        return Q(ticket_id=ticket.pk, channel_id=ticket.channel_id)

    def reply_channel_allowed(self, *, ticket, channel, reachable_kinds):
        return channel.pk == ticket.channel_id

    def event_visible(self, *, event_kind, step_kind, previous_step_kind):
        return event_kind == step_kind

    def offer_redeemable(self, *, issued_kind, redeem_kind, offer_links):
        return issued_kind == redeem_kind
