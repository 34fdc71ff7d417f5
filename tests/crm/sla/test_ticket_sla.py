"""Every ticket shows its due times under the tenant's SLA policy, recomputed as it changes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from crm.models import SlaPolicy, Ticket, TicketSla
from crm.services.messages import InboundMessage, message_ingest, ticket_reply
from crm.services.tickets import ticket_update
from tests.factories import TenantFactory

ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def policy(tenant):
    policy = SlaPolicy.objects.create(
        tenant=tenant,
        name="Standard",
        first_response_minutes=60,
        next_response_minutes=30,
        resolution_minutes=480,
        business_hours=ALWAYS,
    )
    tenant.sla_policy = policy
    tenant.save()
    return policy


def ingest(tenant, channel, at, text="hello"):
    inbound = InboundMessage(channel=channel, from_address="+33612345678", text=text, occurred_at=at)
    return Ticket.objects.get(pk=message_ingest(tenant=tenant, inbound=inbound).message.ticket_id)


def sla(api, ticket):
    return api.get(f"/api/v1/tickets/{ticket.pk}/").json()["sla"]


def test_a_ticket_without_policy_shows_null(tenant, api, channels):
    ticket = ingest(tenant, channels["sms"], timezone.now())
    assert sla(api, ticket) is None and not TicketSla.objects.exists()


def test_due_times_follow_the_ticket(tenant, api, channels, policy, settings):
    settings.INBOUND_CLOCK_SKEW_SECONDS = 4 * 3600  # the story's later messages are dated ahead of now
    T0 = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    ticket = ingest(tenant, channels["sms"], T0)
    shown = sla(api, ticket)
    assert shown["first_response_due"] == iso(T0 + timedelta(hours=1))
    assert shown["resolution_due"] == iso(T0 + timedelta(hours=8)) and shown["next_response_due"] is None
    assert TicketSla.objects.get(ticket=ticket).due_at == T0 + timedelta(hours=1)

    ticket_reply(tenant=tenant, ticket=ticket, text="on it", at=T0 + timedelta(minutes=20))
    ingest(tenant, channels["sms"], T0 + timedelta(minutes=40), "any news?")
    ingest(tenant, channels["sms"], T0 + timedelta(minutes=50), "hello??")  # the first unanswered one counts
    shown = sla(api, ticket)
    assert shown["next_response_due"] == iso(T0 + timedelta(minutes=70)) and shown["breached"] == []
    assert TicketSla.objects.get(ticket=ticket).due_at == T0 + timedelta(minutes=70)

    ticket_reply(tenant=tenant, ticket=Ticket.objects.get(pk=ticket.pk), text="found it", at=T0 + timedelta(hours=2))
    shown = sla(api, ticket)
    assert shown["next_response_due"] is None and shown["breached"] == ["next_response"]

    ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), status="resolved", at=T0 + timedelta(hours=3))
    assert sla(api, ticket)["breached"] == ["next_response"]
    assert TicketSla.objects.get(ticket=ticket).due_at is None


def test_overdue_targets_are_breached_as_they_are_read(tenant, api, channels, policy):
    ticket = ingest(tenant, channels["sms"], datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    assert sla(api, ticket)["breached"] == ["first_response", "resolution"]
    ticket_reply(tenant=tenant, ticket=ticket, text="sorry", at=datetime(2026, 1, 6, tzinfo=UTC))
    late = TicketSla.objects.get(ticket=ticket)
    assert late.breached == ["first_response"]


def test_a_policy_with_business_hours_uses_the_tenant_time_zone(tenant, api, channels, policy):
    policy.business_hours = {"mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]]}
    policy.save()
    ticket = ingest(tenant, channels["sms"], datetime(2026, 6, 1, 15, 30, tzinfo=UTC))  # 17:30 in Paris
    assert sla(api, ticket)["first_response_due"] == "2026-06-02T07:30:00Z"  # Tuesday 09:30 in Paris


def test_sla_policy_crud_and_tenant_setting(tenant, manager_api, api):
    body = {
        "name": "Gold",
        "first_response_minutes": 30,
        "business_hours": {"mon": [["09:00", "18:00"]]},
        "holidays": ["2026-12-25"],
    }
    created = manager_api.post("/api/v1/sla-policies/", body, format="json")
    assert created.status_code == 201, created.content
    policy = created.json()
    assert policy["next_response_minutes"] is None and policy["holidays"] == ["2026-12-25"]
    assert (
        manager_api.patch("/api/v1/tenant/", {"sla_policy": policy["id"]}, format="json").json()["sla_policy"]
        == (policy["id"])
    )
    patched = manager_api.patch(f"/api/v1/sla-policies/{policy['id']}/", {"resolution_minutes": 600}, format="json")
    assert patched.json()["resolution_minutes"] == 600
    assert api.post("/api/v1/sla-policies/", body, format="json").status_code == 403
    assert manager_api.delete(f"/api/v1/sla-policies/{policy['id']}/").status_code == 204
    assert api.get("/api/v1/tenant/").json()["sla_policy"] is None


def test_bad_policies_are_refused_and_nothing_is_written(tenant, manager_api):
    bad_hours = {"name": "X", "first_response_minutes": 30, "business_hours": {"mon": [["18:00", "09:00"]]}}
    response = manager_api.post("/api/v1/sla-policies/", bad_hours, format="json")
    assert response.status_code == 400 and "business_hours" in response.json()["errors"]
    bad_day = {"name": "X", "first_response_minutes": 30, "holidays": ["Christmas"]}
    assert manager_api.post("/api/v1/sla-policies/", bad_day, format="json").status_code == 400
    assert manager_api.post("/api/v1/sla-policies/", {"name": "X"}, format="json").status_code == 400
    foreign = SlaPolicy.objects.create(tenant=TenantFactory(), name="Theirs", first_response_minutes=1)
    refused = manager_api.patch("/api/v1/tenant/", {"sla_policy": foreign.pk}, format="json")
    assert refused.status_code == 400 and "sla_policy" in refused.json()["errors"]
    assert manager_api.get(f"/api/v1/sla-policies/{foreign.pk}/").status_code == 404
    assert not SlaPolicy.objects.filter(tenant=tenant).exists()
