"""Deletes from the admin, from an object's delete page or the "delete selected" action, go
through the entity's delete service, as from the API: the one place a deletion happens."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from crm.admin.contacts import ContactAdmin
from crm.models import Contact
from crm.services.contacts import contact_create, contact_delete
from journeys.admin import JourneyAdmin
from journeys.models import Journey
from journeys.services.journeys import journey_delete

pytestmark = pytest.mark.django_db


def recorded(monkeypatch, admin_class, service) -> list:
    """The (tenant id, entity id) of each call of ``service`` the admin makes."""
    calls = []

    def delete(*, tenant, by, **entity):
        (obj,) = entity.values()
        calls.append((tenant.pk, obj.pk))
        service(tenant=tenant, **entity, by=by)

    monkeypatch.setattr(admin_class, "delete_service", delete)
    return calls


def _contact(tenant, phone: str) -> Contact:
    """A contact with an identity and no conversation (whose rows a manager may not delete)."""
    return contact_create(tenant=tenant, identities=[{"kind": "phone", "address": phone}])


def test_a_contact_deleted_from_its_page_goes_through_contact_delete(monkeypatch, staff_of, tenant_a):
    tenant, _ = tenant_a
    contact = _contact(tenant, "+33611111111")
    calls = recorded(monkeypatch, ContactAdmin, contact_delete)
    client = staff_of(tenant, role="manager")
    page = reverse("admin:crm_contact_delete", args=[contact.pk])
    assert client.post(page, {"post": "yes"}).status_code == 302
    assert calls == [(tenant.pk, contact.pk)]
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_delete_selected_deletes_each_contact_through_contact_delete(monkeypatch, staff_of, tenant_a):
    tenant, rows = tenant_a
    one, other = _contact(tenant, "+33611111111"), _contact(tenant, "+33622222222")
    calls = recorded(monkeypatch, ContactAdmin, contact_delete)
    client = staff_of(tenant, role="manager")
    client.post(
        reverse("admin:crm_contact_changelist"),
        {"action": "delete_selected", "post": "yes", helpers.ACTION_CHECKBOX_NAME: [one.pk, other.pk]},
    )
    assert sorted(calls) == [(tenant.pk, one.pk), (tenant.pk, other.pk)]
    assert list(Contact.objects.filter(tenant=tenant)) == [rows["contact"]]


def test_a_journey_deleted_from_its_page_goes_through_journey_delete(monkeypatch, staff_of, tenant_a):
    tenant, _ = tenant_a
    journey = Journey.objects.create(tenant=tenant, name="Welcome", trigger_event="signup", steps=[])
    calls = recorded(monkeypatch, JourneyAdmin, journey_delete)
    client = staff_of(tenant, role="manager")
    assert client.post(reverse("admin:journeys_journey_delete", args=[journey.pk]), {"post": "yes"}).status_code == 302
    assert calls == [(tenant.pk, journey.pk)]
    assert not Journey.objects.filter(pk=journey.pk).exists()
