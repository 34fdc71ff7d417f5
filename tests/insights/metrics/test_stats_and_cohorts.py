"""Intervals and experiment cohorts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crm.policies import effective_mode, experiment_cohort
from insights.metrics import stats
from tests.factories import TenantFactory


def test_wilson_interval_matches_the_textbook_values():
    assert stats.wilson(0, 0) is None
    lo, hi = stats.wilson(8, 10)
    assert (lo, hi) == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
    lo, hi = stats.wilson(0, 20)
    assert lo == 0.0 and hi == pytest.approx(0.1611, abs=1e-4)


def test_bootstrap_is_reproducible_and_brackets_the_statistic():
    values = [float(v) for v in range(1, 202)]
    first, second = stats.summary(values, "median"), stats.summary(values, "median")
    assert first == second
    assert first["value"] == 101.0 and first["n"] == 201
    assert first["ci"][0] < 101.0 < first["ci"][1]
    assert stats.summary([], "mean") == {"value": None, "n": 0, "ci": None}


def test_difference_of_clearly_different_samples_excludes_zero():
    a, b = [10.0 + (i % 5) for i in range(200)], [20.0 + (i % 5) for i in range(200)]
    diff = stats.difference(a, b, "mean")
    assert diff["value"] == 10.0 and diff["ci"][0] > 0
    rate = stats.rate_difference(20, 100, 60, 100)
    assert rate["value"] == 0.4 and 0 < rate["ci"][0] < 0.4 < rate["ci"][1]


@pytest.mark.django_db
def test_cohorts_are_stable_and_close_to_the_requested_share_on_10000_contacts():
    tenant = TenantFactory(experiment_holdout_percent=20, experiment_salt="a1b2c3")
    cohorts = [experiment_cohort(tenant, contact_id) for contact_id in range(1, 10_001)]
    share = cohorts.count("holdout") / len(cohorts)
    assert abs(share - 0.20) < 0.015
    assert {effective_mode(tenant, 1), effective_mode(tenant, 2)} <= {"multichannel", "omnichannel"}
    # another process, same salt: the same contacts in the same cohorts
    code = (
        "from types import SimpleNamespace as N; from crm.policies.registry import experiment_cohort as c;"
        "t=N(experiment_salt='a1b2c3', experiment_holdout_percent=20);"
        "print(''.join('h' if c(t, i)=='holdout' else 't' for i in range(1, 10001)))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == "".join("h" if c == "holdout" else "t" for c in cohorts)


@pytest.mark.django_db
def test_another_salt_gives_another_split():
    a = TenantFactory(experiment_holdout_percent=50, experiment_salt="one")
    b = TenantFactory(experiment_holdout_percent=50, experiment_salt="two")
    assert [experiment_cohort(a, i) for i in range(200)] != [experiment_cohort(b, i) for i in range(200)]
