"""Round robin under concurrency on PostgreSQL: tickets opened at the same instant by real
threads (the PostgreSQL form of ingestion, then its assignment statement) still go to each
member in turn."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from crm.models import Membership, Team, Ticket
from crm.services.messages import InboundMessage, message_ingest
from crm.services.teams import team_create
from tests.crm.test_concurrency import run_together
from tests.factories import ChannelFactory, TenantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("read_channel", [True, False])
def test_simultaneous_new_tickets_are_shared_evenly(read_channel):
    tenant = TenantFactory(mode="omnichannel")
    users = [get_user_model().objects.create_user(f"rr{i}") for i in range(3)]
    for user in users:
        Membership.objects.create(tenant=tenant, user=user)
    team = team_create(tenant=tenant, name="Support", assignment="round_robin", members=[u.pk for u in users])
    sms = ChannelFactory(tenant=tenant, kind="sms", team=team)
    channel = sms if read_channel else type(sms)(pk=sms.pk, tenant=tenant, kind="sms", enabled=True)

    def ingest(i):
        inbound = InboundMessage(
            channel=channel, from_address=f"+336123450{i:02d}", text="hi", channel_read=read_channel
        )
        return lambda: message_ingest(tenant=tenant, inbound=inbound).message.ticket_id

    results = run_together([ingest(i) for i in range(12)])
    assert all(isinstance(r, int) for r in results), results
    counts = Counter(Ticket.objects.filter(tenant=tenant).values_list("assignee_id", flat=True))
    assert counts == Counter({u.pk: 4 for u in users})
    assert Team.objects.get(pk=team.pk).assigned_count == 12
