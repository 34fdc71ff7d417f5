"""A database outage answers 503, never a 500: JSON ``{"detail": ...}`` with ``Retry-After`` on
the API and the providers' webhooks (providers retry on a 5xx, and ``Retry-After`` paces them),
a plain translated page (``templates/503.html``) on the dashboards.

``CONN_HEALTH_CHECKS`` (settings) has the first request after a restart reconnect; this answers
the requests that come while the database cannot be reached at all. Django closes the broken
connection when the request finishes, so the next request tries a new one.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)
JSON_PREFIXES = ("/api/", "/webhooks/")


class DatabaseOutageMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unreachable, %s %s answered 503: %s", request.method, request.path, exception)
        return database_outage_response(request)


def database_outage_response(request) -> HttpResponse:
    retry_after = settings.DATABASE_OUTAGE_RETRY_AFTER
    if request.path.startswith(JSON_PREFIXES):
        response = JsonResponse(
            {"detail": "Service temporarily unavailable: the database cannot be reached. Retry later."}, status=503
        )
    else:
        # A page of its own: base.html reads the session and the tenants, which need the database.
        response = HttpResponse(render_to_string("503.html", {"retry_after": retry_after}, request=None), status=503)
    response["Retry-After"] = str(retry_after)
    return response
