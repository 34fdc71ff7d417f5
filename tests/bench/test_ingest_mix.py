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
    make = _mix(channels, known_contacts=50, hot_contacts=5)

    statuses = [
        api.post("/api/v1/messages/inbound/", json.loads(make(i)), format="json").status_code for i in range(60)
    ]

    assert statuses == [201] * 60


def test_a_phone_writing_on_sms_and_whatsapp_is_one_contact(api, channels):
    make = _mix(channels, known_contacts=1, hot_contacts=1, new_share=0)
    bodies = [json.loads(make(i)) for i in range(40)]
    phone_channels = {channels["sms"].pk, channels["whatsapp"].pk}
    contacts = {
        api.post("/api/v1/messages/inbound/", b, format="json").json()["contact"]
        for b in bodies
        if b["channel"] in phone_channels
    }

    assert len(contacts) == 1


def test_known_senders_of_the_mix_are_the_seeded_contacts(api, tenant, channels):
    from bench.ingest import _seed_contacts
    from crm.models import Contact

    _seed_contacts(tenant, 5)
    make = _mix(channels, known_contacts=5, hot_contacts=5, new_share=0)

    replies = [api.post("/api/v1/messages/inbound/", json.loads(make(i)), format="json") for i in range(30)]

    assert {r.status_code for r in replies} == {201}
    assert Contact.objects.filter(tenant=tenant).count() == 5


def test_new_senders_of_the_mix_are_new_contacts(api, tenant, channels):
    from bench.ingest import _seed_contacts
    from crm.models import Contact

    _seed_contacts(tenant, 5)
    make = _mix(channels, known_contacts=5, hot_contacts=5, hot_share=0, new_share=1)

    for i in range(10):
        assert api.post("/api/v1/messages/inbound/", json.loads(make(i)), format="json").status_code == 201

    assert Contact.objects.filter(tenant=tenant).count() > 5
