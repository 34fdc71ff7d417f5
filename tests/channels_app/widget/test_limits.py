"""The public endpoints: CORS, throttling, and bad input refused with a 4xx, nothing written."""

from __future__ import annotations

import json

import pytest

from crm.models import Contact, Message

from .conftest import ORIGIN, WidgetClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def nothing_written():
    before = (Message.objects.count(), Contact.objects.count())
    yield
    assert (Message.objects.count(), Contact.objects.count()) == before


def test_an_allowed_origin_gets_cors_headers_and_a_preflight(widget_channel, visitor):
    response = visitor.say("hello")
    assert response["Access-Control-Allow-Origin"] == ORIGIN and "Origin" in response["Vary"]
    preflight = visitor.client.options(
        visitor.base + "messages",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == ORIGIN
    assert "content-type" in preflight["Access-Control-Allow-Headers"].lower()
    www = WidgetClient(widget_channel, origin="https://www.shop.example")
    assert www.start()["token"]


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://shop.example", "null", "", "https://shop.example.evil"]
)
def test_another_origin_is_refused_without_cors_headers(widget_channel, origin, nothing_written):
    other = WidgetClient(widget_channel, origin=origin)
    for name in ("session", "messages", "poll", "seen"):
        response = other.post(name, {"text": "hi", "client_id": "x"})
        assert response.status_code == 403
        assert "Access-Control-Allow-Origin" not in response
    preflight = other.client.options(other.base + "session", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 403 and "Access-Control-Allow-Origin" not in preflight


def test_sends_are_throttled_per_visitor(visitor, settings):
    settings.WIDGET_RATES = {**settings.WIDGET_RATES, "send": "3/min"}
    assert [visitor.say(f"m{i}").status_code for i in range(4)] == [201, 201, 201, 429]
    refused = visitor.say("again")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused["Access-Control-Allow-Origin"] == ORIGIN  # the widget can read why
    assert Message.objects.count() == 3


def test_sends_are_throttled_per_address(widget_channel, make_visitor, settings):
    settings.WIDGET_RATES = {**settings.WIDGET_RATES, "send_address": "4/min"}
    codes = []
    for _ in range(3):  # new visitors from one address do not escape the limit
        client = make_visitor()
        client.start()
        codes += [client.say("a").status_code, client.say("b").status_code]
    assert codes == [201, 201, 201, 201, 429, 429]
    elsewhere = make_visitor(address="198.51.100.9")
    elsewhere.start()
    assert elsewhere.say("c").status_code == 201


def test_every_request_of_an_address_is_throttled(widget_channel, settings):
    settings.WIDGET_RATES = {**settings.WIDGET_RATES, "address": "5/min"}
    client = WidgetClient(widget_channel)
    assert [client.post("session").status_code for _ in range(6)] == [200] * 5 + [429]


def test_an_oversized_body_is_413(visitor, nothing_written):
    response = visitor.post("messages", {"text": "x" * 20_000, "client_id": "big"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe",
        b"[" * 40 + b"]" * 40,
    ],
)
def test_malformed_json_is_400(visitor, body, nothing_written):
    assert visitor.post("messages", body).status_code == 400


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"text": "", "client_id": "a"}, "text"),
        ({"text": "   ", "client_id": "a"}, "text"),
        ({"text": 42, "client_id": "a"}, "text"),
        ({"text": ["hi"], "client_id": "a"}, "text"),
        ({"text": "y" * 5001, "client_id": "a"}, "text"),
        ({"text": "hi"}, "client_id"),
        ({"text": "hi", "client_id": "../../x"}, "client_id"),
        ({"text": "hi", "client_id": "a" * 65}, "client_id"),
        ({"text": "hi", "client_id": "a", "page": {"url": 1}}, "page"),
    ],
)
def test_bad_message_fields_are_400_naming_the_field(visitor, fields, field, nothing_written):
    response = visitor.post("messages", fields)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_nul_or_lone_surrogate_is_400(visitor, nothing_written):
    for text in ("a\x00b", "a\ud800b"):
        body = json.dumps({"token": visitor.token, "text": text, "client_id": "n"}).encode()
        assert visitor.post("messages", body).status_code == 400


@pytest.mark.parametrize("after", [-1, "3", 1.5, True, 2**63])
def test_a_bad_poll_cursor_is_400(visitor, after):
    assert visitor.post("poll", {"after": after}).status_code == 400


@pytest.mark.parametrize("ids", ["1", [1, "2"], [0], [True], list(range(1, 300))])
def test_bad_seen_ids_are_400(visitor, ids):
    assert visitor.post("seen", {"ids": ids}).status_code == 400


@pytest.mark.parametrize("token", [None, "", 12, ["x"], "x" * 500, "abc:def"])
def test_a_missing_or_bad_token_is_403(visitor, token, nothing_written):
    visitor.token = token
    assert visitor.say("hello").status_code == 403
    assert visitor.post("poll", {"after": 0}).status_code == 403


def test_only_post_and_options(visitor):
    assert visitor.client.get(visitor.base + "poll").status_code == 405
    assert visitor.client.put(visitor.base + "poll").status_code == 405


def test_an_unknown_channel_is_404(make_visitor, widget_channel):
    client = WidgetClient(widget_channel)
    client.base = "/webhooks/nope/widget/"
    assert client.post("session").status_code == 404


def test_an_email_too_long_or_malformed_is_ignored_not_an_error(visitor):
    visitor.identity = {"email": "a" * 300 + "@example.com", "email_hash": 5}
    response = visitor.say("hello")
    assert response.status_code == 201
    assert "claimed_email" not in Message.objects.get().metadata["widget"]
