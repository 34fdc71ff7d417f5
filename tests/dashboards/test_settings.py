"""The managers' settings page: the policy switch with its confirmation and history, general
settings through proper widgets, channels with their providers' credential fields, API keys."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import ApiKey, AuditEntry, Channel, ModeChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, tenant, make_staff):
    client.force_login(make_staff(tenant, username="boss", role="manager"))
    return client


def test_agents_see_no_settings(staff_client, tenant, make_staff, client):
    inbox = staff_client.get(reverse("dashboard:inbox")).content.decode()
    assert reverse("dashboard:settings") not in inbox
    assert staff_client.get(reverse("dashboard:settings")).status_code == 403
    assert staff_client.post(reverse("dashboard:settings-mode"), {"mode": "multichannel"}).status_code == 403


def test_a_manager_switches_the_policy_after_reading_what_changes(manager_client, tenant):
    assert reverse("dashboard:settings") in manager_client.get(reverse("dashboard:inbox")).content.decode()
    review = manager_client.post(reverse("dashboard:settings-mode"), {"mode": "multichannel", "holdout_percent": "20"})
    assert review.status_code == 200
    text = review.content.decode()
    assert "Each channel is its own silo" in text and "20 % of customers" in text
    tenant.refresh_from_db()
    assert tenant.mode == "omnichannel"  # nothing changed before the confirmation
    done = manager_client.post(
        reverse("dashboard:settings-mode"), {"mode": "multichannel", "holdout_percent": "20", "confirmed": "True"}
    )
    assert done.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.mode, tenant.experiment_holdout_percent) == ("multichannel", 20)
    change = ModeChange.objects.get(tenant=tenant)
    assert change.changed_by == "staff:boss"
    page = manager_client.get(reverse("dashboard:settings")).content.decode()
    assert "holdout 20 %" in page and "staff:boss" in page


def test_general_settings_through_widgets(manager_client, tenant):
    data = {
        "name": "Shop",
        "language": "en",
        "timezone": "Europe/Paris",
        "default_region": "FR",
        "episode_gap_hours": "48",
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
        "frequency_cap_max_sends": "3",
        "frequency_cap_days": "7",
        "fallback_sms": "2",
        "fallback_email": "1",
        "offer_email": ["sms", "webchat"],
    }
    assert manager_client.post(reverse("dashboard:settings"), data).status_code == 302
    tenant.refresh_from_db()
    assert tenant.fallback_order == ["email", "sms"]
    assert tenant.offer_links == {"email": ["sms", "webchat"]}
    assert (tenant.language, tenant.episode_gap_hours, tenant.frequency_cap_max_sends) == ("en", 48, 3)
    bad = manager_client.post(reverse("dashboard:settings"), {**data, "fallback_sms": "1", "quiet_hours_end": ""})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "same fallback position" in body and "both ends of the quiet hours" in body
    tenant.refresh_from_db()
    assert tenant.fallback_order == ["email", "sms"]  # nothing changed


def test_a_channel_form_names_the_providers_credentials(manager_client, tenant):
    form = manager_client.get(reverse("dashboard:settings-channel-new"), {"provider": "twilio"})
    body = form.content.decode()
    assert 'name="credential_auth_token"' in body and 'name="credential_account_sid"' in body
    missing = manager_client.post(
        reverse("dashboard:settings-channel-new"), {"provider": "twilio", "name": "SMS", "kind": "sms", "enabled": "on"}
    )
    assert missing.status_code == 400 and not Channel.objects.filter(tenant=tenant, name="SMS").exists()
    created = manager_client.post(
        reverse("dashboard:settings-channel-new"),
        {"provider": "twilio", "name": "SMS", "kind": "sms", "enabled": "on", "credential_auth_token": "t0k"},
    )
    assert created.status_code == 302
    channel = Channel.objects.get(tenant=tenant, name="SMS")
    assert channel.credentials == {"auth_token": "t0k"}
    # editing without retyping the secret keeps it; the page shows the webhook URL, never the secret
    page = manager_client.get(reverse("dashboard:settings-channel", args=[channel.pk])).content.decode()
    assert channel.webhook_token in page and "t0k" not in page
    manager_client.post(
        reverse("dashboard:settings-channel", args=[channel.pk]),
        {"provider": "twilio", "name": "SMS main", "kind": "sms", "enabled": "on", "credential_account_sid": "AC1"},
    )
    channel.refresh_from_db()
    assert channel.name == "SMS main" and channel.credentials == {"auth_token": "t0k", "account_sid": "AC1"}
    manager_client.post(reverse("dashboard:settings-channel-toggle", args=[channel.pk]))
    channel.refresh_from_db()
    assert channel.enabled is False


def test_api_keys_are_shown_once_and_revoked(manager_client, tenant):
    created = manager_client.post(reverse("dashboard:settings-key-create"), {"label": "shop", "role": "agent"})
    key = ApiKey.objects.get(tenant=tenant, label="shop")
    assert key.prefix in created.content.decode() and created["Cache-Control"] == "no-store"
    again = manager_client.get(reverse("dashboard:settings")).content.decode()
    assert 'id="new-key"' not in again
    refused = manager_client.post(reverse("dashboard:settings-key-create"), {"label": "root", "role": "admin"})
    assert refused.status_code == 400 and not ApiKey.objects.filter(label="root").exists()  # not above one's role
    manager_client.post(reverse("dashboard:settings-key-revoke", args=[key.pk]))
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEntry.objects.filter(tenant=tenant, action="api_key.revoke").exists()


def test_another_tenants_channel_is_404(manager_client, other_tenant):
    foreign = Channel.objects.get(tenant=other_tenant)
    assert manager_client.get(reverse("dashboard:settings-channel", args=[foreign.pk])).status_code == 404
    assert manager_client.post(reverse("dashboard:settings-channel-toggle", args=[foreign.pk])).status_code == 404


def test_in_the_admin_a_manager_switches_the_mode_and_manages_keys_up_to_their_role(manager_client, tenant):
    page = manager_client.get(reverse("admin:crm_tenant_change", args=[tenant.pk]))
    assert page.status_code == 200 and 'name="mode"' in page.content.decode()  # editable, not read-only
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None}
    data.update({"mode": "crosschannel", "fallback_order": '["sms", "email"]', "offer_links": "{}"})
    data.update({"mode_changes-TOTAL_FORMS": "0", "mode_changes-INITIAL_FORMS": "0"})
    response = manager_client.post(reverse("admin:crm_tenant_change", args=[tenant.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    tenant.refresh_from_db()
    assert tenant.mode == "crosschannel"
    assert manager_client.get(reverse("admin:crm_apikey_changelist")).status_code == 200
    refused = manager_client.post(reverse("admin:crm_apikey_add"), {"role": "admin", "label": "x"})
    assert refused.status_code == 200 and not ApiKey.objects.filter(label="x").exists()
    assert manager_client.post(reverse("admin:crm_apikey_add"), {"role": "manager", "label": "y"}).status_code == 302
