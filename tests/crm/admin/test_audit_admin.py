"""Audited actions taken in the admin write one entry each, naming the staff member, their role
in the tenant and their address; the log is read there by managers and admins only."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from crm.models import ApiKey, AuditEntry, Channel
from crm.services.audit import audit_record
from crm.services.contacts import contact_create
from crm.services.tenants import api_key_create

from .conftest import tenant_form

pytestmark = pytest.mark.django_db

STAFF = "198.51.100.20"


def run_action(client, model, action, ids):
    return client.post(
        reverse(f"admin:crm_{model}_changelist"),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(i) for i in ids]},
        REMOTE_ADDR=STAFF,
    )


def new_entries(before: set, **filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.exclude(pk__in=before).filter(**filters).order_by("pk"))


def existing() -> set:
    return set(AuditEntry.objects.values_list("pk", flat=True))


def assert_by(entries, username, role):
    assert entries and all((e.actor, e.actor_role, e.address) == (f"staff:{username}", role, STAFF) for e in entries)


def test_merge_and_erase_actions_are_audited(staff_of, tenant_a):
    tenant, rows = tenant_a
    other = contact_create(tenant=tenant, name="alpha twin")
    client = staff_of(tenant, role="manager")
    before = existing()
    run_action(client, "contact", "merge_selected", [rows["contact"].pk, other.pk])
    run_action(client, "contact", "erase_selected", [rows["contact"].pk])
    entries = new_entries(before)
    assert [(e.action, e.target_id) for e in entries] == [
        ("contact.merge", rows["contact"].pk),
        ("contact.erase", rows["contact"].pk),
    ]
    assert_by(entries, "manager-shop-a", "manager")
    assert "alpha" not in entries[0].summary  # ids, not names


def test_every_deletion_through_the_admin_is_audited(staff_of, tenant_a):
    tenant, rows = tenant_a
    extra = [contact_create(tenant=tenant, name=f"alpha {i}") for i in range(2)]
    client = staff_of(tenant, role="admin")
    before = existing()
    response = run_action(client, "contact", "delete_selected", [c.pk for c in extra])
    assert response.status_code == 200  # the confirmation page
    client.post(
        reverse("admin:crm_contact_changelist"),
        {"action": "delete_selected", "post": "yes", helpers.ACTION_CHECKBOX_NAME: [c.pk for c in extra]},
        REMOTE_ADDR=STAFF,
    )
    channel = Channel.objects.create(tenant=tenant, kind="sms", name="spare", provider="console")
    client.post(reverse("admin:crm_channel_delete", args=[channel.pk]), {"post": "yes"}, REMOTE_ADDR=STAFF)
    entries = new_entries(before)
    assert sorted((e.action, e.target_id) for e in entries) == sorted(
        [("contact.delete", c.pk) for c in extra] + [("channel.delete", channel.pk)]
    )
    assert_by(entries, "admin-shop-a", "admin")
    assert not Channel.objects.filter(pk=channel.pk).exists()


def test_api_keys_created_and_revoked_in_bulk_are_audited(staff_of, tenant_a):
    tenant, _rows = tenant_a
    client = staff_of(tenant, role="admin")
    before = existing()
    client.post(reverse("admin:crm_apikey_add"), {"role": "manager", "label": "till"}, REMOTE_ADDR=STAFF)
    created = new_entries(before, action="api_key.create")
    assert len(created) == 1 and created[0].summary.endswith("role manager, label 'till'")
    other, _raw = api_key_create(tenant=tenant, label="spare")
    till = ApiKey.objects.get(label="till")
    run_action(client, "apikey", "revoke", [till.pk, other.pk])
    run_action(client, "apikey", "revoke", [till.pk])  # already revoked: nothing new
    revoked = new_entries(before, action="api_key.revoke")
    assert sorted(e.target_id for e in revoked) == sorted([till.pk, other.pk])
    assert_by(created + revoked, "admin-shop-a", "admin")
    assert ApiKey.objects.filter(pk__in=[till.pk, other.pk], revoked_at__isnull=True).count() == 0


def test_channel_credentials_changed_in_the_admin_are_audited_without_values(staff_of, tenant_a):
    tenant, rows = tenant_a
    channel = rows["channel"]
    client = staff_of(tenant, role="admin")
    url = reverse("admin:crm_channel_change", args=[channel.pk])
    form = {"kind": "email", "name": "alpha mail", "provider": "console", "address": "", "enabled": "on"}
    before = existing()
    client.post(url, {**form, "new_credentials": ""}, REMOTE_ADDR=STAFF)
    assert not new_entries(before)  # nothing changed
    response = client.post(url, {**form, "new_credentials": '{"api_key": "rotated-VALUE"}'}, REMOTE_ADDR=STAFF)
    assert response.status_code == 302
    entries = new_entries(before)
    assert [e.action for e in entries] == ["channel.credentials_change"]
    assert entries[0].summary == "credential keys now: api_key; changed: api_key"
    assert "VALUE" not in entries[0].summary and "s3cr3t" not in entries[0].summary
    assert_by(entries, "admin-shop-a", "admin")
    assert Channel.objects.get(pk=channel.pk).credentials == {"api_key": "rotated-VALUE"}


def test_a_mode_switch_in_the_admin_is_audited(staff_of, tenant_a):
    tenant, _rows = tenant_a
    client = staff_of(tenant, role="admin")
    data = tenant_form(tenant, mode="crosschannel")
    before = existing()
    assert client.post(reverse("admin:crm_tenant_change", args=[tenant.pk]), data, REMOTE_ADDR=STAFF).status_code == 302
    entries = new_entries(before)
    assert [(e.action, e.summary) for e in entries] == [("tenant.mode_change", "mode omnichannel → crosschannel")]
    assert_by(entries, "admin-shop-a", "admin")


def test_agents_do_not_see_the_audit_log(staff_of, tenant_a):
    tenant, _rows = tenant_a
    entry = audit_record(tenant=tenant, actor="demo", action="contact.erase", target=tenant_a[1]["contact"])
    client = staff_of(tenant, role="agent")
    assert client.get(reverse("admin:crm_auditentry_changelist")).status_code == 403
    assert client.get(reverse("admin:crm_auditentry_change", args=[entry.pk])).status_code == 403
    index = client.get(reverse("admin:index"))
    assert "auditentry" not in index.content.decode()


def test_managers_read_their_tenants_log_and_cannot_change_it(staff_of, tenant_a, tenant_b):
    tenant, rows = tenant_a
    mine = audit_record(tenant=tenant, actor="demo", action="contact.erase", target=rows["contact"])
    theirs = audit_record(tenant=tenant_b[0], actor="demo", action="contact.erase", target=tenant_b[1]["contact"])
    client = staff_of(tenant, role="manager")
    page = client.get(reverse("admin:crm_auditentry_changelist"))
    assert page.status_code == 200
    assert mine in page.context["cl"].result_list and theirs not in page.context["cl"].result_list
    assert client.get(reverse("admin:crm_auditentry_change", args=[theirs.pk])).status_code == 302
    assert client.get(reverse("admin:crm_auditentry_add")).status_code == 403
    change = client.post(reverse("admin:crm_auditentry_change", args=[mine.pk]), {"summary": "rewritten"})
    assert change.status_code == 403
    assert client.post(reverse("admin:crm_auditentry_delete", args=[mine.pk]), {"post": "yes"}).status_code == 403
    mine.refresh_from_db()
    assert mine.summary == ""
    with pytest.raises(ValueError, match="append-only"):
        mine.save()
