"""``/api/v1/webhook-subscriptions/``: roles, tenant isolation, the SSRF guard, audited deletes,
and the delivery log in the admin."""

import pytest
from django.contrib.auth import get_user_model

from channels_app.models import EventDelivery, WebhookSubscription
from crm.models import AuditEntry, Contact, Membership
from crm.services.changes import change_publish
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db
BODY = {"url": "https://hooks.example.com/crm", "events": ["message.created"], "secret": "0123456789abcdef"}


def test_managers_manage_subscriptions_and_never_read_the_secret(manager_api, api, tenant):
    assert api.get("/api/v1/webhook-subscriptions/").status_code == 403
    assert api.post("/api/v1/webhook-subscriptions/", BODY, format="json").status_code == 403
    resp = manager_api.post("/api/v1/webhook-subscriptions/", BODY, format="json")
    assert resp.status_code == 201, resp.content
    created = resp.json()
    assert "secret" not in created and created["active"] is True and created["events"] == ["message.created"]
    url = f"/api/v1/webhook-subscriptions/{created['id']}/"
    resp = manager_api.patch(url, {"events": ["ticket.created", "ticket.updated"]}, format="json")
    assert resp.status_code == 200 and resp.json()["events"] == ["ticket.created", "ticket.updated"]
    tenant.refresh_from_db()
    assert tenant.subscribed_events == ["ticket.created", "ticket.updated"]
    listed = manager_api.get("/api/v1/webhook-subscriptions/").json()
    assert [s["id"] for s in listed["results"]] == [created["id"]] and "secret" not in listed["results"][0]
    assert manager_api.delete(url).status_code == 204
    assert AuditEntry.objects.filter(action="webhooksubscription.delete", target_id=created["id"]).exists()
    tenant.refresh_from_db()
    assert tenant.subscribed_events == [] and not WebhookSubscription.objects.exists()


def test_another_tenants_subscription_is_a_404(manager_api, make_api):
    other = make_api(TenantFactory(), "manager")
    theirs = other.post("/api/v1/webhook-subscriptions/", BODY, format="json").json()["id"]
    url = f"/api/v1/webhook-subscriptions/{theirs}/"
    assert manager_api.get(url).status_code == 404
    assert manager_api.patch(url, {"active": False}, format="json").status_code == 404
    assert manager_api.delete(url).status_code == 404
    assert manager_api.get("/api/v1/webhook-subscriptions/").json()["results"] == []
    assert WebhookSubscription.objects.get(pk=theirs).active


@pytest.mark.parametrize(
    "body,field",
    [
        ({**BODY, "events": ["message.deleted"]}, "events"),
        ({**BODY, "events": []}, "events"),
        ({**BODY, "url": "ftp://hooks.example.com/"}, "url"),
        ({**BODY, "secret": "short"}, "secret"),
        ({k: v for k, v in BODY.items() if k != "secret"}, "secret"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager_api, body, field):
    resp = manager_api.post("/api/v1/webhook-subscriptions/", body, format="json")
    assert resp.status_code == 400 and field in resp.json()["errors"]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/hook", "http://10.0.0.5/hook", "http://169.254.169.254/latest", "http://[::1]/"]
)
def test_private_targets_are_refused_with_the_guard_on(manager_api, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    resp = manager_api.post("/api/v1/webhook-subscriptions/", {**BODY, "url": url}, format="json")
    assert resp.status_code == 400
    assert "loopback, private or link-local" in resp.json()["errors"]["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_a_name_that_resolves_inside_later_is_refused_at_connection(tenant, settings, subscribe):
    """DNS rebinding: accepted when typed, refused when the POST connects (libcurl's check)."""
    from tests.channels_app.sink import Sink

    with Sink() as sink:
        subscription = subscribe(sink.url, events=["contact.created"])
        settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
        contact = Contact.objects.create(tenant=tenant, name="Ada")
        change_publish(tenant=tenant, change="contact.created", instance=contact, contact_id=contact.pk)
        from channels_app.subscriptions.delivery import delivery_run

        delivery = delivery_run(delivery_id=EventDelivery.objects.get().pk)
    assert delivery.status == "failed" and "refused" in delivery.error and not sink.requests
    assert subscription.pk


def test_the_delivery_log_in_the_admin(tenant, client, subscribe):
    from tests.channels_app.sink import Sink

    with Sink(script=[502]) as sink:
        subscription = subscribe(sink.url, events=["contact.created"])
        contact = Contact.objects.create(tenant=tenant, name="Ada")
        change_publish(tenant=tenant, change="contact.created", instance=contact, contact_id=contact.pk)
        from channels_app.subscriptions.delivery import delivery_run

        delivery_run(delivery_id=EventDelivery.objects.get().pk)
    user = get_user_model().objects.create_user("manon", password="pw-12345678", is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role="manager")
    client.force_login(user)
    page = client.get(f"/admin/channels_app/eventdelivery/?subscription__id__exact={subscription.pk}")
    assert page.status_code == 200 and b"contact.created" in page.content
    delivery = EventDelivery.objects.get()
    page = client.get(f"/admin/channels_app/eventdelivery/{delivery.pk}/change/")
    assert page.status_code == 200 and b"502" in page.content and b"retry" in page.content.lower()
    assert client.get("/admin/channels_app/webhooksubscription/").status_code == 200
    agent = get_user_model().objects.create_user("agathe", password="pw-12345678", is_staff=True)
    Membership.objects.create(tenant=tenant, user=agent, role="agent")
    client.force_login(agent)
    assert client.get(f"/admin/channels_app/eventdelivery/{delivery.pk}/change/").status_code in (302, 403, 404)
