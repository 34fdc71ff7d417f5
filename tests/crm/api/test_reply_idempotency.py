"""Replies carrying an ``Idempotency-Key``: a retried request never queues a second reply."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from crm.models import Direction, Message, ReplyIdempotencyKey
from tests.crm.helpers import inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(api, channels):
    return inbound(api, channels["sms"], "+33612345678", "Where is my parcel?").json()["ticket"]


def reply(api, ticket, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(f"/api/v1/tickets/{ticket}/reply/", {"text": "It ships today", **body}, format="json", **headers)


def outbound_count() -> int:
    return Message.objects.filter(direction=Direction.OUTBOUND).count()


def test_the_same_key_again_answers_the_reply_first_queued_and_queues_nothing(api, ticket):
    first = reply(api, ticket, "7f9c2ba4-e88f-11ee-a506-0242ac120002")
    again = reply(api, ticket, "7f9c2ba4-e88f-11ee-a506-0242ac120002")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert outbound_count() == 1


def test_the_same_key_with_another_body_or_ticket_is_422_and_changes_nothing(api, channels, ticket):
    reply(api, ticket, "key-1")
    other_ticket = inbound(api, channels["sms"], "+33699999999", "Hello").json()["ticket"]
    for answer in (reply(api, ticket, "key-1", text="Something else"), reply(api, other_ticket, "key-1")):
        assert answer.status_code == 422
        assert "Idempotency-Key" in answer.json()["errors"]
    assert outbound_count() == 1


def test_without_a_key_each_request_is_a_reply_and_keys_are_per_tenant(api, make_api, ticket):
    assert reply(api, ticket).status_code == reply(api, ticket).status_code == 202
    assert outbound_count() == 2
    reply(api, ticket, "shared-key")
    assert ReplyIdempotencyKey.objects.filter(key="shared-key").count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
def test_a_malformed_key_is_400_naming_the_header(api, ticket, key):
    answer = reply(api, ticket, key)
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["errors"]
    assert outbound_count() == 0


def test_the_schema_documents_the_header(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", stdout=out)
    assert "Idempotency-Key" in out.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_queue_one_reply(api, ticket):
    barrier, answers = threading.Barrier(2), []

    def send():
        barrier.wait()
        try:
            answers.append(reply(api, ticket, "concurrent-key"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert outbound_count() == 1
