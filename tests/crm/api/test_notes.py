"""Internal notes: between agents, never sent, never a response; mentions name staff."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from crm.models import Membership, Message, NoteMention, Ticket
from tests.crm.helpers import inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket_id(api, channels):
    return inbound(api, channels["sms"], "+33612345678", "where is my parcel?").json()["ticket"]


def _staff(tenant, username, **names):
    user = get_user_model().objects.create_user(username=username, password="x" * 12, is_staff=True, **names)
    Membership.objects.create(tenant=tenant, user=user)
    return user


def test_a_note_is_stored_listed_and_never_sent_nor_a_response(api, tenant, ticket_id):
    before = Message.objects.filter(tenant=tenant).count()
    created = api.post(f"/api/v1/tickets/{ticket_id}/notes/", {"text": "Customer is a VIP"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "text", "author", "mentions", "created_at"}
    assert (body["text"], body["mentions"]) == ("Customer is a VIP", [])
    assert body["author"].startswith("api-key:")
    assert Message.objects.filter(tenant=tenant).count() == before  # nothing delivered
    assert Ticket.objects.get(pk=ticket_id).first_response_at is None  # not a response
    listed = api.get(f"/api/v1/tickets/{ticket_id}/notes/").json()
    assert [n["id"] for n in listed["results"]] == [body["id"]]


def test_mentions_name_the_tenants_staff_by_username_or_first_name(api, tenant, ticket_id):
    alice = _staff(tenant, "alice")
    bob = _staff(tenant, "bsmith", first_name="Bob")
    outsider = get_user_model().objects.create_user(username="carol", password="x" * 12)
    text = "@alice and @Bob, see this; @carol is not staff here; mail a@b.example"
    body = api.post(f"/api/v1/tickets/{ticket_id}/notes/", {"text": text}, format="json").json()
    assert body["mentions"] == sorted([alice.pk, bob.pk])
    assert not NoteMention.objects.filter(user=outsider).exists()
    assert NoteMention.objects.filter(user=alice, read_at=None).count() == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_001])
def test_a_bad_note_is_a_400_and_writes_nothing(api, tenant, ticket_id, text):
    response = api.post(f"/api/v1/tickets/{ticket_id}/notes/", {"text": text}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()["errors"]
    assert not Ticket.objects.get(pk=ticket_id).notes.exists()


def test_another_tenants_ticket_is_a_404(api, make_api, ticket_id):
    from tests.factories import TenantFactory

    other = make_api(TenantFactory(), "agent")
    assert other.post(f"/api/v1/tickets/{ticket_id}/notes/", {"text": "x"}, format="json").status_code == 404
    assert other.get(f"/api/v1/tickets/{ticket_id}/notes/").status_code == 404


def test_notes_are_not_in_the_comparison_metrics(api, manager_api, tenant, ticket_id):
    """A note is not a message: the replayed and observed metrics read messages only."""
    window = {"start": "2020-01-01T00:00:00Z", "end": "2040-01-01T00:00:00Z"}
    baseline = manager_api.get("/api/v1/comparison/", window).json()
    api.post(f"/api/v1/tickets/{ticket_id}/notes/", {"text": "calling them back"}, format="json")
    assert manager_api.get("/api/v1/comparison/", window).json() == baseline
