"""Admin (tenant-scoped, ready-made install) and the run_journeys / install_journeys commands."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from crm.models import Membership, Message
from crm.services.events import event_record
from journeys.models import Journey
from tests.factories import ChannelFactory, TenantFactory

from .conftest import T0

pytestmark = pytest.mark.django_db


def _staff(tenant, role="manager"):
    user = get_user_model().objects.create_user(f"staff-{tenant.slug}", password="x", is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_staff_sees_only_own_tenant_journeys_and_installs_ready_made(tenant, channels):
    other = TenantFactory(slug="other-shop")
    Journey.objects.create(tenant=other, name="foreign journey", trigger_event="x", steps=[])
    client = _staff(tenant)
    response = client.post(reverse("admin:journeys_journey_install"), {"tenant": tenant.pk, "journey": "delivery-slot"})
    assert response.status_code == 302
    journey = Journey.objects.get(tenant=tenant, slug="delivery-slot")
    page = client.get(reverse("admin:journeys_journey_changelist")).content.decode()
    assert journey.name in page and "foreign journey" not in page
    refused = client.post(reverse("admin:journeys_journey_install"), {"tenant": other.pk, "journey": "delivery-slot"})
    assert refused.status_code == 200 and not Journey.objects.filter(tenant=other, slug="delivery-slot").exists()


def test_admin_refuses_invalid_steps(tenant, channels):
    client = _staff(tenant)
    response = client.post(
        reverse("admin:journeys_journey_add"),
        {"name": "bad", "trigger_event": "t", "goal_event": "", "active": "on", "steps": '[{"type": "wait"}]'},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["steps"]
    assert not Journey.objects.exists()


def test_install_journeys_command(tenant, channels):
    out = StringIO()
    call_command("install_journeys", tenant.slug, stdout=out)
    assert Journey.objects.filter(tenant=tenant).count() == 4
    call_command("install_journeys", tenant.slug, "cart-abandonment", stdout=out)
    assert "already installed" in out.getvalue() and Journey.objects.filter(tenant=tenant).count() == 4
    with pytest.raises(CommandError, match="Unknown ready-made journey"):
        call_command("install_journeys", tenant.slug, "nope")


def test_install_needs_the_channels(tenant):
    ChannelFactory(tenant=tenant, kind="email")
    with pytest.raises(CommandError, match="sms"):
        call_command("install_journeys", tenant.slug, "cart-abandonment")
    assert not Journey.objects.exists()


def test_run_journeys_until(tenant, channels, customer, install):
    install("cart-abandonment")
    event_record(tenant=tenant, contact=customer, name="cart.abandoned", occurred_at=T0)
    out = StringIO()
    call_command("run_journeys", "--until", (T0 + timedelta(hours=1)).isoformat(), stdout=out)
    assert Message.objects.count() == 1 and "1 messages sent" in out.getvalue()
    call_command("run_journeys", "--until", (T0 + timedelta(hours=2)).isoformat(), stdout=out)
    assert Message.objects.count() == 2
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("run_journeys", "--until", "tomorrow")


@pytest.mark.parametrize("model", ["journey", "enrollment", "steprun", "offer", "offerredemption"])
def test_changelists_open_with_rows(tenant, channels, customer, install, model):
    from journeys.engine import journeys_tick
    from journeys.services.offers import offer_issue, offer_redeem

    install("cart-abandonment")
    event_record(tenant=tenant, contact=customer, name="cart.abandoned", occurred_at=T0)
    journeys_tick(until=T0 + timedelta(hours=3))
    offer = offer_issue(tenant=tenant, contact=customer, channel=channels["email"])
    offer_redeem(tenant=tenant, code=offer.code, channel=channels["store"])
    response = _staff(tenant, role="agent").get(reverse(f"admin:journeys_{model}_changelist"))
    assert response.status_code == 200 and response.context["cl"].result_count >= 1


def test_install_is_refused_in_a_tenant_where_the_user_is_only_an_agent(tenant, channels):
    other = TenantFactory(slug="agent-shop")
    ChannelFactory(tenant=other, kind="email")
    client = _staff(tenant)  # manager here
    user = get_user_model().objects.get(username=f"staff-{tenant.slug}")
    Membership.objects.create(tenant=other, user=user, role="agent")
    page = client.get(reverse("admin:journeys_journey_install"))
    assert list(page.context["form"].fields["tenant"].queryset) == [tenant]
    refused = client.post(reverse("admin:journeys_journey_install"), {"tenant": other.pk, "journey": "delivery-slot"})
    assert refused.status_code == 200 and not Journey.objects.filter(tenant=other).exists()
