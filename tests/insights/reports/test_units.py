"""Human units: durations in hours and minutes, shares in percent, rate differences in points."""

from __future__ import annotations

import pytest
from django.utils import translation

from insights.reports.units import duration, interval_text, unit_of, value_text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "45 s"),
        (90, "1 min 30 s"),
        (720, "12 min"),
        (10977, "3 h 03 min"),
        (7200, "2 h"),
        (46213.5, "12 h 50 min"),
        (100000, "27 h 47 min"),
        (200000, "2 d 8 h"),
    ],
)
def test_durations_read_in_hours_and_minutes(seconds, text):
    with translation.override("en"):
        assert duration(seconds) == text


def test_differences_carry_a_sign_and_rates_differ_in_points():
    with translation.override("en"):
        assert value_text(-4839.0, "seconds", difference=True) == "−1 h 21 min"
        assert value_text(0.082, "share", difference=True) == "+8.2 pp"
        assert value_text(0.082, "share") == "8.2 %"
        assert value_text(-1.488, "number", difference=True) == "−1.49"
        assert value_text(None, "seconds") == "–"
        assert interval_text(-0.068, 0.255, "share", difference=True) == "[−6.8 pp ; +25.5 pp]"


def test_french_units_and_separators():
    with translation.override("fr"):
        assert duration(200000) == "2 j 8 h"
        assert value_text(0.082, "share", difference=True) == "+8,2 pts"
        assert value_text(4.235, "number") == "4,24"
        assert value_text(0.719, "share") == "71,9 %"


def test_units_follow_the_keys_so_new_figures_get_one():
    assert unit_of("first_response_seconds_median") == "seconds"
    assert unit_of("sla_attainment_rate") == "share"
    assert unit_of("revenue_per_contact") == "number"
