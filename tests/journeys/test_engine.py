"""The engine: conditions under each policy, query budgets, concurrent runners."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from crm.models import Contact, Identity, Message
from crm.services.events import event_record
from journeys.engine import batch_claim_and_run, journeys_tick
from journeys.models import Enrollment, Journey, StepRun
from journeys.services.journeys import journey_create
from tests.factories import ContactFactory, IdentityFactory

from .conftest import T0, set_mode


@pytest.mark.django_db
@pytest.mark.parametrize("mode, collected", [("omnichannel", True), ("multichannel", False)])
def test_click_and_collect_waits_for_the_store_to_say_ready(tenant, channels, customer, install, mode, collected):
    set_mode(tenant, mode)
    journey = install("click-and-collect")
    event_record(tenant=tenant, contact=customer, name="order.reserved", properties={"order": "A17"}, occurred_at=T0)
    journeys_tick(until=T0)
    event_record(
        tenant=tenant,
        contact=customer,
        name="order.ready",
        channel=channels["store"],
        occurred_at=T0 + timedelta(hours=3),
    )
    journeys_tick(until=T0 + timedelta(hours=3))
    runs = list(StepRun.objects.filter(journey=journey).order_by("pk").values_list("step_index", "outcome", "reason"))
    if collected:  # the wait_for saw the store's event at once, the SMS said "ready"
        assert runs[1:4] == [(1, "matched", ""), (2, "branched", "then"), (3, "sent", "")]
        assert Message.objects.get(channel=channels["sms"]).occurred_at == T0 + timedelta(hours=3)
    else:  # the e-mail step never sees store events: it waits until its timeout
        assert runs[1:] == []
        journeys_tick(until=T0 + timedelta(days=2))
        runs = list(
            StepRun.objects.filter(journey=journey).order_by("pk").values_list("step_index", "outcome", "reason")
        )
        assert runs[1:3] == [(1, "timed_out", ""), (2, "branched", "else")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mode, outcome", [("omnichannel", ("sent", "")), ("multichannel", ("suppressed", "event_not_visible"))]
)
def test_product_viewed_on_the_web_personalises_an_email_only_if_the_email_can_see_it(
    tenant, channels, customer, install, mode, outcome
):
    set_mode(tenant, mode)
    journey = install("product-viewed-offer")
    event_record(
        tenant=tenant,
        contact=customer,
        name="product.viewed",
        channel=channels["webchat"],
        properties={"product": "Trail runner 2"},
        occurred_at=T0,
    )
    journeys_tick(until=T0 + timedelta(hours=2))
    run = StepRun.objects.get(journey=journey, step_type="send")
    assert (run.outcome, run.reason) == outcome
    if mode == "omnichannel":
        assert Message.objects.get().subject == "Trail runner 2 : une offre pour vous"  # the tenant speaks French


def _due_enrollments(tenant, channels, count, *, history=0):
    journey = journey_create(
        tenant=tenant,
        name="bulk",
        trigger_event="bulk",
        goal_event="purchase",
        steps=[
            {
                "type": "send",
                "channel": channels["email"].pk,
                "purpose": "marketing",
                "subject": "Hi",
                "template": "Hello {{ contact.name }}",
            },
            {"type": "send", "channel": channels["sms"].pk, "purpose": "transactional", "template": "Hi"},
        ],
    )
    contacts = Contact.objects.bulk_create(Contact(tenant=tenant, name=f"c{i}") for i in range(count))
    Identity.objects.bulk_create(
        [Identity(tenant=tenant, contact=c, kind="email", address=f"c{c.pk}@example.com") for c in contacts]
        + [Identity(tenant=tenant, contact=c, kind="phone", address=f"+3361{c.pk:07d}") for c in contacts]
    )
    Enrollment.objects.bulk_create(
        Enrollment(tenant=tenant, journey=journey, contact=c, mode="omnichannel", next_run_at=T0, enrolled_at=T0)
        for c in contacts
    )
    for contact in contacts[:1]:
        for n in range(history):
            event_record(tenant=tenant, contact=contact, name="purchase", occurred_at=T0 - timedelta(minutes=n + 1))
            Message.objects.create(
                tenant=tenant,
                contact=contact,
                channel=channels["email"],
                direction="outbound",
                purpose="marketing",
                status="sent",
                occurred_at=T0 - timedelta(minutes=n + 1),
            )
    return journey


@pytest.mark.django_db
@pytest.mark.parametrize("history", [10, 1000])
def test_queries_per_batch_do_not_grow_with_history(tenant, channels, django_assert_max_num_queries, history):
    tenant.frequency_cap_max_sends, tenant.frequency_cap_days = 5000, 7
    tenant.save()
    _due_enrollments(tenant, channels, 20, history=history)
    # fixed part (claim, lock, 6 reads, 3 writes) + 2 per send (address lookup, message insert)
    with django_assert_max_num_queries(12 + 2 * 40):
        result = batch_claim_and_run(until=T0, batch_size=20, skip=set())
    assert result.sent == 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_run_journeys_processes_send_every_step_exactly_once(tenant, channels):
    journey = _due_enrollments(tenant, channels, 2000)
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    db = settings.DATABASES["default"]
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    command = [sys.executable, "manage.py", "run_journeys", "--until", T0.isoformat(), "--batch-size", "100"]
    root = Path(settings.BASE_DIR)
    processes = [
        subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    connection.close()
    assert Message.objects.filter(tenant=tenant).count() == 4000
    sent = StepRun.objects.filter(journey=journey, outcome="sent")
    assert sent.count() == 4000
    assert sent.values("enrollment_id", "step_index").distinct().count() == 4000
    assert Enrollment.objects.filter(journey=journey, status="completed").count() == 2000
    steps = [int(re.search(rb"Ran (\d+) steps", out).group(1)) for out, _ in outputs]
    assert sum(steps) == 4000  # no step was run by both processes
    assert Journey.objects.count() == 1


@pytest.mark.django_db
def test_diverse_changes_in_one_batch_are_all_written(tenant, channels, django_assert_max_num_queries):
    journey = journey_create(
        tenant=tenant,
        name="slots",
        trigger_event="slot",
        steps=[{"type": "wait", "until": "slot_at", "offset_seconds": -3600}],
    )
    contacts = [ContactFactory(tenant=tenant) for _ in range(15)]
    for n, contact in enumerate(contacts):
        IdentityFactory(contact=contact)
        slot = T0 + timedelta(days=1, hours=n)
        event_record(
            tenant=tenant, contact=contact, name="slot", properties={"slot_at": slot.isoformat()}, occurred_at=T0
        )
    with django_assert_max_num_queries(12):
        journeys_tick(until=T0)
    expected = {c.pk: T0 + timedelta(days=1, hours=n - 1) for n, c in enumerate(contacts)}
    assert dict(Enrollment.objects.filter(journey=journey).values_list("contact_id", "next_run_at")) == expected
    assert Enrollment.objects.filter(journey=journey, current_step=1).count() == 15


@pytest.mark.django_db
def test_merging_two_contacts_active_in_one_journey_keeps_one_active_enrollment(tenant, channels, customer, install):
    from crm.services.contacts import contact_merge

    install("cart-abandonment")
    twin = ContactFactory(tenant=tenant)
    IdentityFactory(contact=twin, kind="email", address="twin@example.com")
    for contact in (customer, twin):
        event_record(tenant=tenant, contact=contact, name="cart.abandoned", occurred_at=T0)
    contact_merge(tenant=tenant, contact=customer, other=twin, by="test")  # journeys prepares the merge
    statuses = sorted(Enrollment.objects.filter(contact=customer).values_list("status", "exit_reason"))
    assert statuses == [("active", ""), ("exited", "merged")]


def test_the_beat_task_runs_due_steps(tenant, channels, customer, install, db):
    from django.utils import timezone

    from journeys.tasks import journeys_tick_task

    install("delivery-slot")
    event_record(
        tenant=tenant,
        contact=customer,
        name="delivery.slot_booked",
        properties={"slot_at": (timezone.now() + timedelta(days=2)).isoformat()},
        occurred_at=timezone.now() - timedelta(seconds=1),
    )
    assert journeys_tick_task.delay().get() >= 2  # the confirmation and the wait
    assert Message.objects.filter(channel=channels["email"]).count() == 1


@pytest.mark.django_db
def test_a_tick_with_a_spent_budget_stops_between_batches(tenant, channels):
    _due_enrollments(tenant, channels, 30)
    first = journeys_tick(until=T0, batch_size=10, budget_seconds=0)
    assert (first.batches, first.sent) == (1, 20)
    rest = journeys_tick(until=T0, batch_size=10)
    assert (rest.batches, rest.sent) == (2, 40)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "name"), [("fr", "Panier abandonné"), ("en", "Cart abandonment")])
def test_ready_made_journeys_are_written_in_the_tenants_language(tenant, channels, language, name):
    from journeys.services.ready_made import journey_install

    tenant.language = language
    tenant.save()
    journey, _ = journey_install(tenant=tenant, slug="cart-abandonment")
    assert journey.name.startswith(name)
    assert ("Répondez STOP" in journey.steps[2]["template"]) == (language == "fr")
