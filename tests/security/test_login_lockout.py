"""Login throttling (django-axes) on the login page the dashboards and the admin share: after
AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tests.dashboards.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every attempt checks a password: a fast hasher keeps these many attempts quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def attempt(client, username, password, address="10.0.0.1", **extra):
    return client.post(
        f"{LOGIN}?next=/dashboard/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def fail_until_locked(client, username, address="10.0.0.1", **extra):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, username, "wrong", address, **extra).status_code == 200  # the form again
    assert attempt(client, username, "wrong", address, **extra).status_code == 429


def test_a_valid_login_reaches_the_dashboards(client, staff):
    response = attempt(client, staff.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_after_the_limit_even_the_right_password_is_refused(client, staff):
    fail_until_locked(client, staff.username)
    response = attempt(client, staff.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_user_and_address(client, staff, make_staff, tenant):
    other = make_staff(tenant, username="other")
    fail_until_locked(client, staff.username, "10.0.0.1")
    assert attempt(client, staff.username, PASSWORD, "10.0.0.2").status_code == 302  # another address
    client.logout()
    assert attempt(client, other.username, PASSWORD, "10.0.0.1").status_code == 302  # another user


def test_the_lockout_ends_after_the_cool_off(client, staff):
    fail_until_locked(client, staff.username)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME)
    assert attempt(client, staff.username, PASSWORD).status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, staff.username, "wrong")
    assert attempt(client, staff.username, PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, staff.username, "wrong").status_code == 200  # not locked


def test_a_forwarded_address_counts_only_behind_trusted_proxies(client, staff):
    """X-Forwarded-For is the client's own claim unless NUM_PROXIES says a proxy set it."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, staff.username, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert attempt(client, staff.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429

    AccessAttempt.objects.all().delete()
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
        fail_until_locked(client, staff.username, HTTP_X_FORWARDED_FOR="192.0.2.1")
        assert attempt(client, staff.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 302


def test_the_cool_off_and_limit_are_the_documented_defaults():
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME) == (5, timedelta(minutes=15))
