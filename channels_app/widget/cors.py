"""CORS for the widget's endpoints: only the origins the channel lists (``allowed_origins``:
a list, or a string of origins separated by commas or spaces, e.g. ``https://shop.example``)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse

from crm.models import Channel

PREFLIGHT_MAX_AGE = 600


def origin_normalised(value: str) -> str | None:
    """``scheme://host[:port]`` lower-cased, as browsers send ``Origin``; None if not one."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


def allowed_origins(channel: Channel) -> set[str]:
    raw = channel.credentials.get("allowed_origins") or []
    values = raw if isinstance(raw, list) else re.split(r"[\s,]+", str(raw))
    return {o for o in (origin_normalised(str(v)) for v in values if v) if o}


def request_origin(request: HttpRequest, channel: Channel) -> str | None:
    """The request's ``Origin`` when the channel allows it; None otherwise (also without one)."""
    origin = origin_normalised(request.headers.get("Origin", ""))
    return origin if origin and origin in allowed_origins(channel) else None


def cors_headers(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def preflight(origin: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return cors_headers(response, origin)
