"""Requests per API key: a counter per key and fixed window in the cache.

DRF's ``SimpleRateThrottle`` keeps, per key, the list of its request times in the window and
reads and writes that whole list on every request: at 6,000 requests a minute that is 6,000
timestamps unpickled and pickled again per request, a cost that grows with the allowed rate.
A counter costs the same whatever the rate: one atomic increment (two cache calls), and a new
window starts with ``add``. A fixed window lets a key send up to twice its rate across a window
boundary, which a per-minute integrator limit tolerates.

An unreachable cache lets the request through (fails open): the throttle protects the service,
it must not take it down with the cache. The outage is logged, at most once a
``API_THROTTLE_OUTAGE_LOG_SECONDS``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
logger = logging.getLogger(__name__)
_outage_logged_at = float("-inf")


def _cache_errors() -> tuple[type[BaseException], ...]:
    """What the cache raises when its server cannot be reached (Redis; sockets for the others)."""
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a runtime requirement
        return (OSError,)
    return (RedisConnectionError, RedisTimeoutError, OSError)


CACHE_ERRORS = _cache_errors()


class ApiKeyRateThrottle(BaseThrottle):
    """Requests per API key (falls back to the client address when unauthenticated)."""

    scope = "api_key"

    def get_rate(self) -> str | None:
        # Read at request time, so a changed setting applies without a restart.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if (rate := self.get_rate()) is None:
            return True
        key = request.auth
        ident = key.pk if key is not None and hasattr(key, "pk") else self.get_ident(request)
        try:
            window = window_count(f"throttle:{self.scope}:{ident}", rate)
        except CACHE_ERRORS as exc:
            _log_outage(exc)
            return True
        self.retry_after = window.retry_after
        return not window.over

    def wait(self) -> float:
        return self.retry_after


@dataclass(frozen=True)
class Window:
    """This request's place in its fixed window: past the rate or not, and when the window ends."""

    over: bool
    retry_after: float


def window_count(name: str, rate: str) -> Window:
    """Count one more event of ``name`` in the current window of ``rate`` (``"20/min"``); raises
    one of ``CACHE_ERRORS`` when the cache is unreachable (the caller fails open)."""
    allowed, duration = parse_rate(rate)
    now = time.time()
    window = int(now // duration)
    return Window(_count(f"{name}:{window}", duration) > allowed, (window + 1) * duration - now)


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


def _log_outage(exc: BaseException) -> None:
    global _outage_logged_at
    now = time.monotonic()
    if now - _outage_logged_at >= settings.API_THROTTLE_OUTAGE_LOG_SECONDS:
        _outage_logged_at = now
        logger.warning("API throttle off: the cache is unreachable (%r); requests are let through", exc)
