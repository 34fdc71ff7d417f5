"""The header's search box and availability toggle; the inbox's SLA column and urgency order."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from crm.models import Membership, SlaPolicy, Ticket, TicketSla
from tests.dashboards.conftest import ingest

ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_the_header_search_leads_to_results(staff_client, conversation, other_tenant):
    inbox = staff_client.get(reverse("dashboard:inbox")).content.decode()
    assert 'action="/dashboard/search/"' in inbox.replace(reverse("dashboard:search"), "/dashboard/search/")
    page = staff_client.get(reverse("dashboard:search"), {"q": "06 12 34 56 78"})
    assert page.status_code == 200 and "Alice Martin" in page.content.decode()
    words = staff_client.get(reverse("dashboard:search"), {"q": "order"}).content.decode()
    assert "<mark>" in words.lower() and "Secret of the other tenant" not in words
    assert staff_client.get(reverse("dashboard:search"), {"q": "x" * 300}).status_code == 400


def test_availability_toggle_sets_ones_own(staff_client, staff, tenant):
    inbox = staff_client.get(reverse("dashboard:inbox")).content.decode()
    assert 'name="availability" value="away"' in inbox
    response = staff_client.post(reverse("dashboard:availability"), {"availability": "away", "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert Membership.objects.get(tenant=tenant, user=staff).availability == "away"
    assert 'name="availability" value="online"' in staff_client.get(reverse("dashboard:inbox")).content.decode()
    staff_client.post(reverse("dashboard:availability"), {"availability": "asleep", "next": "https://evil.example/"})
    assert Membership.objects.get(tenant=tenant, user=staff).availability == "away"


def test_inbox_shows_sla_and_sorts_by_urgency(staff_client, tenant, channels):
    policy = SlaPolicy.objects.create(tenant=tenant, name="p", first_response_minutes=60, business_hours=ALWAYS)
    tenant.sla_policy = policy
    tenant.save()
    now = timezone.now()
    late = ingest(tenant, channels["sms"], "+33611111111", "late one").ticket
    soon = ingest(tenant, channels["email"], "soon@example.com", "soon one").ticket
    TicketSla.objects.filter(ticket=late).update(
        first_response_due=now - timedelta(hours=1), due_at=now - timedelta(hours=1)
    )
    Ticket.objects.filter(pk=late.pk).update(last_message_at=now - timedelta(days=1))
    page = staff_client.get(reverse("dashboard:inbox"), {"order": "urgency"})
    tickets = [t.pk for t in page.context["page"].object_list]
    assert tickets[:2] == [late.pk, soon.pk]
    html = page.content.decode()
    assert "sla-breached" in html and "overdue by" in html and "due in" in html
    newest_first = [t.pk for t in staff_client.get(reverse("dashboard:inbox")).context["page"].object_list]
    assert newest_first[0] == soon.pk
