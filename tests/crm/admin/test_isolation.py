"""No admin page shows a staff member another tenant's data, whatever the URL says.

Every registered ModelAdmin is visited (``admin.site._registry``, so a new admin is covered
without a line here) by staff of shop A: its changelist, its add page with shop B's ids in the
query string and in a posted form, shop B's change, history and delete pages, and the
autocomplete view for each of its foreign keys searched with shop B's words, and each of its
actions on shop B's row (which must stay as it was). Shop B's rows carry the word "quokka"
(names, addresses, texts) and a phone number, which must appear nowhere.
"""

from __future__ import annotations

import base64

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from crm.models import Contact, Membership, SlaPolicy, Team, Tenant, TicketLink
from crm.services.contacts import consent_set, contact_create, contact_merge
from crm.services.events import event_record
from crm.services.messages import InboundMessage, message_ingest
from crm.services.tenants import api_key_create, tenant_create
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

FOREIGN_PHONE = "+33799887766"
ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def seed_foreign_tenant() -> dict:
    """Shop B with one row of every model that has an admin."""
    from channels_app.models import (
        DeliveryAttempt,
        EmailReference,
        EventDelivery,
        EventDeliveryAttempt,
        MessageTemplate,
        StatusReceipt,
        WebhookPayload,
    )
    from channels_app.subscriptions.services import subscription_create
    from journeys.models import Enrollment, Journey, Offer, OfferRedemption, StepRun

    now = timezone.now()
    tenant = tenant_create(slug="quokka-shop", name="Quokka Shop", mode="omnichannel", by="quokka-admin")
    channel = ChannelFactory(tenant=tenant, name="Quokka Mail", address="desk@quokka-shop.test")
    subscription_create(
        tenant=tenant,
        url="https://hooks.quokka-shop.test/crm",
        events=["contact.created", "message.created"],
        secret="quokka-secret-0123456789",
        by="quokka-admin",
    )
    contact = contact_create(
        tenant=tenant,
        name="Quokka Customer",
        identities=[{"kind": "email", "address": "quokka@example.test"}, {"kind": "phone", "address": FOREIGN_PHONE}],
    )
    twin = contact_create(tenant=tenant, name="Quokka Twin")
    contact_merge(tenant=tenant, contact=contact, other=twin, by="quokka-admin")
    message = message_ingest(
        tenant=tenant, inbound=InboundMessage(channel=channel, from_address="quokka@example.test", text="quokka help")
    ).message
    second = message_ingest(
        tenant=tenant, inbound=InboundMessage(channel=channel, from_address="quokka2@example.test", text="quokka 2")
    ).message
    TicketLink.objects.create(tenant=tenant, from_ticket=message.ticket, to_ticket=second.ticket)
    consent_set(tenant=tenant, contact=contact, channel_kind="email", status="opted_in", source="quokka")
    event = event_record(tenant=tenant, contact=contact, name="quokka.seen", channel=channel).event
    user = get_user_model().objects.create_user("quokka-agent", email="agent@quokka-shop.test", is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role="admin")
    api_key_create(tenant=tenant, label="quokka key")
    Team.objects.create(tenant=tenant, name="Quokka Team")
    SlaPolicy.objects.create(tenant=tenant, name="Quokka SLA", first_response_minutes=60)
    Group.objects.create(name="quokka group")
    WebhookPayload.objects.create(
        tenant=tenant,
        channel=channel,
        provider="console",
        state="unknown",
        path="/webhooks/quokka/",
        body_b64=base64.b64encode(b"quokka body").decode(),
    )
    DeliveryAttempt.objects.create(tenant=tenant, message=message, number=1, provider="console", started_at=now)
    StatusReceipt.objects.create(
        tenant=tenant, channel=channel, external_id="quokka-1", status="delivered", message=message, occurred_at=now
    )
    delivery = EventDelivery.objects.filter(tenant=tenant).first()
    EventDeliveryAttempt.objects.create(
        tenant=tenant, delivery=delivery, number=1, error="quokka receiver down", started_at=now
    )
    MessageTemplate.objects.create(
        tenant=tenant, channel=channel, name="quokka_update", language="fr", status="approved", synced_at=now
    )
    EmailReference.objects.create(tenant=tenant, message=message, ticket=message.ticket, message_id_header="<q@quokka>")
    journey = Journey.objects.create(tenant=tenant, name="Quokka Journey", trigger_event="quokka.seen", steps=[])
    enrollment = Enrollment.objects.create(
        tenant=tenant, journey=journey, contact=contact, mode="omnichannel", enrolled_at=now, trigger_event=event
    )
    StepRun.objects.create(
        tenant=tenant,
        enrollment=enrollment,
        journey=journey,
        contact=contact,
        step_index=0,
        step_type="send",
        outcome="sent",
        message=message,
        channel=channel,
        at=now,
    )
    offer = Offer.objects.create(
        tenant=tenant,
        contact=contact,
        code="QUOKKA1",
        issued_channel=channel,
        issued_kind="email",
        description="quokka gift",
        issued_at=now,
        enrollment=enrollment,
    )
    OfferRedemption.objects.create(
        tenant=tenant, offer=offer, channel=channel, accepted=True, reason="accepted", mode="omnichannel", at=now
    )
    return {"tenant": tenant, "user": user}


def foreign_row(model, foreign: dict):
    if model is Tenant:
        return foreign["tenant"]
    if model is get_user_model():
        return foreign["user"]
    if not any(f.name == "tenant" for f in model._meta.fields):
        return model._default_manager.first()
    row = model._default_manager.filter(tenant=foreign["tenant"]).first()
    assert row is not None, f"seed_foreign_tenant() needs a row of {model._meta.label}"
    return row


def foreign_count(model, foreign: dict) -> int:
    if not any(f.name == "tenant" for f in model._meta.fields):
        return model._default_manager.count()
    return model._default_manager.filter(tenant=foreign["tenant"]).count()


def assert_nothing_foreign(response, what: str) -> None:
    body = response.content.decode(errors="replace").lower()
    assert "quokka" not in body, f"{what} shows another tenant's data"
    assert FOREIGN_PHONE[1:] not in body, f"{what} shows another tenant's phone number"


def foreign_keys(model):
    return [f for f in model._meta.fields if f.many_to_one or f.one_to_one]


def admin_url(model, view: str, *args) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


@pytest.mark.parametrize("role", ["agent", "admin"])
@pytest.mark.parametrize("model", [model for model, _admin in ADMINS], ids=lambda m: m._meta.label)
def test_no_admin_page_shows_another_tenants_rows(staff_of, tenant_a, model, role):
    foreign = seed_foreign_tenant()
    client = staff_of(tenant_a[0], role=role)
    row = foreign_row(model, foreign)

    response = client.get(admin_url(model, "changelist"))
    assert response.status_code in (200, 403)
    assert_nothing_foreign(response, "the changelist")

    if row is not None:
        for view in ("change", "history", "delete"):
            response = client.get(admin_url(model, view, row.pk))
            assert response.status_code in (302, 403, 404), f"{view} page of another tenant's row"
            if response.status_code == 302:
                assert response["Location"] == reverse("admin:index")
            assert_nothing_foreign(response, f"the {view} page")

    add = admin_url(model, "add")
    if add is not None:
        ids = {f.name: foreign_row(f.related_model, foreign) for f in foreign_keys(model)}
        ids = {name: related.pk for name, related in ids.items() if related is not None}
        for name, pk in ids.items():
            response = client.get(add, {name: pk})
            assert response.status_code in (200, 403)
            assert_nothing_foreign(response, f"the add page with ?{name}=")
        before = foreign_count(model, foreign)
        response = client.post(add, ids)
        assert response.status_code in (200, 302, 403)
        assert_nothing_foreign(response, "a refused add form")
        assert foreign_count(model, foreign) == before, "a row was written into another tenant"

    if row is not None:
        snapshot = model._default_manager.filter(pk=row.pk).values().get()
        for action in ["delete_selected", *(admin.site._registry[model].actions or [])]:
            response = client.post(
                admin_url(model, "changelist"),
                {"action": action, "post": "yes", helpers.ACTION_CHECKBOX_NAME: [row.pk]},
            )
            assert_nothing_foreign(response, f"the {action} action")
            assert model._default_manager.filter(pk=row.pk).values().get() == snapshot, f"{action} reached it"

    for field in foreign_keys(model):
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": field.name,
                "term": "quokka",
            },
        )
        assert response.status_code in (200, 403, 404)
        if response.status_code == 200:
            assert response.json()["results"] == []
        assert_nothing_foreign(response, f"autocomplete of {field.name}")


def test_raw_id_widget_still_names_the_users_own_rows(staff_of, tenant_a):
    tenant, rows = tenant_a
    seed_foreign_tenant()
    client = staff_of(tenant)
    page = client.get(reverse("admin:crm_identity_add"), {"contact": rows["contact"].pk}).content.decode()
    assert "alpha customer" in page


def test_a_foreign_id_in_the_query_string_is_not_an_initial_value(staff_of, tenant_a):
    foreign = seed_foreign_tenant()
    contact = Contact.objects.get(tenant=foreign["tenant"], name="Quokka Customer")
    response = staff_of(tenant_a[0]).get(reverse("admin:crm_consent_add"), {"contact": contact.pk})
    assert "contact" not in response.context["adminform"].form.initial


def test_list_filters_offer_only_the_users_tenants(staff_of, tenant_a):
    from journeys.models import Journey

    seed_foreign_tenant()
    third = tenant_create(slug="shop-c", name="Shop C")
    for tenant in (tenant_a[0], third):
        Journey.objects.create(tenant=tenant, name="own journey", trigger_event="x", steps=[])
    client = staff_of(tenant_a[0], role="manager")
    Membership.objects.create(tenant=third, user=get_user_model().objects.get(username="manager-shop-a"))
    page = client.get(reverse("admin:journeys_journey_changelist"))
    choices = [c["display"] for spec in page.context["cl"].filter_specs for c in spec.choices(page.context["cl"])]
    assert "quokka-shop" not in choices and {"shop-a", "shop-c"} <= set(choices)
    chosen = client.get(reverse("admin:journeys_journey_changelist"), {"tenant__id__exact": tenant_a[0].pk})
    assert chosen.status_code == 200 and chosen.context["cl"].result_count == 1  # the filter still works
