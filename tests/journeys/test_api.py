"""The public contract: events, journeys CRUD with validation, stats."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.models import Contact, Event, Identity, Message
from journeys.engine import journeys_tick
from journeys.models import Enrollment, Journey

from .conftest import T0


def _send(channel, **extra):
    return {"type": "send", "channel": channel.pk, "purpose": "marketing", "template": "Hi {{ contact.name }}", **extra}


@pytest.mark.django_db
def test_event_by_identity_creates_the_contact_and_is_idempotent(tenant, api, channels):
    body = {
        "contact": {"kind": "email", "address": " Bob@Example.COM "},
        "name": "purchase",
        "channel": channels["store"].pk,
        "properties": {"amount": 42},
        "idempotency_key": "order-1",
    }
    first = api.post("/api/v1/events/", body, format="json")
    assert first.status_code == 201, first.json()
    again = api.post("/api/v1/events/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and again.json()["duplicate"]
    assert Identity.objects.get(tenant=tenant, kind="email").address == "bob@example.com"
    event = Event.objects.get()
    assert (event.channel_kind, event.properties, event.contact_id) == (
        "store",
        {"amount": 42},
        first.json()["contact"],
    )


@pytest.mark.django_db
def test_event_enrols_matching_journeys(tenant, api, channels, customer):
    journey = Journey.objects.create(
        tenant=tenant, name="j", trigger_event="cart.abandoned", steps=[_send(channels["email"], subject="x")]
    )
    response = api.post(
        "/api/v1/events/",
        {"contact": customer.pk, "name": "cart.abandoned", "properties": {"product": "shoes"}},
        format="json",
    )
    assert response.status_code == 201 and response.json()["enrolled"] == [journey.pk]
    enrollment = Enrollment.objects.get()
    assert (enrollment.mode, enrollment.context, enrollment.status) == ("omnichannel", {"product": "shoes"}, "active")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"contact": 999999, "name": "x"}, "contact"),
        ({"contact": {"kind": "email", "address": "not-an-email"}, "name": "x"}, "contact"),
        ({"contact": {"kind": "fax", "address": "1"}, "name": "x"}, "contact"),
        ({"contact": {"kind": "email", "address": "a@b.co"}, "name": ""}, "name"),
        ({"contact": {"kind": "email", "address": "a@b.co"}, "name": "x", "channel": 999999}, "channel"),
        ({"contact": {"kind": "email", "address": "a@b.co"}, "name": "x", "properties": [1]}, "properties"),
        ({"contact": {"kind": "email", "address": "a@b.co"}, "name": "x", "occurred_at": "yesterday"}, "occurred_at"),
    ],
)
def test_bad_event_is_a_400_naming_the_field_and_writes_nothing(api, channels, body, field):
    response = api.post("/api/v1/events/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.json()
    assert not Event.objects.exists() and not Contact.objects.exists()


@pytest.mark.django_db
def test_journey_crud_and_roles(tenant, api, manager_api, channels):
    body = {
        "name": "Welcome",
        "trigger_event": "signup",
        "goal_event": "purchase",
        "steps": [_send(channels["sms"]), {"type": "wait", "seconds": 60}],
    }
    assert api.post("/api/v1/journeys/", body, format="json").status_code == 403
    created = manager_api.post("/api/v1/journeys/", body, format="json")
    assert created.status_code == 201, created.json()
    url = f"/api/v1/journeys/{created.json()['id']}/"
    assert api.get(url).json()["steps"] == body["steps"]
    assert manager_api.patch(url, {"active": False}, format="json").json()["active"] is False
    assert api.get("/api/v1/journeys/").json()["results"][0]["name"] == "Welcome"
    assert manager_api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "steps, message",
    [
        ([], "steps"),
        ([{"type": "jump"}], "type"),
        ([{"type": "send", "channel": 999999, "purpose": "marketing", "template": "x"}], "unknown channel"),
        ([{"type": "send", "channel": "sms", "purpose": "spam", "template": "x"}], "purpose"),
        ([{"type": "send", "channel": "sms", "purpose": "marketing", "template": "{% if %}"}], "compile"),
        ([{"type": "send", "channel": "email", "purpose": "marketing", "template": "x", "subject": 3}], "subject"),
        ([{"type": "send", "channel": "sms", "purpose": "marketing", "template": "x" * 600}], "segments"),
        ([{"type": "wait", "seconds": 0}], "seconds"),
        ([{"type": "wait_for", "event": "paid"}], "timeout_seconds"),
        ([{"type": "branch", "if_event": "x", "then": 0, "else": 5}], "else"),
        (
            [
                {"type": "send", "channel": "sms", "purpose": "marketing", "template": "x"},
                {"type": "branch", "if_event": "x", "then": 0, "else": 0},
            ],
            "loop",
        ),
    ],
)
def test_invalid_steps_are_refused(manager_api, channels, steps, message):
    steps = [{**s, "channel": channels[s["channel"]].pk} if isinstance(s.get("channel"), str) else s for s in steps]
    response = manager_api.post("/api/v1/journeys/", {"name": "j", "trigger_event": "t", "steps": steps}, format="json")
    assert response.status_code == 400, response.json()
    assert message in str(response.json()), response.json()
    assert not Journey.objects.exists()


@pytest.mark.django_db
def test_an_email_send_without_subject_is_accepted_and_sent_with_the_journeys_name(
    tenant, api, manager_api, channels, customer, django_capture_on_commit_callbacks
):
    steps = [_send(channels["email"]), _send(channels["sms"])]  # a client that never sends "subject"
    body = {"name": "Welcome\n back", "trigger_event": "signed.up", "steps": steps}
    response = manager_api.post("/api/v1/journeys/", body, format="json")
    assert response.status_code == 201, response.json()
    assert "subject" not in response.json()["steps"][0]
    api.post(
        "/api/v1/events/", {"contact": customer.pk, "name": "signed.up", "occurred_at": T0.isoformat()}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        journeys_tick(until=T0 + timedelta(minutes=1))
    sent = Message.objects.get(channel=channels["email"])
    assert (sent.subject, sent.status) == ("Welcome back", "sent")


@pytest.mark.django_db
def test_a_loop_through_a_wait_is_allowed(manager_api, channels):
    steps = [
        _send(channels["sms"]),
        {"type": "wait", "seconds": 86400},
        {"type": "branch", "if_event": "purchase", "then": 3, "else": 0},
        _send(channels["sms"]),
    ]
    response = manager_api.post("/api/v1/journeys/", {"name": "j", "trigger_event": "t", "steps": steps}, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_foreign_journey_is_a_404(tenant, make_api, channels):
    journey = Journey.objects.create(tenant=tenant, name="j", trigger_event="t", steps=[])
    other = make_api(type(tenant).objects.create(slug="other", name="Other"), "admin")
    assert other.get(f"/api/v1/journeys/{journey.pk}/").status_code == 404
    assert other.get(f"/api/v1/journeys/{journey.pk}/stats/").status_code == 404


@pytest.mark.django_db
def test_stats_count_enrollments_sends_suppressions_and_the_funnel(tenant, api, channels, customer, install):
    from tests.factories import ContactFactory, IdentityFactory

    journey = install("cart-abandonment")
    buyer = customer
    browser = ContactFactory(tenant=tenant)
    IdentityFactory(contact=browser, kind="email")
    for contact in (buyer, browser):
        api.post(
            "/api/v1/events/",
            {"contact": contact.pk, "name": "cart.abandoned", "occurred_at": T0.isoformat()},
            format="json",
        )
    api.post(
        "/api/v1/events/",
        {
            "contact": buyer.pk,
            "name": "purchase",
            "channel": channels["store"].pk,
            "occurred_at": (T0 + timedelta(minutes=30)).isoformat(),
        },
        format="json",
    )
    journeys_tick(until=T0 + timedelta(hours=3))
    stats = api.get(f"/api/v1/journeys/{journey.pk}/stats/").json()
    assert {k: stats[k] for k in ("enrolled", "active", "converted", "exited", "completed")} == {
        "enrolled": 2,
        "active": 0,
        "converted": 1,
        "exited": 0,
        "completed": 1,
    }
    assert stats["sent"] == {"email": 2}
    assert stats["suppressed"] == {"goal_reached": 1, "no_identity": 1}
    assert [step["reached"] for step in stats["steps"]] == [2, 2, 2]
    assert stats["steps"][2]["suppressed"] == {"goal_reached": 1, "no_identity": 1}
