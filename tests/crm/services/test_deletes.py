"""Deletes go through services (``<entity>_delete``), the one place a deletion happens: through
the API, a tenant deletes its own rows only, and a channel still in use is refused."""

from __future__ import annotations

import pytest

from crm.errors import ConflictError, NotFoundError
from crm.models import Channel, Contact, Identity
from crm.services.contacts import contact_delete
from crm.services.tenants import channel_delete
from journeys.models import Journey
from journeys.services.journeys import journey_delete
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory, TenantFactory

from ..helpers import inbound

pytestmark = pytest.mark.django_db


def test_a_contact_is_deleted_with_its_identities_through_the_api(tenant, manager_api):
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="email", address="ana@example.com")
    assert manager_api.delete(f"/api/v1/contacts/{contact.pk}/").status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not Identity.objects.filter(address="ana@example.com").exists()


def test_a_channel_with_messages_is_refused_and_kept(tenant, api, make_api):
    sms = ChannelFactory(tenant=tenant, kind="sms")
    assert inbound(api, sms, "+33612345678", "hello").status_code == 201
    response = make_api(tenant, "admin").delete(f"/api/v1/channels/{sms.pk}/")
    assert response.status_code == 409 and "disable it" in response.json()["detail"]
    assert Channel.objects.filter(pk=sms.pk).exists()


def test_an_unused_channel_is_deleted_through_the_api(tenant, make_api):
    idle = ChannelFactory(tenant=tenant, kind="sms")
    assert make_api(tenant, "admin").delete(f"/api/v1/channels/{idle.pk}/").status_code == 204
    assert not Channel.objects.filter(pk=idle.pk).exists()


@pytest.mark.parametrize(
    ("delete", "factory", "model"),
    [
        (lambda t, o: contact_delete(tenant=t, contact=o, by="test"), lambda t: ContactFactory(tenant=t), Contact),
        (lambda t, o: channel_delete(tenant=t, channel=o, by="test"), lambda t: ChannelFactory(tenant=t), Channel),
        (
            lambda t, o: journey_delete(tenant=t, journey=o, by="test"),
            lambda t: Journey.objects.create(tenant=t, name="Welcome", trigger_event="signup", steps=[]),
            Journey,
        ),
    ],
    ids=["contact", "channel", "journey"],
)
def test_a_service_deletes_nothing_of_another_tenant(tenant, delete, factory, model):
    foreign = factory(TenantFactory())
    with pytest.raises(NotFoundError):
        delete(tenant, foreign)
    assert model.objects.filter(pk=foreign.pk).exists()


def test_channel_delete_refuses_a_channel_in_use_with_a_conflict(tenant, api):
    sms = ChannelFactory(tenant=tenant, kind="sms")
    inbound(api, sms, "+33612345678", "hello")
    with pytest.raises(ConflictError):
        channel_delete(tenant=tenant, channel=sms, by="test")
