"""Requests per API key: a counter per key and fixed window in the cache.

DRF's ``SimpleRateThrottle`` keeps, per key, the list of its request times in the window and
reads and writes that whole list on every request: at 6,000 requests a minute that is 6,000
timestamps unpickled and pickled again per request, a cost that grows with the allowed rate.
A counter costs the same whatever the rate: one atomic increment (two cache calls), and a new
window starts with ``add``. A fixed window lets a key send up to twice its rate across a window
boundary, which a per-minute integrator limit tolerates.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ApiKeyRateThrottle(BaseThrottle):
    """Requests per API key (falls back to the client address when unauthenticated)."""

    scope = "api_key"

    def get_rate(self) -> str | None:
        # Read at request time, so a changed setting applies without a restart.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if (rate := self.get_rate()) is None:
            return True
        allowed, duration = parse_rate(rate)
        now = time.time()
        window = int(now // duration)
        self.retry_after = (window + 1) * duration - now
        key = request.auth
        ident = key.pk if key is not None and hasattr(key, "pk") else self.get_ident(request)
        return _count(f"throttle:{self.scope}:{ident}:{window}", duration) <= allowed

    def wait(self) -> float:
        return self.retry_after


def parse_rate(rate: str) -> tuple[int, int]:
    """``"6000/min"`` → ``(6000, 60)``: requests allowed and the window in seconds (DRF's form)."""
    number, _, period = rate.partition("/")
    try:
        return int(number), PERIODS[period[:1]]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"Invalid throttle rate {rate!r}: use <requests>/<s|min|hour|day>.") from None


def _count(key: str, duration: int) -> int:
    """This request's number in the window: ``incr`` of the window's counter, created at 1."""
    try:
        return cache.incr(key)
    except ValueError:  # the first request of the window (or its counter just expired)
        if cache.add(key, 1, timeout=duration + 1):
            return 1
        return cache.incr(key)  # another request created it in between
