"""The simulation loop: customer and agent actions in virtual time, driving the real services.

Actions sit in one heap ordered by (virtual time, insertion order), so a seed gives the same
sequence of service calls. Every decision that differs between policies is taken by the
services (which ticket a message joins, what the agent's context shows, which channel a reply
uses, whether a journey sends, whether an offer is accepted); the simulator only reads the
outcome, as a person would see it, and reacts with the behaviour of ``Behaviour``.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from crm.models import Channel, Tenant, Ticket

from .behaviour import CONVERSATION_KINDS, Behaviour
from .population import Customer

HOUR = 3600.0
MONTH_HOURS = 30 * 24


@dataclass
class Need:
    customer: Customer
    started_at: datetime
    message_ids: list[int] = field(default_factory=list)
    tickets: list[int] = field(default_factory=list)
    channel: str = "email"
    asked_again: int = 0
    first_answer_at: datetime | None = None
    last_inbound_at: datetime | None = None
    last_answer_at: datetime | None = None
    chased: bool = False
    done: bool = False


@dataclass
class Clock:
    start: datetime
    end: datetime
    heap: list = field(default_factory=list)
    seq: int = 0

    def at(self, when: datetime, action: Callable, *args) -> None:
        if when < self.end:
            self.seq += 1
            heapq.heappush(self.heap, (when, self.seq, action, args))

    def after(self, now: datetime, hours: float, action: Callable, *args) -> None:
        self.at(now + timedelta(seconds=round(hours * HOUR)), action, *args)


class Simulation:
    def __init__(
        self,
        *,
        tenant: Tenant,
        channels: dict[str, Channel],
        customers: list[Customer],
        rng: random.Random,
        behaviour: Behaviour,
        clock: Clock,
        tag: str,
    ) -> None:
        self.tenant, self.channels, self.customers, self.rng = tenant, channels, customers, rng
        self.b, self.clock, self.tag = behaviour, clock, tag
        self.counts: Counter = Counter()
        self.agent_scheduled: set[int] = set()
        self.asked_on: set[int] = set()
        self.needs_by_ticket: dict[int, Need] = {}
        self.external_seq = 0
        self.next_tick = clock.start

    # -- planning --------------------------------------------------------------------------
    def _poisson_times(self, per_month: float) -> list[datetime]:
        times, t = [], 0.0
        span = (self.clock.end - self.clock.start).total_seconds() / HOUR
        while per_month > 0:
            t += self.rng.expovariate(per_month / MONTH_HOURS)
            if t >= span:
                return times
            times.append(self.clock.start + timedelta(seconds=round(t * HOUR)))
        return times

    def plan(self) -> None:
        from .customers import cart_abandon, need_start, product_view

        for customer in self.customers:
            for when in self._poisson_times(self.b.needs_per_customer_month):
                self.clock.at(when, need_start, self, customer)
            for when in self._poisson_times(self.b.carts_per_customer_month):
                self.clock.at(when, cart_abandon, self, customer)
            for when in self._poisson_times(self.b.product_views_per_customer_month):
                self.clock.at(when, product_view, self, customer)

    # -- helpers ---------------------------------------------------------------------------
    def pick_channel(self, customer: Customer, exclude: str | None = None) -> str:
        kinds = [k for k in customer.kinds() if k != exclude] or customer.kinds()
        weights = [customer.preferences.get(k, 0.0) + 1e-6 for k in kinds]
        return self.rng.choices(kinds, weights=weights)[0]

    def agent_delay_hours(self) -> float:
        return math.exp(self.rng.gauss(math.log(self.b.agent_delay_median_hours), self.b.agent_delay_sigma))

    def next_external_id(self) -> str:
        self.external_seq += 1
        return f"sim-{self.tag}-{self.external_seq}"

    def ticket(self, pk: int) -> Ticket:
        return Ticket.objects.select_related("contact", "channel").get(pk=pk)

    # -- the loop --------------------------------------------------------------------------
    def run(self, *, on_day: Callable[[int, int], None] | None = None) -> Counter:
        """Play every action in time order, one transaction per virtual day (deliveries and
        other on-commit work run at each day's end), with an hourly journeys tick."""
        days = max(1, math.ceil((self.clock.end - self.clock.start).total_seconds() / 86400))
        for day in range(days):
            day_end = min(self.clock.end, self.clock.start + timedelta(days=day + 1))
            with transaction.atomic():
                self._play_until(day_end, last=day == days - 1)
            if on_day is not None:
                on_day(day + 1, days)
        return self.counts

    def _play_until(self, day_end: datetime, *, last: bool) -> None:
        while self.clock.heap and self.clock.heap[0][0] < day_end:
            when, _, action, args = heapq.heappop(self.clock.heap)
            while self.next_tick <= when:
                self._tick(self.next_tick)
            action(when, *args)
        while self.next_tick < day_end or (last and self.next_tick <= day_end):
            self._tick(self.next_tick)

    def _tick(self, when: datetime) -> None:
        from journeys.engine import journeys_tick

        self.counts["journey steps run"] += journeys_tick(until=when).steps
        self.next_tick = when + timedelta(hours=1)


__all__ = ["CONVERSATION_KINDS", "Clock", "Need", "Simulation"]
