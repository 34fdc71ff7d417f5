"""Dashboard pages: login, tenant scoping, the agent context, replies under the policy, French."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import Message, Ticket
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def test_root_leads_to_the_inbox(staff_client):
    response = staff_client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:inbox")


@pytest.mark.parametrize(
    "name", ["dashboard:inbox", "dashboard:contacts", "dashboard:journeys", "dashboard:comparison"]
)
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_user_without_membership_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(username="nobody", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("dashboard:inbox")).status_code == 403


def test_inbox_lists_the_tenants_tickets_only(staff_client, conversation, other_tenant):
    response = staff_client.get(reverse("dashboard:inbox"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "My order 4411 is late" in body
    assert "Secret of the other tenant" not in body
    assert [t.pk for t in response.context["page"].object_list] == [conversation.pk]


def test_inbox_filters_by_status(staff_client, conversation):
    from crm.services.tickets import ticket_update

    ticket_update(ticket=conversation, status="closed")
    assert list(staff_client.get(reverse("dashboard:inbox")).context["page"].object_list) == []
    closed = staff_client.get(reverse("dashboard:inbox"), {"status": "closed"}).context["page"].object_list
    assert [t.pk for t in closed] == [conversation.pk]


def test_inbox_cost_does_not_grow_with_tickets(staff_client, tenant, channels, django_assert_max_num_queries):
    from tests.dashboards.conftest import ingest

    for i in range(30):
        ingest(tenant, channels["sms"], f"+3361234{i:04d}", f"hello {i}")
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("dashboard:inbox"))
    assert len(response.context["page"].object_list) == 25


def test_another_tenants_ticket_and_contact_are_404(staff_client, other_tenant):
    foreign = Ticket.objects.get(tenant=other_tenant)
    assert staff_client.get(reverse("dashboard:ticket", args=[foreign.pk])).status_code == 404
    assert staff_client.get(reverse("dashboard:contact", args=[foreign.contact_id])).status_code == 404
    response = staff_client.post(reverse("dashboard:ticket", args=[foreign.pk]), {"text": "hi"})
    assert response.status_code == 404
    assert not Message.objects.filter(ticket=foreign, direction="outbound").exists()


def test_ticket_page_shows_the_context_under_the_policy(staff_client, conversation):
    response = staff_client.get(reverse("dashboard:ticket", args=[conversation.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "My order 4411 is late" in body and "any news?" in body  # omnichannel: one ticket, both messages


def test_multichannel_ticket_page_hides_the_other_channel(staff_client, tenant, conversation):
    tenant.mode = "multichannel"
    tenant.save()
    from tests.dashboards.conftest import ingest

    sms_ticket = ingest(
        tenant, conversation.channel.__class__.objects.get(tenant=tenant, kind="sms"), "+33612345678", "still waiting"
    ).ticket
    assert sms_ticket.pk != conversation.pk
    body = staff_client.get(reverse("dashboard:ticket", args=[sms_ticket.pk])).content.decode()
    assert "still waiting" in body and "My order 4411 is late" not in body


def test_reply_queues_a_message_and_shows_it(staff_client, conversation, channels, django_capture_on_commit_callbacks):
    url = reverse("dashboard:ticket", args=[conversation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"text": "It ships today.", "channel": channels["sms"].pk})
    assert response.status_code == 302
    reply = Message.objects.get(ticket=conversation, direction="outbound")
    assert (reply.channel_id, reply.text, reply.author) == (channels["sms"].pk, "It ships today.", "staff:agent")
    assert "It ships today." in staff_client.get(url).content.decode()


def test_reply_on_a_refused_channel_shows_the_policy_error_and_writes_nothing(
    staff_client, tenant, conversation, channels
):
    tenant.mode = "multichannel"
    tenant.save()
    url = reverse("dashboard:ticket", args=[conversation.pk])
    allowed = [c.pk for c in staff_client.get(url).context["form"].fields["channel"].queryset.none()] or [
        int(v) for v, _ in staff_client.get(url).context["form"].fields["channel"].choices if v
    ]
    assert allowed == [conversation.channel_id]  # the form offers only the ticket's channel
    response = staff_client.post(url, {"text": "Via SMS", "channel": channels["sms"].pk})
    assert response.status_code == 400
    assert "multichannel policy" in response.content.decode()
    assert not Message.objects.filter(direction="outbound").exists()
    conversation.refresh_from_db()
    assert conversation.first_response_at is None


def test_reply_without_text_is_refused(staff_client, conversation):
    response = staff_client.post(reverse("dashboard:ticket", args=[conversation.pk]), {"text": ""})
    assert response.status_code == 400
    assert not Message.objects.filter(direction="outbound").exists()


def test_status_change_goes_through_the_ticket_rules(staff_client, conversation):
    url = reverse("dashboard:ticket-status", args=[conversation.pk])
    staff_client.post(url, {"status": "resolved"})
    conversation.refresh_from_db()
    assert conversation.status == "resolved" and conversation.resolved_at is not None
    staff_client.post(url, {"status": "pending"})  # resolved -> pending is not allowed
    conversation.refresh_from_db()
    assert conversation.status == "resolved"


def test_customer_360_shows_identities_tickets_and_timeline(staff_client, conversation):
    response = staff_client.get(reverse("dashboard:contact", args=[conversation.contact_id]))
    body = response.content.decode()
    assert "alice@example.com" in body and "+33612345678" in body
    assert "My order 4411 is late" in body and f"#{conversation.pk}" in body


def test_contact_search_by_identity(staff_client, conversation, other_tenant):
    found = staff_client.get(reverse("dashboard:contacts"), {"q": "33612"}).context["page"].object_list
    assert [c.pk for c in found] == [conversation.contact_id]
    assert list(staff_client.get(reverse("dashboard:contacts"), {"q": "bob@other"}).context["page"].object_list) == []


def test_tenant_switcher_only_offers_own_tenants(client, tenant, make_staff, other_tenant):
    user = make_staff(tenant)
    second = TenantFactory(name="Second shop")
    from crm.models import Membership

    Membership.objects.create(tenant=second, user=user, role="agent")
    client.force_login(user)
    assert client.post(reverse("dashboard:tenant-switch"), {"tenant": other_tenant.pk}).status_code == 404
    client.post(reverse("dashboard:tenant-switch"), {"tenant": second.pk})
    assert client.get(reverse("dashboard:inbox")).context["tenant"] == second


def test_french_rendering(staff_client, conversation):
    response = staff_client.get(reverse("dashboard:inbox"), HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert "Boîte de réception" in body and "Inbox" not in body


def test_comparison_page_shows_the_three_policies_side_by_side(staff_client, tenant, conversation):
    """The email-then-SMS story: multichannel opens two tickets where omnichannel opens one."""
    from insights.views.report import POLICIES

    response = staff_client.get(reverse("dashboard:comparison"))
    assert response.status_code == 200
    replay = {row.key: [cell.value for cell in row.cells] for row in response.context["replay"]}
    assert len(POLICIES) == 3
    assert replay["episodes"] == [1, 1, 1]
    assert replay["threads"] == [2, 2, 1]
    assert replay["context_losses"] == [1, 0, 0]
    body = response.content.decode()
    assert 'id="replay"' in body and 'id="observed"' in body


def test_comparison_page_shows_intervals_of_observed_figures(staff_client, conversation, channels):
    from crm.services.messages import ticket_reply

    ticket_reply(tenant=conversation.tenant, ticket=conversation, text="On its way", channel=channels["sms"])
    response = staff_client.get(reverse("dashboard:comparison"))
    observed = {row.key: row.cells for row in response.context["observed"].rows}
    first_response = observed["first_response_seconds_median"][0]
    assert first_response.n == 1 and first_response.value is not None
    assert response.context["observed"].columns == ["Omnichannel"]


def test_comparison_period_is_validated(staff_client, conversation):
    response = staff_client.get(reverse("dashboard:comparison"), {"start": "not a date"})
    assert response.status_code == 200  # an invalid date falls back to the last 30 days
    assert response.context["form"].errors["start"]


def test_comparison_page_shows_experiment_cohorts(staff_client, tenant, channels):
    from datetime import timedelta

    from django.utils import timezone

    from crm.services.tenants import tenant_update
    from tests.dashboards.conftest import ingest

    tenant_update(
        tenant=tenant, changes={"experiment": {"holdout_percent": 50}}, by="test", at=timezone.now() - timedelta(days=1)
    )
    for i in range(6):
        ingest(tenant, channels["sms"], f"+3361111{i:04d}", "hello")
    response = staff_client.get(reverse("dashboard:comparison"))
    experiment = response.context["experiment"]
    assert experiment is not None and len(experiment.columns) == 3  # holdout, treatment, difference
    assert "Difference" in experiment.columns[2]
    assert 'id="experiment"' in response.content.decode()


@pytest.mark.parametrize("history", [5, 60])
def test_ticket_and_customer_pages_cost_the_same_whatever_the_history(
    staff_client, tenant, conversation, channels, history, django_assert_max_num_queries
):
    from tests.dashboards.conftest import ingest

    for i in range(history):
        ingest(tenant, channels["email"], "alice@example.com", f"message {i}")
    # 15, plus the notes, marking the agent's mentions on the ticket read, their unread mentions,
    # the messages' attachments, the reply channels' templates, the widget's presence note
    with django_assert_max_num_queries(21):
        assert staff_client.get(reverse("dashboard:ticket", args=[conversation.pk])).status_code == 200
    # 12, plus: possible duplicates, the channels for consents, journeys, offers, attachments,
    # unread mentions, the widget's presence note
    with django_assert_max_num_queries(19):
        assert staff_client.get(reverse("dashboard:contact", args=[conversation.contact_id])).status_code == 200


def test_bad_filter_values_fall_back_to_the_default_inbox(staff_client, conversation):
    response = staff_client.get(reverse("dashboard:inbox"), {"channel": "abc", "status": "nope", "page": "x"})
    assert response.status_code == 200
    assert [t.pk for t in response.context["page"].object_list] == [conversation.pk]


def test_assign_to_me_and_the_mine_filter(staff_client, staff, tenant, conversation, channels):
    from tests.dashboards.conftest import ingest

    other = ingest(tenant, channels["webchat"], "visitor-42", "hello from the site").ticket
    inbox = reverse("dashboard:inbox")
    staff_client.post(reverse("dashboard:ticket-assign", args=[conversation.pk]), {"assignee": "me"})
    conversation.refresh_from_db()
    assert conversation.assignee == staff
    mine = staff_client.get(inbox, {"assignee": "me"}).context["page"].object_list
    unassigned = staff_client.get(inbox, {"assignee": "none"}).context["page"].object_list
    assert [t.pk for t in mine] == [conversation.pk] and [t.pk for t in unassigned] == [other.pk]
    staff_client.post(reverse("dashboard:ticket-assign", args=[conversation.pk]), {"assignee": ""})
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_a_superuser_outside_the_tenant_cannot_be_assigned(client, django_user_model, conversation):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    client.post(reverse("dashboard:ticket-assign", args=[conversation.pk]), {"assignee": "me"})
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_times_are_shown_in_the_tenants_time_zone(staff_client, tenant, channels):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from crm.services.messages import InboundMessage, message_ingest

    tenant.timezone = "Europe/Paris"
    tenant.save()
    at = datetime(2026, 7, 14, 8, 30, tzinfo=ZoneInfo("UTC"))  # 10:30 in Paris (summer time)
    message = message_ingest(
        tenant=tenant,
        inbound=InboundMessage(channel=channels["sms"], from_address="+33612345678", text="hi", occurred_at=at),
    ).message
    body = staff_client.get(reverse("dashboard:ticket", args=[message.ticket_id])).content.decode()
    assert "10:30" in body and 'datetime="2026-07-14T10:30:00+02:00"' in body
