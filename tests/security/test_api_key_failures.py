"""Failed API key attempts per client address: past API_KEY_FAILURE_RATE, further failed attempts
answer 429 with Retry-After; a valid key still authenticates; no cache, no counting (fail open)."""

from __future__ import annotations

import logging
import socket

import pytest
from django.core.cache import cache
from django.test import override_settings

from crm.api import throttling

pytestmark = pytest.mark.django_db
URL = "/api/v1/tenant/"


@pytest.fixture(autouse=True)
def _three_failures_a_minute(settings):
    settings.API_KEY_FAILURE_RATE = "3/min"
    cache.clear()
    yield
    cache.clear()


def bad(client, address="10.1.1.1", key="nope"):
    return client.get(URL, HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=address)


def test_past_the_limit_failed_attempts_get_429_with_retry_after(client, monkeypatch):
    monkeypatch.setattr(throttling.time, "time", lambda: 600.0 * 60 + 20)  # 20 s into a minute
    codes = [bad(client, key=f"guess{n}").status_code for n in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    refused = bad(client)
    assert refused["Retry-After"] == "40"
    assert refused.json()["detail"].startswith("Too many failed API key attempts.")


def test_a_valid_key_still_works_from_a_blocked_address(client, api):
    for _ in range(4):
        bad(client)
    assert bad(client).status_code == 429
    assert api.get(URL, REMOTE_ADDR="10.1.1.1").status_code == 200
    assert bad(client).status_code == 429  # and does not lift the block for guesses


def test_the_count_is_per_address_and_per_window(client, monkeypatch):
    clock = [600.0 * 60]
    monkeypatch.setattr(throttling.time, "time", lambda: clock[0])
    for _ in range(4):
        bad(client)
    assert bad(client).status_code == 429
    assert bad(client, address="10.1.1.2").status_code == 401
    clock[0] += 60  # the next window
    assert bad(client).status_code == 401


def test_malformed_headers_count_as_failures(client):
    for _ in range(3):
        assert client.get(URL, HTTP_AUTHORIZATION="Token a b", REMOTE_ADDR="10.1.1.1").status_code == 401
    assert client.get(URL, HTTP_AUTHORIZATION="Token a b", REMOTE_ADDR="10.1.1.1").status_code == 429


def test_a_request_without_a_key_is_not_a_failed_attempt(client):
    for _ in range(5):
        assert client.get(URL, REMOTE_ADDR="10.1.1.1").status_code == 401
    assert bad(client).status_code == 401


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_cache_is_logged_and_never_refuses(client, caplog):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    with override_settings(CACHES=unreachable), caplog.at_level(logging.WARNING, logger="crm.api.auth"):
        codes = [bad(client).status_code for _ in range(5)]
    assert codes == [401] * 5
    assert "API key failure not counted: the cache is unreachable" in caplog.text
