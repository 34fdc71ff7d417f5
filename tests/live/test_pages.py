"""The ticket page's notes, mentions and canned responses, as the agents' browser uses them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import NoteMention, TicketNote
from crm.services.canned import canned_create
from crm.services.notes import note_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(tenant, make_staff):
    return make_staff(tenant, "cat")


def test_a_note_from_the_page_is_in_the_timeline_marked_internal(staff_client, staff, conversation, cat):
    url = reverse("dashboard:ticket-notes", args=[conversation.pk])
    response = staff_client.post(url, {"text": "@cat please call her back"})
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    note = TicketNote.objects.get(ticket=conversation)
    assert (note.author, note.author_user_id) == ("agent", staff.pk)
    assert list(NoteMention.objects.filter(note=note).values_list("user_id", flat=True)) == [cat.pk]
    page = staff_client.get(reverse("dashboard:ticket", args=[conversation.pk])).content.decode()
    assert 'class="entry note"' in page and "please call her back" in page and "not sent to the customer" in page


def test_an_empty_note_is_refused_and_writes_nothing(staff_client, conversation):
    staff_client.post(reverse("dashboard:ticket-notes", args=[conversation.pk]), {"text": "  "})
    assert not TicketNote.objects.exists()


def test_opening_the_ticket_reads_the_agents_mentions(client, tenant, staff, conversation, cat):
    note_create(tenant=tenant, ticket=conversation, text="@cat look", author="agent", author_user=staff)
    client.force_login(cat)
    mentions = client.get(reverse("dashboard:mentions")).content.decode()
    assert f"#{conversation.pk}" in mentions and "look" in mentions
    assert 'id="mentions-count">1<' in client.get(reverse("dashboard:inbox")).content.decode()
    client.get(reverse("dashboard:ticket", args=[conversation.pk]))
    assert not NoteMention.objects.filter(user=cat, read_at=None).exists()
    assert 'id="mentions-count">0<' in client.get(reverse("dashboard:inbox")).content.decode()


def test_canned_suggestions_are_filled_in_and_prefer_the_contacts_language(staff_client, tenant, conversation):
    conversation.contact.attributes = {"language": "fr"}
    conversation.contact.save()
    canned_create(tenant=tenant, shortcut="hello", title="Hello", text="Hello {{ contact.name }}")
    canned_create(tenant=tenant, shortcut="hello", title="Bonjour", text="Bonjour {{ contact.name }}", language="fr")
    canned_create(tenant=tenant, shortcut="bye", title="Bye", text="Bye, {{ agent.name }} (#{{ ticket.id }})")
    canned_create(tenant=tenant, shortcut="hola", title="Hola", text="Hola", language="en")
    url = reverse("dashboard:ticket-canned", args=[conversation.pk])
    results = staff_client.get(url, {"q": "h"}).json()["results"]
    assert [(r["shortcut"], r["text"]) for r in results] == [("hello", "Bonjour Alice Martin")]
    bye = staff_client.get(url, {"q": "by"}).json()["results"]
    assert [r["text"] for r in bye] == [f"Bye, agent (#{conversation.pk})"]


def test_another_tenants_ticket_gives_no_canned_response_nor_note(staff_client, other_tenant):
    from crm.models import Ticket

    foreign = Ticket.objects.get(tenant=other_tenant)
    assert staff_client.get(reverse("dashboard:ticket-canned", args=[foreign.pk])).status_code == 404
    assert staff_client.post(reverse("dashboard:ticket-notes", args=[foreign.pk]), {"text": "x"}).status_code == 404
    assert not TicketNote.objects.exists()


def test_the_pages_carry_their_live_regions(staff_client, conversation):
    inbox = staff_client.get(reverse("dashboard:inbox")).content.decode()
    assert 'id="inbox-list" data-live-region' in inbox and f'data-ticket="{conversation.pk}"' in inbox
    assert "live/live.js" in inbox and "live/keyboard.js" in inbox
    contact = staff_client.get(reverse("dashboard:contact", args=[conversation.contact_id])).content.decode()
    assert 'id="contact-timeline" data-live-region' in contact and 'data-live-page="contact"' in contact
