"""Bad input: a clear 4xx naming the problem, and nothing written."""

import pytest
from django.test import override_settings

from crm.models import Contact, Identity, Message, Ticket


def counts():
    return Contact.objects.count(), Identity.objects.count(), Message.objects.count(), Ticket.objects.count()


def post_raw(api, url, body, content_type="application/json"):
    return api.generic("POST", url, body, content_type=content_type)


@pytest.mark.parametrize(
    "body,field",
    [
        ({"from": "+33612345678", "text": "hi"}, "channel"),
        ({"channel": 999999, "from": "+33612345678", "text": "hi"}, "channel"),
        ({"channel": 10**25, "from": "+33612345678", "text": "hi"}, "channel"),  # beyond a bigint
        ({"channel": -1, "from": "+33612345678", "text": "hi"}, "channel"),
        ({"channel": "abc", "from": "+33612345678", "text": "hi"}, "channel"),
        ("SMS", "from"),  # missing sender (placeholder replaced below)
        ("SMS+invalid-phone", "from"),
        ("EMAIL+invalid-email", "from"),
        ({"channel": None, "from": "+33612345678"}, "channel"),
    ],
)
def test_inbound_invalid_fields_are_400_and_write_nothing(tenant, api, channels, body, field):
    if body == "SMS":
        body = {"channel": channels["sms"].pk, "text": "hi"}
    elif body == "SMS+invalid-phone":
        body = {"channel": channels["sms"].pk, "from": "12", "text": "hi"}
    elif body == "EMAIL+invalid-email":
        body = {"channel": channels["email"].pk, "from": "not-an-address", "text": "hi"}
    before = counts()
    resp = api.post("/api/v1/messages/inbound/", body, format="json")
    assert resp.status_code == 400, resp.json()
    assert field in resp.json()["errors"], resp.json()
    assert counts() == before


def test_an_inbound_sender_with_a_possible_but_not_valid_number_is_stored_in_e164(tenant, api, channels):
    body = {"channel": channels["sms"].pk, "from": "+33 7 00 00 00 01", "text": "hi"}
    response = api.post("/api/v1/messages/inbound/", body, format="json")
    assert response.status_code == 201, response.json()
    assert Identity.objects.get(contact=response.json()["contact"]).address == "+33700000001"
    contact = api.post(
        "/api/v1/contacts/", {"identities": [{"kind": "phone", "address": "07 00 00 00 02"}]}, format="json"
    )
    assert contact.status_code == 201 and contact.json()["identities"][0]["address"] == "+33700000002"


def test_malformed_json_is_400(tenant, api, channels):
    before = counts()
    resp = post_raw(api, "/api/v1/messages/inbound/", '{"channel": 1, "from": ')
    assert resp.status_code == 400
    assert "JSON" in resp.json()["detail"]
    assert counts() == before


def test_wrong_media_type_is_415(tenant, api, channels):
    before = counts()
    resp = post_raw(api, "/api/v1/messages/inbound/", "channel=1&from=x", "application/x-www-form-urlencoded")
    assert resp.status_code == 415
    assert counts() == before


@override_settings(MAX_REQUEST_BODY_BYTES=2048, ATTACHMENTS_MAX_REQUEST_BYTES=2048)
def test_oversized_body_is_413(tenant, api, channels):
    before = counts()
    resp = api.post(
        "/api/v1/messages/inbound/",
        {"channel": channels["sms"].pk, "from": "+33612345678", "text": "x" * 5000},
        format="json",
    )
    assert resp.status_code == 413
    assert counts() == before


def test_unknown_identity_kind_is_400(tenant, api):
    before = counts()
    resp = api.post(
        "/api/v1/contacts/", {"name": "A", "identities": [{"kind": "fax", "address": "123"}]}, format="json"
    )
    assert resp.status_code == 400
    assert "identities" in resp.json()["errors"]
    assert counts() == before


@pytest.mark.parametrize(
    "identity,field",
    [
        ({"kind": "email", "address": "nope"}, "identities[0]"),
        ({"kind": "phone", "address": "+33 1"}, "identities[0]"),
        ({"kind": "social", "address": "no-platform"}, "identities[0]"),
    ],
)
def test_invalid_identity_addresses_are_400(tenant, api, identity, field):
    before = counts()
    resp = api.post("/api/v1/contacts/", {"name": "A", "identities": [identity]}, format="json")
    assert resp.status_code == 400
    assert field in resp.json()["errors"]
    assert counts() == before


def test_contact_with_identity_of_another_contact_is_409_and_writes_nothing(tenant, api):
    first = api.post(
        "/api/v1/contacts/", {"name": "A", "identities": [{"kind": "email", "address": "a@x.fr"}]}, format="json"
    )
    assert first.status_code == 201
    before = counts()
    resp = api.post(
        "/api/v1/contacts/",
        {
            "name": "B",
            "identities": [{"kind": "phone", "address": "+33612345678"}, {"kind": "email", "address": "A@X.FR"}],
        },
        format="json",
    )
    assert resp.status_code == 409
    assert counts() == before


def test_invalid_ticket_status_transition_is_400(tenant, api, channels):
    from tests.crm.helpers import inbound

    ticket = inbound(api, channels["sms"], "+33612345678", "hi").json()["ticket"]
    assert api.patch(f"/api/v1/tickets/{ticket}/", {"status": "closed"}, format="json").status_code == 200
    resp = api.patch(f"/api/v1/tickets/{ticket}/", {"status": "pending"}, format="json")
    assert resp.status_code == 400 and "status" in resp.json()["errors"]
    assert Ticket.objects.get(pk=ticket).status == "closed"


def test_empty_reply_is_400(tenant, api, channels):
    from tests.crm.helpers import inbound

    ticket = inbound(api, channels["sms"], "+33612345678", "hi").json()["ticket"]
    before = counts()
    assert api.post(f"/api/v1/tickets/{ticket}/reply/", {"text": ""}, format="json").status_code == 400
    assert counts() == before


def test_throttled_key_gets_429(tenant, api, settings):
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "3/min"}}
    cache.clear()
    codes = [api.get("/api/v1/tenant/").status_code for _ in range(4)]
    cache.clear()
    assert codes == [200, 200, 200, 429]


def test_the_throttle_window_resets_and_says_when(tenant, api, settings, monkeypatch):
    from django.core.cache import cache

    from crm.api import throttling

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "2/min"}}
    cache.clear()
    clock = [600.0 * 60 + 15]  # 15 s into a minute
    monkeypatch.setattr(throttling.time, "time", lambda: clock[0])
    codes = [api.get("/api/v1/tenant/").status_code for _ in range(3)]
    refused = api.get("/api/v1/tenant/")
    assert codes == [200, 200, 429] and refused.status_code == 429
    assert refused["Retry-After"] == "45"
    clock[0] += 45  # the next minute
    assert api.get("/api/v1/tenant/").status_code == 200
    cache.clear()


@pytest.mark.parametrize("rate", ["ten/min", "10/fortnight", "10"])
def test_a_misconfigured_throttle_rate_is_an_error_that_names_it(rate):
    from django.core.exceptions import ImproperlyConfigured

    from crm.api.throttling import parse_rate

    with pytest.raises(ImproperlyConfigured, match="Invalid throttle rate"):
        parse_rate(rate)


@pytest.mark.parametrize(
    "rate,expected", [("6000/min", (6000, 60)), ("5/s", (5, 1)), ("100/hour", (100, 3600)), ("1/day", (1, 86400))]
)
def test_throttle_rates_read_as_drf_reads_them(rate, expected):
    from rest_framework.throttling import SimpleRateThrottle

    from crm.api.throttling import parse_rate

    assert parse_rate(rate) == expected == SimpleRateThrottle.parse_rate(None, rate)
