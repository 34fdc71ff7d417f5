"""The policy interface: what differs between multichannel, crosschannel and omnichannel.

A policy only decides; it never writes. Services and selectors ask it and act.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar, Literal

from django.db.models import Q

if TYPE_CHECKING:
    from crm.models import Channel, Ticket


class Policy(ABC):
    key: ClassVar[str]
    #: an inbound message may join an open ticket opened on another channel
    threads_across_channels: ClassVar[bool] = False
    #: a new ticket is linked to the contact's open tickets on other channels
    links_new_tickets: ClassVar[bool] = False
    #: a failed send is retried on the next channel of the tenant's fallback order
    falls_back: ClassVar[bool] = False
    #: frequency caps count per channel kind, or across all channels
    cap_scope: ClassVar[Literal["channel", "global"]] = "channel"

    # -- tickets and agent context -------------------------------------------------------
    def may_join(self, *, ticket: Ticket, channel: Channel) -> bool:
        """Whether an inbound message on ``channel`` may join the contact's ``ticket``."""
        return self.threads_across_channels or ticket.channel_id == channel.pk

    @abstractmethod
    def context_messages(self, *, ticket: Ticket, linked_ids: list[int]) -> Q:
        """Filter on Message for what the agent handling ``ticket`` may see."""

    def context_includes_events(self) -> bool:
        return False

    # -- replies -------------------------------------------------------------------------
    @abstractmethod
    def reply_channel_allowed(self, *, ticket: Ticket, channel: Channel, reachable_kinds: set[str]) -> bool:
        """Whether an agent reply on ``ticket`` may go out on ``channel``."""

    def default_reply_channel(self, *, ticket: Ticket, latest_inbound: Channel | None) -> Channel:
        return ticket.channel

    # -- journeys ------------------------------------------------------------------------
    @abstractmethod
    def event_visible(self, *, event_kind: str, step_kind: str, previous_step_kind: str | None) -> bool:
        """Whether a journey step on ``step_kind`` may see an event that came on ``event_kind``.

        ``event_kind`` is empty for events recorded without a channel.
        """

    # -- offers --------------------------------------------------------------------------
    @abstractmethod
    def offer_redeemable(self, *, issued_kind: str, redeem_kind: str, offer_links: dict) -> bool:
        """Whether an offer issued on ``issued_kind`` is accepted on ``redeem_kind``."""
