"""``GET /search/``: a number in national format, an e-mail address, words in both languages;
never another tenant's rows."""

import pytest

from crm.services.contacts import contact_create
from tests.crm.helpers import inbound
from tests.factories import ChannelFactory, TenantFactory


@pytest.fixture
def world(tenant, api, channels):
    contact_create(
        tenant=tenant,
        name="Camille Dupont",
        identities=[{"kind": "email", "address": "camille@example.fr"}, {"kind": "phone", "address": "+33612345678"}],
    )
    inbound(api, channels["sms"], "+33612345678", "Ma commande 4411 est en retard, où en est la livraison ?")
    inbound(
        api,
        channels["email"],
        "jo@example.com",
        "My parcel was delivered to the wrong address",
        subject="Wrong delivery",
    )
    other = TenantFactory()
    theirs = ChannelFactory(tenant=other, kind="sms")
    contact_create(tenant=other, name="Camille Autre", identities=[{"kind": "phone", "address": "+33612345678"}])
    from crm.services.messages import InboundMessage, message_ingest

    message_ingest(tenant=other, inbound=InboundMessage(channel=theirs, from_address="+33612345678", text="livraison"))
    return other


def search(api, q, **params):
    response = api.get("/api/v1/search/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def names(found):
    return [c["name"] for c in found["contacts"]]


def test_a_number_in_the_tenant_region_national_format(api, world):
    found = search(api, "06 12 34 56 78")
    assert names(found) == ["Camille Dupont"]
    assert [m["text"][:14] for m in found["messages"]] == ["Ma commande 44"]
    assert len(found["tickets"]) == 1


def test_an_email_address_whatever_its_case(api, world):
    assert names(search(api, "Camille@Example.FR")) == ["Camille Dupont"]


def test_a_name_and_a_word_of_a_message(api, world):
    assert names(search(api, "dupont")) == ["Camille Dupont"]
    found = search(api, "livraison")
    assert [m["text"][:11] for m in found["messages"]] == ["Ma commande"]
    assert "<mark>" in found["messages"][0]["highlight"].lower()


def test_a_word_of_a_subject_finds_the_ticket(api, world):
    found = search(api, "delivery")
    assert [t["subject"] for t in found["tickets"]] == ["Wrong delivery"]


@pytest.mark.postgres
def test_french_and_english_stemming(api, world):
    assert [m["text"][:11] for m in search(api, "livraisons")["messages"]] == ["Ma commande"]
    assert [m["text"][:9] for m in search(api, "deliveries")["messages"]] == ["My parcel"]
    assert names(search(api, "Camile Dupond")) == ["Camille Dupont"]  # trigrams forgive a typo


def test_the_tenant_sees_only_its_own(api, world, make_api):
    assert "Camille Autre" not in names(search(api, "camille"))
    theirs = search(make_api(world, "agent"), "livraison")
    assert len(theirs["messages"]) == 1 and theirs["messages"][0]["text"] == "livraison"


def test_highlights_are_escaped(api, channels):
    inbound(api, channels["sms"], "+33698765432", "<script>alert(1)</script> colis perdu")
    hit = search(api, "colis")["messages"][0]["highlight"]
    assert "<script>" not in hit and "<mark>colis</mark>" in hit  # escaped (SQLite) or left out (ts_headline)


def test_pages_and_bounds(api, channels):
    for i in range(5):
        inbound(api, channels["sms"], f"+3369876540{i}", f"remboursement numéro {i}")
    first = search(api, "remboursement", page_size=2)
    assert len(first["messages"]) == 2 and first["more"]["messages"]
    last = search(api, "remboursement", page_size=2, page=3)
    assert len(last["messages"]) == 1 and not last["more"]["messages"]
    assert api.get("/api/v1/search/", {"q": "x" * 201}).status_code == 400
    assert api.get("/api/v1/search/", {"q": "a", "page_size": 51}).status_code == 400
    assert search(api, "a") == {
        "contacts": [],
        "tickets": [],
        "messages": [],
        "page": 1,
        "more": {"contacts": False, "tickets": False, "messages": False},
    }
