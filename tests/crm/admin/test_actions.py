"""Admin actions and forms that carry business rules go through the services."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import ApiKey, Channel, Contact, ContactMerge, Identity, Message, ModeChange, Tenant, Ticket
from crm.services.contacts import contact_create
from crm.services.messages import InboundMessage, message_ingest

from .conftest import tenant_form

pytestmark = pytest.mark.django_db


def run_action(client, model, action, ids):
    return client.post(
        reverse(f"admin:crm_{model}_changelist"),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(i) for i in ids]},
    )


def test_merge_selected_contacts_keeps_the_oldest(staff_of, tenant_a):
    tenant, rows = tenant_a
    oldest = rows["contact"]
    other = contact_create(tenant=tenant, name="", identities=[{"kind": "phone", "address": "+33611111111"}])
    message_ingest(
        tenant=tenant, inbound=InboundMessage(channel=rows["channel"], from_address="alpha2@example.com", text="x")
    )
    third = Contact.objects.get(tenant=tenant, identities__address="alpha2@example.com")
    client = staff_of(tenant)
    run_action(client, "contact", "merge_selected", [third.pk, other.pk, oldest.pk])
    assert list(Contact.objects.filter(tenant=tenant)) == [oldest]
    assert set(Identity.objects.filter(contact=oldest).values_list("address", flat=True)) == {
        "alpha@example.com",
        "+33611111111",
        "alpha2@example.com",
    }
    assert Message.objects.filter(tenant=tenant).exclude(contact=oldest).count() == 0
    assert ContactMerge.objects.filter(kept=oldest).count() == 2
    assert ContactMerge.objects.first().merged_by == "staff:agent-shop-a"


def test_merge_refuses_contacts_of_two_tenants(client, django_user_model, tenant_a, tenant_b):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    run_action(client, "contact", "merge_selected", [tenant_a[1]["contact"].pk, tenant_b[1]["contact"].pk])
    assert Contact.objects.count() == 2 and not ContactMerge.objects.exists()


def test_merge_cannot_reach_another_tenants_contact(staff_of, tenant_a, tenant_b):
    client = staff_of(tenant_a[0])
    run_action(client, "contact", "merge_selected", [tenant_a[1]["contact"].pk, tenant_b[1]["contact"].pk])
    assert Contact.objects.count() == 2 and not ContactMerge.objects.exists()


def test_an_agent_cannot_erase(staff_of, tenant_a):
    tenant, rows = tenant_a
    response = run_action(staff_of(tenant, role="agent"), "contact", "erase_selected", [rows["contact"].pk])
    assert response.status_code in (200, 302)
    contact = Contact.objects.get(pk=rows["contact"].pk)
    assert contact.erased_at is None and contact.name == "alpha customer"


def test_erase_removes_personal_data_and_keeps_counts(staff_of, tenant_a):
    tenant, rows = tenant_a
    client = staff_of(tenant, role="manager")
    run_action(client, "contact", "erase_selected", [rows["contact"].pk])
    contact = Contact.objects.get(pk=rows["contact"].pk)
    assert contact.erased_at is not None and contact.name == ""
    assert not Identity.objects.filter(contact=contact).exists()
    assert Message.objects.get(pk=rows["message"].pk).text == "[erased]"


def test_close_and_resolve_actions_use_the_ticket_rules(staff_of, tenant_a, tenant_b):
    tenant, rows = tenant_a
    client = staff_of(tenant)
    run_action(client, "ticket", "resolve_selected", [rows["ticket"].pk, tenant_b[1]["ticket"].pk])
    ticket = Ticket.objects.get(pk=rows["ticket"].pk)
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    assert Ticket.objects.get(pk=tenant_b[1]["ticket"].pk).status == "open"  # not in the staff member's queryset
    run_action(client, "ticket", "close_selected", [ticket.pk])
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"
    response = run_action(client, "ticket", "resolve_selected", [ticket.pk])  # closed -> resolved is refused
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"
    assert any("Not allowed" in str(m) for m in get_messages(response.wsgi_request))


def test_api_key_admin_shows_the_key_once_and_stores_only_its_hash(staff_of, tenant_a):
    tenant, _rows = tenant_a
    client = staff_of(tenant, role="admin")
    response = client.post(reverse("admin:crm_apikey_add"), {"role": "manager", "label": "shop till"}, follow=True)
    notes = [str(m) for m in response.context["messages"]]
    raw = next(n.rsplit(": ", 1)[1] for n in notes if "API key" in n)
    key = ApiKey.objects.get(label="shop till")
    assert key.tenant == tenant and key.role == "manager"
    assert key.key_hash == ApiKey.hash(raw) and raw not in key.key_hash and key.prefix == raw[:12]
    change = client.get(reverse("admin:crm_apikey_change", args=[key.pk])).content.decode()
    assert raw not in change and key.key_hash not in change
    add_form = client.get(reverse("admin:crm_apikey_add")).context["adminform"].form
    assert set(add_form.fields) == {"role", "label"}  # no hash, no prefix, tenant set automatically
    # the API accepts the key
    api = client.get("/api/v1/tenant/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.status_code == 200


def test_channel_credentials_are_write_only(staff_of, tenant_a):
    tenant, rows = tenant_a
    channel = rows["channel"]
    client = staff_of(tenant, role="admin")
    url = reverse("admin:crm_channel_change", args=[channel.pk])
    page = client.get(url).content.decode()
    assert "alpha-s3cr3t" not in page and "api_key" in page  # names only
    form = {"kind": "email", "name": "renamed", "provider": "console", "address": "", "enabled": "on"}
    assert client.post(url, {**form, "new_credentials": ""}).status_code == 302
    assert Channel.objects.get(pk=channel.pk).credentials == {"api_key": "alpha-s3cr3t"}
    assert client.post(url, {**form, "new_credentials": '{"api_key": "rotated"}'}).status_code == 302
    assert Channel.objects.get(pk=channel.pk).credentials == {"api_key": "rotated"}
    bad = client.post(url, {**form, "new_credentials": "[1, 2]"})
    assert bad.status_code == 200 and Channel.objects.get(pk=channel.pk).credentials == {"api_key": "rotated"}


def test_provider_that_cannot_serve_the_kind_is_refused(staff_of, tenant_a):
    client = staff_of(tenant_a[0], role="admin")
    response = client.post(
        reverse("admin:crm_channel_add"), {"kind": "email", "name": "bad", "provider": "twilio", "enabled": "on"}
    )
    assert response.status_code == 200 and not Channel.objects.filter(name="bad").exists()


def test_mode_change_in_admin_is_recorded(staff_of, tenant_a):
    tenant, _rows = tenant_a
    client = staff_of(tenant, role="admin")
    before = ModeChange.objects.filter(tenant=tenant).count()
    data = tenant_form(tenant, mode="crosschannel", fallback_order='["sms", "email"]', experiment_holdout_percent="20")
    response = client.post(reverse("admin:crm_tenant_change", args=[tenant.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    tenant = Tenant.objects.get(pk=tenant.pk)
    assert tenant.mode == "crosschannel" and tenant.experiment_holdout_percent == 20
    change = ModeChange.objects.filter(tenant=tenant).order_by("pk").last()
    assert ModeChange.objects.filter(tenant=tenant).count() == before + 1
    assert (change.mode, change.changed_by, change.experiment["holdout_percent"]) == (
        "crosschannel",
        "staff:admin-shop-a",
        20,
    )


def test_agent_cannot_change_the_mode(staff_of, tenant_a):
    tenant, _rows = tenant_a
    client = staff_of(tenant, role="agent")
    response = client.post(reverse("admin:crm_tenant_change", args=[tenant.pk]), {"mode": "multichannel"})
    assert response.status_code == 403
    assert Tenant.objects.get(pk=tenant.pk).mode == tenant.mode


def test_consent_set_in_admin_is_recorded_as_an_event(staff_of, tenant_a):
    from crm.models import Consent, Event

    tenant, rows = tenant_a
    client = staff_of(tenant)
    response = client.post(
        reverse("admin:crm_consent_add"), {"contact": rows["contact"].pk, "channel_kind": "sms", "status": "opted_out"}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(contact=rows["contact"], channel_kind="sms")
    assert (consent.tenant, consent.status, consent.source) == (tenant, "opted_out", "admin")
    assert Event.objects.filter(contact=rows["contact"], name="consent.opted_out", channel_kind="sms").count() == 1
    change = reverse("admin:crm_consent_change", args=[consent.pk])
    assert client.post(change, {"status": "opted_in"}).status_code == 302
    assert Consent.objects.get(pk=consent.pk).status == "opted_in"
    assert Event.objects.filter(contact=rows["contact"], name="consent.opted_in").count() == 1
    again = client.post(
        reverse("admin:crm_consent_add"), {"contact": rows["contact"].pk, "channel_kind": "sms", "status": "opted_out"}
    )
    assert again.status_code == 200  # one consent per contact and channel kind: a form error
    assert Consent.objects.filter(contact=rows["contact"]).count() == 1


def test_event_added_in_admin_goes_through_the_event_service(staff_of, tenant_a, tenant_b):
    from crm.models import Event

    tenant, rows = tenant_a
    client = staff_of(tenant)
    url = reverse("admin:crm_event_add")
    data = {
        "contact": rows["contact"].pk,
        "name": "store.visit",
        "channel": "",
        "properties": '{"shop": "Lyon"}',
        "occurred_at_0": "2026-11-20",
        "occurred_at_1": "10:00:00",
    }
    assert client.post(url, data).status_code == 302
    event = Event.objects.get(name="store.visit")
    assert (event.tenant, event.contact_id, event.properties) == (tenant, rows["contact"].pk, {"shop": "Lyon"})
    foreign = client.post(url, {**data, "name": "x", "channel": tenant_b[1]["channel"].pk})
    assert foreign.status_code == 200 and not Event.objects.filter(name="x").exists()
    assert client.post(reverse("admin:crm_event_change", args=[event.pk]), {**data, "name": "y"}).status_code == 403


def test_contact_added_with_inline_identities_gets_the_tenant_and_normalised_addresses(staff_of, tenant_a):
    tenant, _rows = tenant_a
    client = staff_of(tenant)
    data = {
        "name": "Zoé",
        "attributes": "{}",
        "timezone": "",
        "identities-TOTAL_FORMS": "2",
        "identities-INITIAL_FORMS": "0",
        "identities-0-kind": "email",
        "identities-0-address": " Zoe@Example.FR ",
        "identities-1-kind": "phone",
        "identities-1-address": "06 12 00 00 01",
        "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:crm_contact_add"), data)
    assert response.status_code == 302
    contact = Contact.objects.get(name="Zoé")
    assert contact.tenant == tenant
    assert sorted(contact.identities.values_list("tenant_id", "address")) == [
        (tenant.pk, "+33612000001"),
        (tenant.pk, "zoe@example.fr"),
    ]
    taken = {**data, "name": "Copy", "identities-TOTAL_FORMS": "1", "identities-0-address": "zoe@example.fr"}
    assert client.post(reverse("admin:crm_contact_add"), taken).status_code == 200  # identity already taken
    assert not Contact.objects.filter(name="Copy").exists()


def test_channel_form_checks_the_providers_credentials(staff_of, tenant_a):
    client = staff_of(tenant_a[0], role="admin")
    form = {"kind": "webchat", "name": "chat", "provider": "webhook", "enabled": "on"}
    refused = client.post(reverse("admin:crm_channel_add"), {**form, "new_credentials": ""})
    assert refused.status_code == 200 and not Channel.objects.filter(name="chat").exists()
    assert refused.context["adminform"].form.errors["new_credentials"] == ["'secret' is required by webhook"]
    accepted = client.post(reverse("admin:crm_channel_add"), {**form, "new_credentials": '{"secret": "s3cr3t"}'})
    assert accepted.status_code == 302
    assert Channel.objects.get(name="chat").credentials == {"secret": "s3cr3t"}


def test_channel_form_offers_the_registered_providers(staff_of, tenant_a):
    client = staff_of(tenant_a[0], role="admin")
    field = client.get(reverse("admin:crm_channel_add")).context["adminform"].form.fields["provider"]
    keys = [key for key, _label in field.choices]
    assert {"console", "webhook", "twilio", "meta", "smtp", "sendgrid", "brevo", "mailjet"} <= set(keys)
    refused = client.post(reverse("admin:crm_channel_add"), {"kind": "sms", "name": "x", "provider": "pigeon"})
    assert "provider" in refused.context["adminform"].form.errors
