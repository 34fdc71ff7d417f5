"""What a new user's walk through the dashboards tripped on: error pages, links across tenants,
the ticket and customer pages."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.urls import reverse

from crm.models import Membership, Ticket
from crm.services.contacts import contact_create
from crm.views.access import SESSION_KEY

from .conftest import ingest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "heading"), [("en", "Page not found"), ("fr", "Page introuvable")])
def test_a_missing_page_is_styled_and_translated(staff_client, language, heading):
    staff_client.cookies["django_language"] = language
    response = staff_client.get("/dashboard/tickets/999999/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    body = response.content.decode()
    assert heading in body and "dashboard.css" in body and "favicon.svg" in body


def test_a_link_to_a_ticket_of_the_users_other_tenant_switches_tenant(staff_client, staff, other_tenant):
    foreign = Ticket.objects.get(tenant=other_tenant)
    url = reverse("dashboard:ticket", args=[foreign.pk])
    assert staff_client.get(url).status_code == 404  # not the user's tenant: nothing of it shown
    Membership.objects.create(tenant=other_tenant, user=staff, role="agent")
    response = staff_client.get(url)
    assert response.status_code == 302 and response["Location"] == url
    assert staff_client.session[SESSION_KEY] == other_tenant.pk
    page = staff_client.get(url)
    assert page.status_code == 200 and "Secret of the other tenant" in page.content.decode()


def test_pages_link_the_favicon(staff_client, conversation):
    assert 'rel="icon"' in staff_client.get(reverse("dashboard:inbox")).content.decode()


def test_the_reply_box_names_the_default_channel_and_never_offers_the_store(staff_client, conversation, channels):
    response = staff_client.get(reverse("dashboard:ticket", args=[conversation.pk]))
    choices = dict(response.context["form"].fields["channel"].choices)
    assert choices[""] == "Default: sms main (SMS)"  # the customer's latest channel, under omnichannel
    assert channels["store"].pk not in choices and channels["email"].pk in choices


def test_authors_show_as_names(staff_client, staff, conversation, api):
    staff.first_name, staff.last_name = "Ann", "Agent"
    staff.save()
    staff_client.post(reverse("dashboard:ticket", args=[conversation.pk]), {"text": "On it"})
    api.post(f"/api/v1/tickets/{conversation.pk}/reply/", {"text": "Shipped"}, format="json")
    body = staff_client.get(reverse("dashboard:ticket", args=[conversation.pk])).content.decode()
    assert "Ann Agent" in body and "staff:agent" not in body
    assert "test agent (API)" in body and "api-key:" not in body


def test_under_multichannel_the_sms_agent_does_not_see_the_email_address(staff_client, tenant, channels):
    tenant.mode = "multichannel"
    tenant.save()
    contact_create(
        tenant=tenant,
        name="Alice Martin",
        identities=[{"kind": "email", "address": "alice@example.com"}, {"kind": "phone", "address": "+33612345678"}],
    )
    email_ticket = ingest(tenant, channels["email"], "alice@example.com", "My order 4411 is late").ticket
    sms_ticket = ingest(tenant, channels["sms"], "+33612345678", "any news?").ticket
    assert sms_ticket.pk != email_ticket.pk  # a silo per channel
    body = staff_client.get(reverse("dashboard:ticket", args=[sms_ticket.pk])).content.decode()
    assert "alice@" not in body and "+33612345678" in body
    body = staff_client.get(reverse("dashboard:ticket", args=[email_ticket.pk])).content.decode()
    assert "alice@<wbr>example" in body and "+33612345678" not in body


def test_long_addresses_wrap_after_separators_only(staff_client, conversation):
    body = staff_client.get(reverse("dashboard:ticket", args=[conversation.pk])).content.decode()
    assert "alice@<wbr>example.<wbr>com" in body


def test_customer_search_finds_a_number_in_the_regions_national_format(staff_client, conversation):
    for query in ("06 12 34 56 78", "0612345678", "+33 6 12 34 56 78"):
        page = staff_client.get(reverse("dashboard:contacts"), {"q": query}).context["page"]
        assert [c.name for c in page.object_list] == ["Alice Martin"], query


def test_customer_list_says_since_the_first_interaction_and_names_the_unnamed(staff_client, tenant, channels):
    from datetime import datetime

    from crm.services.messages import InboundMessage, message_ingest

    first = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    message_ingest(
        tenant=tenant,
        inbound=InboundMessage(channel=channels["sms"], from_address="+33699999999", text="hi", occurred_at=first),
    )
    body = staff_client.get(reverse("dashboard:contacts")).content.decode()
    assert "05/03/2024" in body  # European dates in English too
    assert "+33699999999" in body  # an unnamed customer is labelled by an address, not "#12"


def test_the_360_hints_a_duplicate_and_merges_it_after_confirmation(staff_client, tenant, conversation):
    from crm.models import Contact

    twin = contact_create(
        tenant=tenant, name="alice martin", identities=[{"kind": "email", "address": "alice@work.example"}]
    )
    alice = Contact.objects.get(tenant=tenant, name="Alice Martin")
    page = staff_client.get(reverse("dashboard:contact", args=[alice.pk]))
    assert [d.pk for d in page.context["duplicates"]] == [twin.pk]
    confirm = staff_client.get(reverse("dashboard:contact-merge", args=[alice.pk]), {"other": twin.pk})
    assert confirm.status_code == 200 and Contact.objects.filter(pk=twin.pk).exists()  # nothing merged yet
    done = staff_client.post(reverse("dashboard:contact-merge", args=[alice.pk]), {"other": twin.pk})
    assert done.status_code == 302 and not Contact.objects.filter(pk=twin.pk).exists()
    assert alice.identities.filter(address="alice@work.example").exists()


def test_erasure_from_the_360_is_for_managers_and_asks_first(client, tenant, conversation, make_staff):
    from crm.models import Contact

    alice = Contact.objects.get(tenant=tenant, name="Alice Martin")
    agent = make_staff(tenant, username="agent2")
    client.force_login(agent)
    assert client.post(reverse("dashboard:contact-erase", args=[alice.pk])).status_code == 403
    manager = make_staff(tenant, username="boss", role="manager")
    client.force_login(manager)
    assert client.get(reverse("dashboard:contact-erase", args=[alice.pk])).status_code == 200
    assert client.post(reverse("dashboard:contact-erase", args=[alice.pk])).status_code == 302
    alice.refresh_from_db()
    assert alice.erased_at is not None


def test_the_360_shows_consents_journeys_and_offers(staff_client, tenant, conversation, channels):
    from crm.models import Contact
    from crm.services.events import event_record
    from journeys.services.ready_made import journey_install

    journey_install(tenant=tenant, slug="cart-abandonment")
    alice = Contact.objects.get(tenant=tenant, name="Alice Martin")
    event_record(tenant=tenant, contact=alice, name="cart.abandoned", properties={"product": "shoes"})
    body = staff_client.get(reverse("dashboard:contact", args=[alice.pk])).content.decode()
    assert "no choice recorded" in body  # reachable by SMS and e-mail, no consent recorded
    assert "Panier abandonné" in body  # the journey she is in (installed in the tenant's French)
    assert "No offer." in body or "<code>" in body
