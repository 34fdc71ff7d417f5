"""A journey's page: funnel, sends by channel, suppressions by reason; the step editor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.services.events import event_record
from journeys.services.ready_made import journey_install
from tests.factories import ContactFactory, IdentityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, tenant, make_staff):
    client.force_login(make_staff(tenant, username="boss", role="manager"))
    return client


@pytest.fixture
def journey(tenant, channels):
    journey, _ = journey_install(tenant=tenant, slug="cart-abandonment")
    contact = ContactFactory(tenant=tenant, name="Ann")
    IdentityFactory(tenant=tenant, contact=contact, kind="email", address="ann@example.com")
    event_record(tenant=tenant, contact=contact, name="cart.abandoned", properties={"product": "shoes"})
    return journey


def _post_data(journey, steps, **fields):
    data = {
        "name": fields.get("name", journey.name),
        "trigger_event": journey.trigger_event,
        "goal_event": journey.goal_event,
        "active": "on",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(len(steps)),
    }
    for i, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{i}-{'else_' if key == 'else' else key}"] = value
    return data


def test_the_page_shows_the_funnel_and_sends_by_channel(manager_client, journey):
    page = manager_client.get(reverse("dashboard:journey", args=[journey.pk]))
    assert page.status_code == 200
    stats = page.context["stats"]
    assert stats["enrolled"] == 1 and len(stats["steps"]) == len(journey.steps)
    body = page.content.decode()
    assert 'id="funnel"' in body and "answer different questions" in body


def test_the_editor_saves_steps_and_keeps_keys_it_does_not_show(manager_client, journey, channels):
    steps = [
        {
            "type": "send",
            "channel": channels["email"].pk,
            "purpose": "marketing",
            "subject": "Hi",
            "template": "New text {{ offer.code }}",
            "extra": '{"offer": {"description": "10%", "valid_days": 7}}',
        },
        {"type": "wait", "seconds": "3600"},
    ]
    response = manager_client.post(reverse("dashboard:journey", args=[journey.pk]), _post_data(journey, steps))
    assert response.status_code == 302
    journey.refresh_from_db()
    assert journey.steps[0]["template"] == "New text {{ offer.code }}"
    assert journey.steps[0]["offer"] == {"description": "10%", "valid_days": 7}
    assert journey.steps[1] == {"type": "wait", "seconds": 3600}


def test_a_bad_step_shows_its_error_in_place_and_changes_nothing(manager_client, journey, channels):
    before = list(journey.steps)
    steps = [
        {"type": "wait", "seconds": "60"},
        {"type": "send", "channel": channels["sms"].pk, "purpose": "marketing", "template": "{% if %}"},
    ]
    response = manager_client.post(reverse("dashboard:journey", args=[journey.pk]), _post_data(journey, steps))
    assert response.status_code == 400
    rows = response.context["steps"].forms
    assert rows[1].non_field_errors() and not rows[0].non_field_errors()
    journey.refresh_from_db()
    assert journey.steps == before


def test_agents_read_but_do_not_edit(staff_client, journey):
    page = staff_client.get(reverse("dashboard:journey", args=[journey.pk]))
    assert page.status_code == 200 and not page.context["can_edit"]
    assert staff_client.post(reverse("dashboard:journey", args=[journey.pk]), {}).status_code == 403
