"""The channels admin (kept webhook payloads, delivery history) is scoped like the CRM admin."""

from channels_app.models import PayloadState, WebhookPayload


def keep_payload(tenant, channel, text):
    return WebhookPayload.objects.create(
        tenant=tenant,
        channel=channel,
        provider="webhook",
        state=PayloadState.REJECTED,
        error="bad",
        path="/webhooks/x/",
        body_b64=__import__("base64").b64encode(text.encode()).decode(),
    )


def test_manager_sees_only_own_tenants_payloads(tenant_a, tenant_b, staff_of):
    (a, seed_a), (b, seed_b) = tenant_a, tenant_b
    mine = keep_payload(a, seed_a["channel"], "alpha body")
    theirs = keep_payload(b, seed_b["channel"], "beta body")
    client = staff_of(a, "manager")
    page = client.get("/admin/channels_app/webhookpayload/")
    assert page.status_code == 200
    assert [p.pk for p in page.context["cl"].result_list] == [mine.pk]
    assert client.get(f"/admin/channels_app/webhookpayload/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/channels_app/webhookpayload/{theirs.pk}/change/").status_code == 302
    # a replay request naming another tenant's payload leaves it untouched
    client.post("/admin/channels_app/webhookpayload/", {"action": "replay", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.state == PayloadState.REJECTED


def test_agents_do_not_see_kept_payloads(tenant_a, staff_of):
    a, seed_a = tenant_a
    keep_payload(a, seed_a["channel"], "alpha body")
    client = staff_of(a, "agent")
    assert client.get("/admin/channels_app/webhookpayload/").status_code == 403
