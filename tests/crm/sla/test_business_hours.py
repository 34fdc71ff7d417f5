"""Due times in business hours: weekends, holidays and changes of time (Europe/Paris)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.errors import ApplicationError
from crm.services.business_hours import BusinessCalendar, business_hours_check, holidays_check

WEEK = {day: [["09:00", "12:30"], ["13:30", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
HOLIDAYS = ["2026-04-06", "2026-05-01", "2026-11-11", "2026-12-25"]
PARIS = BusinessCalendar.of(business_hours=WEEK, holidays=HOLIDAYS, timezone="Europe/Paris")
#: every hour of every day, to see the changes of time themselves
NIGHT = BusinessCalendar.of(
    business_hours={d: [["01:00", "04:00"]] for d in ("sat", "sun")}, holidays=[], timezone="Europe/Paris"
)

# Around the changes of time of 2026 (29 March, 25 October), a holiday week, and the rest of the year.
instants = st.one_of(
    st.datetimes(min_value=datetime(2026, 3, 25), max_value=datetime(2026, 4, 8)),
    st.datetimes(min_value=datetime(2026, 10, 20), max_value=datetime(2026, 11, 14)),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
).map(lambda d: d.replace(tzinfo=UTC, microsecond=0, second=0))


def business_minutes(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """The reference: count the open minutes one by one."""
    minutes, at = 0, start
    while at < end:
        minutes += calendar.is_open(at)
        at += timedelta(minutes=1)
    return minutes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=instants, minutes=st.integers(min_value=1, max_value=900), calendar=st.sampled_from([PARIS, NIGHT]))
def test_due_time_is_that_many_open_minutes_later(start, minutes, calendar):
    due = calendar.add(start, minutes)
    assert due is not None and due > start
    assert business_minutes(calendar, start, due) == minutes
    assert calendar.is_open(due - timedelta(minutes=1))  # it ends inside a window, never after a closed stretch


@settings(max_examples=80, deadline=None)
@given(start=instants, a=st.integers(min_value=0, max_value=3000), b=st.integers(min_value=0, max_value=3000))
def test_adding_in_two_steps_is_adding_once(start, a, b):
    assert PARIS.add(PARIS.add(start, a), b) == PARIS.add(start, a + b)


@settings(max_examples=80, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=5000))
def test_never_due_on_a_weekend_or_a_holiday(start, minutes):
    local = PARIS.add(start, minutes).astimezone(PARIS.tz)
    assert local.weekday() < 5 and local.date().isoformat() not in HOLIDAYS


def test_a_friday_evening_request_is_due_on_monday():
    friday = datetime(2026, 3, 27, 16, 30, tzinfo=UTC)  # 17:30 in Paris (CET)
    # 30 minutes on Friday, then Monday 09:00 CEST (07:00 UTC) + 30 minutes: the clocks changed on Sunday
    assert PARIS.add(friday, 60) == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)


def test_easter_monday_is_skipped():
    assert PARIS.add(datetime(2026, 4, 3, 15, 0, tzinfo=UTC), 120) == datetime(2026, 4, 7, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "day, hours",
    [(date(2026, 3, 29), 2), (date(2026, 10, 25), 4), (date(2026, 3, 28), 3), (date(2026, 10, 24), 3)],
)
def test_a_night_window_lasts_what_the_clocks_say(day, hours):
    ((begin, end),) = NIGHT.windows(day)
    assert end - begin == timedelta(hours=hours)
    assert NIGHT.add(begin, hours * 60) == end


def test_a_skipped_wall_time_is_reached_at_the_change():
    calendar = BusinessCalendar.of(business_hours={"sun": [["02:30", "04:00"]]}, holidays=[], timezone="Europe/Paris")
    assert calendar.windows(date(2026, 3, 29)) == [
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 3, 29, 2, 0, tzinfo=UTC))
    ]


def test_until_midnight_and_no_open_time():
    late = BusinessCalendar.of(business_hours={"mon": [["20:00", "24:00"]]}, holidays=[], timezone="UTC")
    assert late.add(datetime(2026, 6, 1, 23, 0, tzinfo=UTC), 90) == datetime(2026, 6, 8, 20, 30, tzinfo=UTC)
    never = BusinessCalendar.of(business_hours={}, holidays=[], timezone="UTC")
    assert never.add(datetime(2026, 6, 1, tzinfo=UTC), 1) is None


@pytest.mark.parametrize(
    "value",
    [
        {"monday": [["09:00", "18:00"]]},
        {"mon": [["18:00", "09:00"]]},
        {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]},
        {"mon": [["9:00", "18:00"]]},
        {"mon": [["09:00", "25:00"]]},
        {"mon": "09:00-18:00"},
    ],
)
def test_bad_business_hours_are_refused(value):
    with pytest.raises(ApplicationError) as exc:
        business_hours_check(value)
    assert "business_hours" in exc.value.extra


def test_holidays_are_dates():
    assert holidays_check(["2026-12-25", "2026-01-01", "2026-12-25"]) == ["2026-01-01", "2026-12-25"]
    with pytest.raises(ApplicationError):
        holidays_check(["25/12/2026"])
