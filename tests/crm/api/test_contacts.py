from datetime import timedelta

from django.utils import timezone

from crm.models import ContactMerge, Event, Identity, Message, Ticket
from tests.crm.helpers import inbound


def create(api, name, *identities):
    resp = api.post(
        "/api/v1/contacts/",
        {"name": name, "identities": [{"kind": k, "address": a} for k, a in identities]},
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    return resp.json()


def test_identities_are_normalised_and_filterable(tenant, api):
    c = create(api, "Léa", ("email", "Lea@Example.COM"), ("phone", "06 12 34 56 78"), ("social", "Instagram:@Lea"))
    assert c["identities"] == [
        {"kind": "email", "address": "lea@example.com"},
        {"kind": "phone", "address": "+33612345678"},
        {"kind": "social", "address": "instagram:lea"},
    ]
    found = api.get("/api/v1/contacts/", {"identity": "phone:0612345678"}).json()["results"]
    assert [r["id"] for r in found] == [c["id"]]
    assert api.get("/api/v1/contacts/", {"identity": "phone:+33699999999"}).json()["results"] == []
    assert api.get("/api/v1/contacts/", {"identity": "nokind"}).status_code == 400


def test_consents_round_trip(tenant, api):
    c = create(api, "A", ("phone", "+33612345678"))
    resp = api.patch(f"/api/v1/contacts/{c['id']}/", {"consents": {"sms": "opted_out"}}, format="json")
    assert resp.status_code == 200 and resp.json()["consents"] == {"sms": "opted_out"}
    assert Event.objects.filter(contact_id=c["id"], name="consent.opted_out", channel_kind="sms").count() == 1


def test_merge_moves_everything_and_is_recorded(tenant, api, channels):
    a = create(api, "Camille", ("email", "c@x.fr"))
    b = create(api, "", ("phone", "+33612345678"))
    inbound(api, channels["email"], "c@x.fr", "order late")
    inbound(api, channels["sms"], "+33612345678", "any news?")
    Event.objects.create(tenant=tenant, contact_id=b["id"], name="purchase", occurred_at=timezone.now())
    resp = api.post(f"/api/v1/contacts/{a['id']}/merge/", {"other": b["id"]}, format="json")
    assert resp.status_code == 200
    assert sorted(i["kind"] for i in resp.json()["identities"]) == ["email", "phone"]
    assert api.get(f"/api/v1/contacts/{b['id']}/").status_code == 404
    assert Message.objects.filter(contact_id=a["id"]).count() == 2
    assert Ticket.objects.filter(contact_id=a["id"]).count() == 2
    assert Event.objects.filter(contact_id=a["id"], name="purchase").count() == 1
    merge = ContactMerge.objects.get(kept_id=a["id"])
    assert merge.merged_contact_id == b["id"] and merge.moved["message"] == 1
    # from now on the phone number resolves to the kept contact
    assert inbound(api, channels["sms"], "+33612345678", "hello").json()["contact"] == a["id"]


def test_merge_into_itself_is_400(tenant, api):
    a = create(api, "A", ("email", "a@x.fr"))
    assert api.post(f"/api/v1/contacts/{a['id']}/merge/", {"other": a["id"]}, format="json").status_code == 400


def test_erase_removes_personal_data_and_keeps_counts(tenant, api, manager_api, channels):
    c = create(api, "Camille", ("email", "c@x.fr"))
    inbound(api, channels["email"], "c@x.fr", "my address is 1 rue de la Paix")
    assert api.post(f"/api/v1/contacts/{c['id']}/erase/").status_code == 403
    resp = manager_api.post(f"/api/v1/contacts/{c['id']}/erase/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["name"] == "" and body["identities"] == [] and body["erased_at"]
    msg = Message.objects.get(contact_id=c["id"])
    assert "rue de la Paix" not in msg.text and msg.from_address == ""
    assert Identity.objects.filter(contact_id=c["id"]).count() == 0
    assert Message.objects.filter(tenant=tenant).count() == 1  # counts kept for metrics


def test_timeline_is_newest_first_with_channels_and_paginates(tenant, api, channels):
    c = create(api, "A", ("email", "a@x.fr"), ("phone", "+33612345678"))
    t0 = timezone.now() - timedelta(days=1)
    inbound(api, channels["email"], "a@x.fr", "first", occurred_at=t0.isoformat())
    Event.objects.create(
        tenant=tenant, contact_id=c["id"], name="purchase", channel_kind="store", occurred_at=t0 + timedelta(hours=1)
    )
    inbound(api, channels["sms"], "+33612345678", "third", occurred_at=(t0 + timedelta(hours=2)).isoformat())
    body = api.get(f"/api/v1/contacts/{c['id']}/timeline/").json()
    rows = body["results"]
    assert [(r["type"], r["channel_kind"]) for r in rows] == [
        ("message", "sms"),
        ("event", "store"),
        ("message", "email"),
    ]
    assert rows[0]["text"] == "third" and rows[1]["name"] == "purchase"
    page = api.get(f"/api/v1/contacts/{c['id']}/timeline/", {"limit": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    rest = api.get(page["next"]).json()
    assert [r["text"] for r in rest["results"]] == ["first"]


def test_lists_are_paginated(tenant, api):
    for i in range(3):
        create(api, f"C{i}", ("email", f"c{i}@x.fr"))
    page = api.get("/api/v1/contacts/", {"page_size": 2}).json()
    assert set(page) >= {"next", "previous", "results"} and len(page["results"]) == 2 and page["next"]
