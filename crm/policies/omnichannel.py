from __future__ import annotations

from django.db.models import Q

from .base import Policy
from .registry import register


@register
class OmnichannelPolicy(Policy):
    """One customer, one conversation whatever the channel; every channel sees everything."""

    key = "omnichannel"
    threads_across_channels = True
    falls_back = True
    cap_scope = "global"

    def context_messages(self, *, ticket, linked_ids):
        return Q(contact_id=ticket.contact_id)

    def context_includes_events(self):
        return True

    def reply_channel_allowed(self, *, ticket, channel, reachable_kinds):
        return channel.pk == ticket.channel_id or channel.kind in reachable_kinds

    def default_reply_channel(self, *, ticket, latest_inbound):
        return latest_inbound or ticket.channel

    def event_visible(self, *, event_kind, step_kind, previous_step_kind):
        return True

    def offer_redeemable(self, *, issued_kind, redeem_kind, offer_links):
        return True
