"""The agents' socket: who may connect, which events reach it, presence on a ticket."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.db import transaction

from crm.services.notes import note_create
from crm.services.tickets import ticket_update
from tests.dashboards.conftest import ingest
from tests.factories import ChannelFactory, TenantFactory

from .conftest import session_cookie, socket

# Committed for real: the consumer's database calls close connections left outside autocommit.
pytestmark = pytest.mark.django_db(transaction=True)


def run(coroutine_function):
    """Run an async test body on one event loop; the ORM calls inside go to this thread."""
    async_to_sync(coroutine_function)()


@pytest.fixture
def two_tenants(make_staff):
    first, second = TenantFactory(mode="omnichannel"), TenantFactory(mode="omnichannel")
    return {
        "first": (first, ChannelFactory(tenant=first, kind="sms"), make_staff(first, "ann")),
        "second": (second, ChannelFactory(tenant=second, kind="sms"), make_staff(second, "bea")),
    }


def _in_transaction(capture, work):
    """``work`` in the test's thread, committed: its on-commit publications run."""

    def call():
        with capture(execute=True), transaction.atomic():
            return work()

    return database_sync_to_async(call)()


def test_a_logged_out_socket_is_refused():
    async def body():
        connected, code = await socket().connect()
        assert (connected, code) == (False, 4401)

    run(body)


def test_a_forged_session_or_a_foreign_origin_is_refused(two_tenants):
    _, _, ann = two_tenants["first"]
    cookie = session_cookie(ann)

    async def body():
        assert (await socket("not-a-session").connect())[0] is False
        assert (await socket(cookie, origin="https://evil.example").connect())[0] is False

    run(body)


def test_a_staff_member_without_a_tenant_is_refused():
    user = get_user_model().objects.create_user(username="nobody", password="x" * 12, is_staff=True)
    cookie = session_cookie(user)

    async def body():
        connected, code = await socket(cookie).connect()
        assert (connected, code) == (False, 4403)

    run(body)


def test_a_socket_receives_its_own_tenants_events_only(two_tenants, django_capture_on_commit_callbacks):
    (_, _, ann), (second, sms2, bea) = two_tenants["first"], two_tenants["second"]
    ann_cookie, bea_cookie = session_cookie(ann), session_cookie(bea)

    async def body():
        ann_socket, bea_socket = socket(ann_cookie), socket(bea_cookie)
        assert (await ann_socket.connect())[0] and (await bea_socket.connect())[0]
        message = await _in_transaction(
            django_capture_on_commit_callbacks, lambda: ingest(second, sms2, "+33612345678", "hello")
        )
        event = await bea_socket.receive_json_from(timeout=2)
        assert event == {
            "type": "message.created",
            "ticket": message.ticket_id,
            "contact": message.contact_id,
            "message": message.pk,
            "status": "received",
        }
        assert await ann_socket.receive_nothing(timeout=0.2)
        await ann_socket.disconnect()
        await bea_socket.disconnect()

    run(body)


def test_nothing_is_published_for_a_write_rolled_back(two_tenants):
    second, sms2, bea = two_tenants["second"]
    cookie = session_cookie(bea)

    def rolled_back():
        with transaction.atomic():
            ingest(second, sms2, "+33612345678", "hello")
            transaction.set_rollback(True)

    async def body():
        bea_socket = socket(cookie)
        await bea_socket.connect()
        await database_sync_to_async(rolled_back)()  # the event must not leave
        assert await bea_socket.receive_nothing(timeout=0.2)
        await bea_socket.disconnect()

    run(body)


def test_assignment_and_status_changes_are_published(two_tenants, django_capture_on_commit_callbacks):
    first, sms, ann = two_tenants["first"]
    ticket = ingest(first, sms, "+33612345678", "hi").ticket
    cookie = session_cookie(ann)

    async def body():
        ann_socket = socket(cookie)
        await ann_socket.connect()
        await _in_transaction(
            django_capture_on_commit_callbacks,
            lambda: ticket_update(ticket=ticket, assignee=ann, assignee_set=True, status="pending"),
        )
        event = await ann_socket.receive_json_from(timeout=2)
        assert event == {
            "type": "ticket.updated",
            "ticket": ticket.pk,
            "contact": ticket.contact_id,
            "status": "pending",
            "assignee": ann.pk,
        }
        await ann_socket.disconnect()

    run(body)


def test_presence_on_a_ticket_reaches_the_other_agents_on_it(make_staff, two_tenants):
    first, sms, ann = two_tenants["first"]
    cat = make_staff(first, "cat")
    ticket = ingest(first, sms, "+33612345678", "hi").ticket
    ann_cookie, cat_cookie = session_cookie(ann), session_cookie(cat)

    async def body():
        ann_socket, cat_socket = socket(ann_cookie), socket(cat_cookie)
        await ann_socket.connect()
        await cat_socket.connect()
        await ann_socket.send_json_to({"type": "watch", "ticket": ticket.pk})
        assert await ann_socket.receive_json_from(timeout=2) == {"type": "watching", "ticket": ticket.pk}
        await cat_socket.send_json_to({"type": "watch", "ticket": ticket.pk})
        assert await cat_socket.receive_json_from(timeout=2) == {"type": "watching", "ticket": ticket.pk}
        seen_by_ann = await ann_socket.receive_json_from(timeout=2)
        assert (seen_by_ann["user"], seen_by_ann["state"]) == (cat.pk, "viewing")
        seen_by_cat = await cat_socket.receive_json_from(timeout=2)  # ann answers: already here
        assert (seen_by_cat["user"], seen_by_cat["state"], seen_by_cat["answer"]) == (ann.pk, "viewing", True)
        await cat_socket.send_json_to({"type": "presence", "state": "typing"})
        typing = await ann_socket.receive_json_from(timeout=2)
        assert (typing["name"], typing["state"], typing["ticket"]) == ("cat", "typing", ticket.pk)
        await cat_socket.disconnect()
        left = await ann_socket.receive_json_from(timeout=2)
        assert (left["user"], left["state"]) == (cat.pk, "left")
        await ann_socket.disconnect()

    run(body)


def test_watching_another_tenants_ticket_joins_nothing(two_tenants):
    (_, _, ann), (second, sms2, bea) = two_tenants["first"], two_tenants["second"]
    foreign = ingest(second, sms2, "+33612345678", "hi").ticket
    ann_cookie, bea_cookie = session_cookie(ann), session_cookie(bea)

    async def body():
        ann_socket, bea_socket = socket(ann_cookie), socket(bea_cookie)
        await ann_socket.connect()
        await bea_socket.connect()
        await bea_socket.send_json_to({"type": "watch", "ticket": foreign.pk})
        assert (await bea_socket.receive_json_from(timeout=2))["type"] == "watching"
        await ann_socket.send_json_to({"type": "watch", "ticket": foreign.pk})
        await ann_socket.send_json_to({"type": "presence", "state": "typing"})
        await ann_socket.send_json_to(["not", "an", "object"])
        assert await bea_socket.receive_nothing(timeout=0.2)  # ann is not on bea's ticket
        assert await ann_socket.receive_nothing(timeout=0.2)  # nor told bea is
        await ann_socket.disconnect()
        await bea_socket.disconnect()

    run(body)


def test_a_mention_reaches_only_the_mentioned_agent(make_staff, two_tenants, django_capture_on_commit_callbacks):
    first, sms, ann = two_tenants["first"]
    cat = make_staff(first, "cat")
    ticket = ingest(first, sms, "+33612345678", "hi").ticket
    ann_cookie, cat_cookie = session_cookie(ann), session_cookie(cat)

    async def body():
        ann_socket, cat_socket = socket(ann_cookie), socket(cat_cookie)
        await ann_socket.connect()
        await cat_socket.connect()
        note = await _in_transaction(
            django_capture_on_commit_callbacks,
            lambda: note_create(tenant=first, ticket=ticket, text="@cat can you call?", author="ann", author_user=ann),
        )
        created = {"type": "note.created", "ticket": ticket.pk, "note": note.pk}
        assert await ann_socket.receive_json_from(timeout=2) == created
        received = [await cat_socket.receive_json_from(timeout=2) for _ in range(2)]
        assert {"type": "mention", "by": "ann", "ticket": ticket.pk, "note": note.pk} in received
        assert await ann_socket.receive_nothing(timeout=0.2)
        await ann_socket.disconnect()
        await cat_socket.disconnect()

    run(body)


def test_an_unreachable_channel_layer_does_not_fail_the_write(settings, api, channels, caplog):
    """The message is stored and answered; the lost notification is logged."""
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    from tests.crm.helpers import inbound

    response = inbound(api, channels["sms"], "+33612345678", "hello")
    assert response.status_code == 201
    assert "live event not published" in caplog.text
