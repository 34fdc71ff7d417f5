"""The inbound mix the ingestion benchmark sends is accepted by the real endpoint."""

from __future__ import annotations

import json

from bench.ingest import inbound_mix


def _mix(channels, **kwargs):
    ids = {kind: channels[kind].pk for kind in ("sms", "email", "whatsapp")}
    return inbound_mix(channels=ids, prefix="t", **kwargs)


def test_mix_is_deterministic_and_every_message_has_its_own_external_id(channels):
    make = _mix(channels)
    bodies = [json.loads(make(i)) for i in range(200)]

    assert [json.loads(make(i)) for i in range(200)] == bodies
    assert len({b["external_id"] for b in bodies}) == 200
    assert {b["channel"] for b in bodies} == {channels[k].pk for k in ("sms", "email", "whatsapp")}


def test_every_body_of_the_mix_is_ingested(api, channels):
    make = _mix(channels, contacts=50, hot_contacts=5)

    statuses = [
        api.post("/api/v1/messages/inbound/", json.loads(make(i)), format="json").status_code for i in range(60)
    ]

    assert statuses == [201] * 60


def test_a_phone_writing_on_sms_and_whatsapp_is_one_contact(api, channels):
    make = _mix(channels, contacts=1, hot_contacts=1)
    bodies = [json.loads(make(i)) for i in range(40)]
    phone_channels = {channels["sms"].pk, channels["whatsapp"].pk}
    contacts = {
        api.post("/api/v1/messages/inbound/", b, format="json").json()["contact"]
        for b in bodies
        if b["channel"] in phone_channels
    }

    assert len(contacts) == 1
