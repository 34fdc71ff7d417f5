"""The two forms of the delivery store (``OrmDeliveryStore``, the reference, and
``PostgresDeliveryStore``) driven through the same deliveries must write the same rows.

A state machine runs every step twice, once per form, each in a tenant of its own, on a virtual
clock: a message queued, a delivery whose provider accepts, fails for a while (the message is
requeued), refuses for good (the message fails, and falls back to SMS), or whose worker dies
after the claim (the message stays ``sending`` until the lease has passed and it is claimed
again); a status callback for the provider's id, which arrives before the send is recorded when
the message is not sent yet. After every step, every row the two tenants hold (messages, their
delivery attempts, status receipts) must be the same, timestamps included, and so must what the
provider was handed and what each delivery answered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from channels_app.adapters.base import ProviderResult, StatusEvent
from channels_app.adapters.registry import registry
from channels_app.errors import PermanentProviderError, TransientProviderError
from channels_app.models import DeliveryAttempt, StatusReceipt
from channels_app.services import outbound
from channels_app.services.delivery_sql import PostgresDeliveryStore
from channels_app.services.delivery_store import OrmDeliveryStore
from channels_app.services.status import status_event_apply
from crm.models import Message
from crm.services.messages import outbound_create
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory, TenantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAX_ATTEMPTS = 3
MAX_MESSAGES = 4
OUTCOMES = ("sent", "transient", "permanent", "worker dies")
#: the provider accepts, but only after the lease: meanwhile another worker claimed the message
STALLS = "stalls past the lease"


class WorkerDied(Exception):
    """The worker was killed while the provider call was in flight: nothing of ours runs after."""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def read(self) -> datetime:
        return self.now


class ScriptedProvider:
    """The ``console`` provider's send, answering what the step says; records what it was handed."""

    def __init__(self) -> None:
        self.outcome, self.external_id, self.handed = "sent", "", []
        self.meanwhile = lambda message: None  # what happens while a stalled call waits

    def send(self, *, channel, message) -> ProviderResult:
        self.handed.append((channel.kind, channel.provider, message.status, message.attempts, message.to_address))
        if self.outcome == STALLS:
            self.meanwhile(message)
            return ProviderResult(external_id=self.external_id, metadata={"accepted": {"late": message.attempts}})
        if self.outcome == "transient":
            raise TransientProviderError("HTTP 503: try later")
        if self.outcome == "permanent":
            raise PermanentProviderError("HTTP 422: unknown recipient")
        if self.outcome == "worker dies":
            raise WorkerDied
        return ProviderResult(external_id=self.external_id, metadata={"accepted": {"attempt": message.attempts}})


class World:
    """A tenant whose deliveries go through one form of the store: a contact reachable on web
    chat and SMS, a channel of each, SMS after web chat in the fallback order."""

    def __init__(self, store: OrmDeliveryStore) -> None:
        self.store = store
        self.tenant = TenantFactory(mode="omnichannel", fallback_order=["webchat", "sms"])
        self.contact = ContactFactory(tenant=self.tenant)
        IdentityFactory(contact=self.contact, kind="visitor", address="visitor-1")
        IdentityFactory(contact=self.contact, kind="phone", address="+33612345678")
        self.webchat = ChannelFactory(tenant=self.tenant, kind="webchat")
        ChannelFactory(tenant=self.tenant, kind="sms")

    def messages(self) -> list[Message]:
        return list(Message.objects.filter(tenant=self.tenant).select_related("channel").order_by("pk"))

    def queue(self) -> None:
        outbound_create(
            tenant=self.tenant,
            contact=self.contact,
            channel=self.webchat,
            text="Your order shipped",
            purpose="conversation",
        )

    def deliver(self, message: Message) -> str:
        try:
            delivered = outbound.outbound_deliver(message_id=message.pk)
        except TransientProviderError:
            return "retry"
        except WorkerDied:
            return "worker died"
        return "not ours to send" if delivered is None else delivered.status

    def snapshot(self) -> dict:
        """Every row of the tenant the delivery writes, ids replaced by creation order."""
        messages = self.messages()
        index = {m.pk: i for i, m in enumerate(messages)}

        def metadata(m: Message) -> dict:
            if "fallback_from" in m.metadata:
                return {**m.metadata, "fallback_from": index[m.metadata["fallback_from"]]}
            return m.metadata

        attempts = DeliveryAttempt.objects.filter(tenant=self.tenant).order_by("message_id", "number")
        receipts = StatusReceipt.objects.filter(tenant=self.tenant).select_related("channel").order_by("pk")
        return {
            "messages": [
                (
                    m.channel.kind,
                    m.status,
                    m.error,
                    m.attempts,
                    m.external_id,
                    m.sent_at,
                    m.delivered_at,
                    m.read_at,
                    metadata(m),
                    index.get(m.parent_id),
                    m.created_at,
                    m.occurred_at,
                    m.to_address,
                )
                for m in messages
            ],
            "attempts": [
                (index[a.message_id], a.number, a.provider, a.outcome, a.error, a.started_at, a.finished_at, a.retry_at)
                for a in attempts
            ],
            "receipts": [
                (
                    r.channel.kind,
                    r.external_id,
                    r.status,
                    index.get(r.message_id),
                    r.applied,
                    r.provider_status,
                    r.error,
                    r.occurred_at,
                    r.received_at,
                )
                for r in receipts
            ],
        }


class DeliveryStoresAgree(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.monkeypatch = pytest.MonkeyPatch()
        self.clock, self.provider = Clock(), ScriptedProvider()
        self.monkeypatch.setattr(timezone, "now", self.clock.read)
        self.monkeypatch.setattr(registry.get("console"), "send", self.provider.send)
        self.worlds = [World(OrmDeliveryStore()), World(PostgresDeliveryStore())]
        self.world = self.worlds[0]
        self.monkeypatch.setattr(outbound, "delivery_store", lambda: self.world.store)
        self._each(World.queue)
        self._each(World.queue)

    def teardown(self) -> None:
        self.monkeypatch.undo()
        transaction.savepoint_rollback(self.savepoint)

    def _each(self, step) -> list:
        """Run ``step`` in each world from the same virtual time; what each answered."""
        start, answers = self.clock.now + timedelta(seconds=1), []
        for world in self.worlds:
            self.world, self.clock.now = world, start
            answers.append(step(world))
        return answers

    @precondition(lambda self: len(self.worlds[0].messages()) < MAX_MESSAGES)
    @rule()
    def queue(self) -> None:
        self._each(World.queue)

    @rule(
        pick=st.integers(0, MAX_MESSAGES - 1),
        outcome=st.sampled_from((*OUTCOMES, STALLS)),
        meanwhile=st.sampled_from(OUTCOMES),
    )
    def deliver(self, pick: int, outcome: str, meanwhile: str) -> None:
        """A delivery task runs for a message, whatever its state (a duplicate finds nothing).
        A stalled provider call outlives the lease: another task claims the message again and
        meets ``meanwhile`` before the stalled one records its answer."""
        answers = []

        def other_worker(message: Message) -> None:
            self.clock.now += timedelta(seconds=settings.CHANNELS_SENDING_LEASE_SECONDS + 1)
            self.provider.outcome = meanwhile
            answers.append(self.world.deliver(message))

        self.provider.meanwhile = other_worker

        def step(world: World):
            messages = world.messages()
            i = pick % len(messages)
            self.provider.outcome, self.provider.external_id = outcome, f"provider-{i}"
            self.provider.handed, answers[:] = [], []
            answers.insert(0, world.deliver(messages[i]))
            return list(answers), self.provider.handed

        orm, postgresql = self._each(step)
        assert postgresql == orm

    @rule(pick=st.integers(0, MAX_MESSAGES - 1), status=st.sampled_from(["sent", "delivered", "read", "failed"]))
    def status_callback(self, pick: int, status: str) -> None:
        """The provider's callback for the id it gives (or will give) the message: before the
        send is recorded it waits, and is applied when it is."""

        def step(world: World):
            messages = world.messages()
            i = pick % len(messages)
            event = StatusEvent(
                external_id=f"provider-{i}",
                status=status,
                provider_status=f"provider {status}",
                occurred_at=timezone.now(),
                error="unreachable handset" if status == "failed" else "",
            )
            return status_event_apply(channel=messages[i].channel, event=event)

        orm, postgresql = self._each(step)
        assert postgresql == orm

    @rule()
    def lease_passes(self) -> None:
        """Long enough for an attempt whose worker died to be claimed again."""
        self.clock.now += timedelta(seconds=settings.CHANNELS_SENDING_LEASE_SECONDS)

    @invariant()
    def same_rows(self) -> None:
        orm, postgresql = (world.snapshot() for world in self.worlds)
        assert postgresql == orm


def test_both_forms_of_the_delivery_store_write_the_same_rows():
    with override_settings(CHANNELS_MAX_ATTEMPTS=MAX_ATTEMPTS):
        run_state_machine_as_test(
            DeliveryStoresAgree,
            settings=hypothesis_settings(
                max_examples=25,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
