"""The mode table of product.md, decision by decision, and the experiment cohorts."""

import pytest

from crm.models import Channel, Ticket
from crm.policies import effective_mode, experiment_cohort, policy_for_mode, registry
from tests.factories import TenantFactory


def test_every_mode_has_a_policy():
    assert sorted(registry.keys()) == ["crosschannel", "multichannel", "omnichannel"]


@pytest.mark.parametrize(
    "mode,same,other,links",
    [("multichannel", True, False, False), ("crosschannel", True, False, True), ("omnichannel", True, True, False)],
)
def test_threading(mode, same, other, links):
    policy = policy_for_mode(mode)
    email, sms = Channel(pk=1, kind="email"), Channel(pk=2, kind="sms")
    ticket = Ticket(channel=email)
    assert policy.may_join(ticket=ticket, channel=email) is same
    assert policy.may_join(ticket=ticket, channel=sms) is other
    assert policy.links_new_tickets is links


@pytest.mark.parametrize(
    "mode,own,previous,other,unknown",
    [
        ("multichannel", True, False, False, False),
        ("crosschannel", True, True, False, False),
        ("omnichannel", True, True, True, True),
    ],
)
def test_event_visibility_for_journeys(mode, own, previous, other, unknown):
    p = policy_for_mode(mode)
    assert p.event_visible(event_kind="sms", step_kind="sms", previous_step_kind="email") is own
    assert p.event_visible(event_kind="email", step_kind="sms", previous_step_kind="email") is previous
    assert p.event_visible(event_kind="store", step_kind="sms", previous_step_kind="email") is other
    assert p.event_visible(event_kind="", step_kind="sms", previous_step_kind=None) is unknown


@pytest.mark.parametrize(
    "mode,same,linked,unlinked",
    [("multichannel", True, False, False), ("crosschannel", True, True, False), ("omnichannel", True, True, True)],
)
def test_offer_validity(mode, same, linked, unlinked):
    p = policy_for_mode(mode)
    links = {"email": ["store"]}
    assert p.offer_redeemable(issued_kind="email", redeem_kind="email", offer_links=links) is same
    assert p.offer_redeemable(issued_kind="email", redeem_kind="store", offer_links=links) is linked
    assert p.offer_redeemable(issued_kind="email", redeem_kind="sms", offer_links=links) is unlinked


def test_caps_and_fallback():
    assert [policy_for_mode(m).cap_scope for m in ("multichannel", "crosschannel", "omnichannel")] == [
        "channel",
        "channel",
        "global",
    ]
    assert [policy_for_mode(m).falls_back for m in ("multichannel", "crosschannel", "omnichannel")] == [
        False,
        False,
        True,
    ]


def test_cohorts_are_stable_and_close_to_the_share(db):
    tenant = TenantFactory(mode="omnichannel", experiment_holdout_percent=20, experiment_salt="abc")
    cohorts = [experiment_cohort(tenant, i) for i in range(10_000)]
    share = cohorts.count("holdout") / len(cohorts)
    assert 0.18 < share < 0.22
    assert cohorts == [experiment_cohort(tenant, i) for i in range(10_000)]
    assert {effective_mode(tenant, i) for i, c in enumerate(cohorts) if c == "holdout"} == {"multichannel"}
    assert {effective_mode(tenant, i) for i, c in enumerate(cohorts) if c == "treatment"} == {"omnichannel"}
    tenant.experiment_holdout_percent = None
    assert experiment_cohort(tenant, 1) is None and effective_mode(tenant, 1) == "omnichannel"


def test_cohort_is_the_same_in_another_process(db):
    import subprocess
    import sys

    tenant = TenantFactory(experiment_holdout_percent=50, experiment_salt="s1")
    here = [experiment_cohort(tenant, i) for i in range(50)]
    code = (
        "from crm.policies import experiment_cohort\n"
        "from types import SimpleNamespace as N\n"
        "t=N(experiment_holdout_percent=50, experiment_salt='s1')\n"
        "print(','.join(experiment_cohort(t,i) for i in range(50)))"
    )
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONHASHSEED": "123"}
    out = subprocess.run(
        [sys.executable, "-c", "import django;django.setup();" + code.replace("\n", ";")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert out.split(",") == here
