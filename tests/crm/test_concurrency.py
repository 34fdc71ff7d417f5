"""Concurrency on PostgreSQL: real threads, real connections."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from crm.models import Contact, Message, Ticket
from crm.services.contacts import contact_create
from crm.services.tenants import api_key_create
from tests.factories import ChannelFactory, TenantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(fns):
    """Start every callable at once (a barrier) and collect results or exceptions."""
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def worker(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # reported by the assertions below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def client_for(tenant):
    from rest_framework.test import APIClient

    _, raw = api_key_create(tenant=tenant, role="agent")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_same_external_id_eight_times_at_once_gives_one_message():
    tenant = TenantFactory(mode="omnichannel")
    sms = ChannelFactory(tenant=tenant, kind="sms")
    body = {"channel": sms.pk, "from": "+33612345678", "text": "hello", "external_id": "SM-race"}

    def post():
        resp = client_for_tenant.post("/api/v1/messages/inbound/", body, format="json")
        return resp.status_code, resp.json()

    client_for_tenant = client_for(tenant)
    results = run_together([post] * 8)
    statuses = sorted(r[0] for r in results)
    assert statuses == [200] * 7 + [201], results
    bodies = [r[1] for r in results]
    assert len({(b["id"], b["ticket"], b["contact"]) for b in bodies}) == 1
    assert sum(b["duplicate"] for b in bodies) == 7
    assert Message.objects.filter(tenant=tenant).count() == 1
    assert Contact.objects.filter(tenant=tenant).count() == 1


def test_email_and_sms_of_one_contact_at_the_same_instant_share_one_ticket_in_omnichannel():
    tenant = TenantFactory(mode="omnichannel")
    email, sms = ChannelFactory(tenant=tenant, kind="email"), ChannelFactory(tenant=tenant, kind="sms")
    contact_create(
        tenant=tenant,
        name="C",
        identities=[{"kind": "email", "address": "c@x.fr"}, {"kind": "phone", "address": "+33612345678"}],
    )
    client = client_for(tenant)
    at = (timezone.now() - timedelta(minutes=1)).isoformat()

    def send(channel, sender, ext):
        return lambda: (
            client.post(
                "/api/v1/messages/inbound/",
                {
                    "channel": channel.pk,
                    "from": sender,
                    "text": "help",
                    "external_id": ext,
                    "occurred_at": at,
                },
                format="json",
            ).status_code
        )

    for round_ in range(5):
        results = run_together([send(email, "c@x.fr", f"e{round_}"), send(sms, "+33612345678", f"s{round_}")])
        assert results == [201, 201], results
        assert Ticket.objects.filter(tenant=tenant, status="open").count() == 1
        Ticket.objects.filter(tenant=tenant).update(status="closed")
    assert Ticket.objects.filter(tenant=tenant).count() == 5


def test_new_sender_eight_requests_at_once_gives_one_contact():
    tenant = TenantFactory(mode="multichannel")
    sms = ChannelFactory(tenant=tenant, kind="sms")
    client = client_for(tenant)

    def post(i):
        return lambda: (
            client.post(
                "/api/v1/messages/inbound/",
                {"channel": sms.pk, "from": "+33698765432", "text": f"m{i}", "external_id": f"x{i}"},
                format="json",
            ).status_code
        )

    assert run_together([post(i) for i in range(8)]) == [201] * 8
    assert Contact.objects.filter(tenant=tenant).count() == 1
    assert Ticket.objects.filter(tenant=tenant).count() == 1
    assert Message.objects.filter(tenant=tenant).count() == 8
