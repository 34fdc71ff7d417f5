"""The list selectors' filters (crm.filters, django-filter): each narrows as named, an empty
value filters nothing, and a value the filter refuses is a 400 naming the field."""

from __future__ import annotations

import pytest

from crm.errors import ApplicationError
from crm.models import Ticket
from crm.selectors.contacts import contact_list
from crm.selectors.tenants import channel_list
from crm.selectors.tickets import ticket_list
from crm.services.contacts import contact_create
from crm.services.tickets import ticket_update
from tests.dashboards.conftest import ingest
from tests.factories import ChannelFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(tenant, channels, django_user_model):
    """Three customers' tickets: an open e-mail one, a pending SMS one assigned to an agent, a
    closed SMS one."""
    agent = django_user_model.objects.create_user(username="agent")
    mail = ingest(tenant, channels["email"], "ann@example.com", "hello").ticket
    pending = ingest(tenant, channels["sms"], "+33611111111", "hi").ticket
    closed = ingest(tenant, channels["sms"], "+33622222222", "bye").ticket
    ticket_update(ticket=pending, status="pending", assignee=agent, assignee_set=True)
    ticket_update(ticket=closed, status="closed")
    return {"mail": mail, "pending": pending, "closed": closed, "agent": agent}


def ids(tenant, **filters) -> set[int]:
    return {t.pk for t in ticket_list(tenant=tenant, filters=filters)}


def test_each_ticket_filter_narrows(tenant, channels, tickets):
    mail, pending, closed = tickets["mail"], tickets["pending"], tickets["closed"]
    assert ids(tenant) == {mail.pk, pending.pk, closed.pk}
    assert ids(tenant, contact=pending.contact_id) == {pending.pk}
    assert ids(tenant, channel=channels["sms"].pk) == {pending.pk, closed.pk}
    assert ids(tenant, status="closed") == {closed.pk}
    assert ids(tenant, status="active") == {mail.pk, pending.pk}
    assert ids(tenant, assignee=tickets["agent"].pk) == {pending.pk}
    assert ids(tenant, assignee=str(tickets["agent"].pk)) == {pending.pk}
    assert ids(tenant, assignee="none") == {mail.pk, closed.pk}
    assert ids(tenant, mode="omnichannel") == {mail.pk, pending.pk, closed.pk}
    assert ids(tenant, mode="multichannel") == set()
    assert ids(tenant, channel=channels["sms"].pk, status="active") == {pending.pk}


def test_empty_ticket_filters_filter_nothing(tenant, tickets):
    every = set(Ticket.objects.filter(tenant=tenant).values_list("pk", flat=True))
    assert ids(tenant, contact=None, channel="", status="", mode=None, assignee="") == every


@pytest.mark.parametrize(
    "field, value",
    [("contact", "abc"), ("channel", "1.5"), ("status", "bogus"), ("assignee", "nobody")],
)
def test_a_refused_ticket_filter_is_a_400_naming_the_field(tenant, tickets, field, value):
    with pytest.raises(ApplicationError) as raised:
        ticket_list(tenant=tenant, filters={field: value})
    assert raised.value.status_code == 400 and field in raised.value.extra


def test_ticket_filters_never_cross_tenants(tenant, tickets):
    other = TenantFactory()
    other_ticket = ingest(other, ChannelFactory(tenant=other, kind="sms"), "+33633333333", "x").ticket
    assert ids(tenant, contact=other_ticket.contact_id) == set()
    assert ids(other, channel=other_ticket.channel_id) == {other_ticket.pk}


def test_contact_filters(tenant):
    tenant.default_region = "FR"
    tenant.save()
    ann = contact_create(tenant=tenant, name="Ann Lee", identities=[{"kind": "phone", "address": "+33612345678"}])
    bob = contact_create(tenant=tenant, name="Bob Stone", identities=[{"kind": "email", "address": "bob@example.com"}])

    def names(**filters):
        return [c.name for c in contact_list(tenant=tenant, filters=filters)]

    assert names() == ["Bob Stone", "Ann Lee"]  # newest first
    assert names(identity="phone:06 12 34 56 78") == ["Ann Lee"]  # normalised in the tenant's region
    assert names(identity="email:BOB@example.com") == ["Bob Stone"]
    assert names(search="ston") == ["Bob Stone"]
    assert names(search="ann", identity="email:bob@example.com") == []
    assert names(identity="", search=None) == ["Bob Stone", "Ann Lee"]
    assert ann.pk != bob.pk


def test_a_malformed_identity_filter_is_a_400(tenant):
    with pytest.raises(ApplicationError) as raised:
        contact_list(tenant=tenant, filters={"identity": "no-colon"})
    assert "identity" in raised.value.extra


def test_channel_kind_filter(tenant, channels):
    assert [c.kind for c in channel_list(tenant=tenant, filters={"kind": "sms"})] == ["sms"]
    assert len(channel_list(tenant=tenant, filters={"kind": ""})) == len(channels)
    assert list(channel_list(tenant=tenant, filters={"kind": "fax"})) == []
