"""API key authentication: ``Authorization: Token <key>``; a key belongs to one tenant.

Failed attempts are counted per client address in the cache the API throttle uses, in a fixed
window (``API_KEY_FAILURE_RATE``, e.g. ``20/min``): past the limit, further failed attempts from
that address answer 429 with ``Retry-After`` (the end of the window) instead of 401. A valid key
still authenticates from that address, so an integration sharing an address with a scanner keeps
working, while guessing keys gets no answer but 429. If the cache is unreachable the attempt is
not counted (logged): authentication never fails because of the counter.
"""

from __future__ import annotations

import logging

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.throttling import BaseThrottle

from crm.api.throttling import CACHE_ERRORS, window_count
from crm.models import ApiKey

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The client's address: the peer's, or the one ``NUM_PROXIES`` trusted proxies forwarded
    (DRF's rule), for the API and the login lockout alike."""
    return BaseThrottle().get_ident(getattr(request, "_request", request))


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise failed(request, "Invalid token header.")
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise failed(request, "Invalid token header.") from None
        key = ApiKey.objects.select_related("tenant").filter(key_hash=ApiKey.hash(raw), revoked_at__isnull=True).first()
        if key is None:
            raise failed(request, "Invalid or revoked API key.")
        return key, key

    def authenticate_header(self, request) -> str:
        return self.keyword


def failed(request, message: str) -> exceptions.APIException:
    """The error for a failed attempt: 401, or 429 once the address is past its limit."""
    try:
        window = window_count(f"auth-failures:{client_address(request)}", settings.API_KEY_FAILURE_RATE)
    except CACHE_ERRORS:  # the cache is down: do not count, never refuse for it
        logger.warning("API key failure not counted: the cache is unreachable", exc_info=True)
        return exceptions.AuthenticationFailed(message)
    if window.over:
        return exceptions.Throttled(wait=window.retry_after, detail="Too many failed API key attempts.")
    return exceptions.AuthenticationFailed(message)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "crm.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <api key>"}
