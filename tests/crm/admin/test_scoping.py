"""A staff member sees and changes only their own tenant's rows in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import Channel, Contact, Identity, Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model, label",
    [
        ("contact", "alpha customer"),
        ("ticket", "alpha needs help"),
        ("message", "alpha needs help"),
        ("identity", "alpha@example.com"),
        ("channel", "alpha mail"),
        ("tenant", "shop-a"),
    ],
)
def test_changelists_show_only_own_tenant(staff_of, tenant_a, tenant_b, model, label):
    client = staff_of(tenant_a[0])
    response = client.get(reverse(f"admin:crm_{model}_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    body = response.content.decode()
    assert label in body
    assert "beta" not in body and "shop-b" not in body


@pytest.mark.parametrize("key", ["contact", "ticket", "message", "channel"])
def test_another_tenants_change_page_is_not_found(staff_of, tenant_a, tenant_b, key):
    client = staff_of(tenant_a[0])
    obj = tenant_b[1][key]
    response = client.get(reverse(f"admin:crm_{obj._meta.model_name}_change", args=[obj.pk]))
    assert response.status_code == 302  # the admin redirects to its index: "does not exist"
    assert response["Location"] == reverse("admin:index")


def test_foreign_contact_cannot_be_chosen(staff_of, tenant_a, tenant_b):
    client = staff_of(tenant_a[0])
    response = client.post(
        reverse("admin:crm_identity_add"), {"contact": tenant_b[1]["contact"].pk, "kind": "email", "address": "x@y.fr"}
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["contact"]
    assert not Identity.objects.filter(address="x@y.fr").exists()


def test_identity_added_in_admin_is_normalised_and_unique(staff_of, tenant_a, tenant_b):
    tenant, rows = tenant_a
    client = staff_of(tenant)
    url = reverse("admin:crm_identity_add")
    response = client.post(url, {"contact": rows["contact"].pk, "kind": "phone", "address": "06 12 34 56 78"})
    assert response.status_code == 302
    identity = Identity.objects.get(tenant=tenant, kind="phone")
    assert identity.address == "+33612345678"
    again = client.post(url, {"contact": rows["contact"].pk, "kind": "email", "address": "ALPHA@example.com"})
    assert again.status_code == 200  # already exists in this tenant: a form error, not a crash
    assert Identity.objects.filter(tenant=tenant, kind="email").count() == 1
    bad = client.post(url, {"contact": rows["contact"].pk, "kind": "phone", "address": "not a phone"})
    assert bad.status_code == 200 and bad.context["adminform"].form.errors["address"]


def test_new_rows_get_the_staff_members_tenant(staff_of, tenant_a, tenant_b):
    client = staff_of(tenant_a[0], role="admin")
    response = client.post(
        reverse("admin:crm_channel_add"),
        {
            "kind": "sms",
            "name": "SMS FR",
            "provider": "console",
            "address": "+33700000000",
            "enabled": "on",
            "new_credentials": "",
        },
    )
    assert response.status_code == 302
    assert Channel.objects.get(name="SMS FR").tenant == tenant_a[0]


def test_agent_cannot_open_api_keys_or_write_channels(staff_of, tenant_a):
    client = staff_of(tenant_a[0], role="agent")
    assert client.get(reverse("admin:crm_apikey_changelist")).status_code == 403
    assert client.get(reverse("admin:crm_channel_add")).status_code == 403


def test_superuser_sees_every_tenant(client, django_user_model, tenant_a, tenant_b):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    assert client.get(reverse("admin:crm_contact_changelist")).context["cl"].result_count == 2


def test_staff_without_membership_sees_nothing(client, django_user_model, tenant_a):
    client.force_login(django_user_model.objects.create_user("lost", password="pw", is_staff=True))
    assert client.get(reverse("admin:crm_contact_changelist")).status_code == 403


def test_ticket_changelist_cost_does_not_grow(staff_of, tenant_a, django_assert_max_num_queries):
    from crm.services.messages import InboundMessage, message_ingest

    tenant, rows = tenant_a
    for i in range(20):
        message_ingest(
            tenant=tenant, inbound=InboundMessage(channel=rows["channel"], from_address=f"c{i}@ex.fr", text="hi")
        )
    client = staff_of(tenant)
    for model in ("ticket", "message", "contact"):
        with django_assert_max_num_queries(15):
            assert client.get(reverse(f"admin:crm_{model}_changelist")).status_code == 200
    assert Ticket.objects.filter(tenant=tenant).count() == 21 and Message.objects.count() == 21
    assert Contact.objects.filter(tenant=tenant).count() == 21


def test_roles_are_checked_in_each_rows_own_tenant(client, django_user_model, tenant_a, tenant_b):
    """Admin of shop A, agent of shop B: admin rights in A only."""
    from crm.models import ApiKey, Membership
    from crm.services.tenants import api_key_create

    user = django_user_model.objects.create_user("mixed", password="pw", is_staff=True)
    Membership.objects.create(tenant=tenant_a[0], user=user, role="admin")
    Membership.objects.create(tenant=tenant_b[0], user=user, role="agent")
    api_key_create(tenant=tenant_a[0], label="key a")
    api_key_create(tenant=tenant_b[0], label="key b")
    client.force_login(user)

    keys = client.get(reverse("admin:crm_apikey_changelist")).context["cl"].result_list
    assert [k.label for k in keys] == ["key a"]
    channel_b = tenant_b[1]["channel"]
    url = reverse("admin:crm_channel_change", args=[channel_b.pk])
    assert client.get(url).context["has_change_permission"] is False  # view only
    response = client.post(url, {"kind": "email", "name": "hijacked", "provider": "console", "enabled": "on"})
    assert response.status_code == 403 and Channel.objects.get(pk=channel_b.pk).name == "beta mail"
    # new rows can only go to shop A, the one tenant where the user may add them
    assert "tenant" not in client.get(reverse("admin:crm_channel_add")).context["adminform"].form.fields
    client.post(reverse("admin:crm_apikey_add"), {"tenant": tenant_b[0].pk, "role": "admin", "label": "x"})
    assert ApiKey.objects.get(label="x").tenant == tenant_a[0]
    # bulk deletion would reach shop B's rows: not offered (channels have no other action)
    assert client.get(reverse("admin:crm_channel_changelist")).context["action_form"] is None
