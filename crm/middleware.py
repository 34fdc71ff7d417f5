"""Refuse oversized request bodies with 413 before anything parses them."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.urls import Resolver404, resolve

#: an oversized body up to this size is read and discarded before the 413 goes out, so that
#: an ordinary client (which sends its whole body before reading the answer) reads the 413
#: instead of a connection reset, and a kept-alive connection stays in step; past it nothing is
#: read (reading more would be a way to hold a worker) and the server closes the connection
DRAIN_MAX_BYTES = 64 * 1024 * 1024
DRAIN_CHUNK_BYTES = 64 * 1024


def _drain(stream, length: int) -> None:
    """Read and discard ``length`` bytes of the body (less if the client stops sending)."""
    left = length
    while left > 0 and (chunk := stream.read(min(DRAIN_CHUNK_BYTES, left))):
        left -= len(chunk)


def body_limit(request) -> int:
    """``MAX_REQUEST_BODY_BYTES``, or more for a view that takes files and says how much
    (``body_limit_setting``, the name of the setting: the API's inbound messages and replies,
    the ticket page's reply form, which take files)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return settings.MAX_REQUEST_BODY_BYTES
    view = getattr(match.func, "view_class", match.func)
    return view_body_limit(view)


def view_body_limit(view) -> int:
    name = getattr(view, "body_limit_setting", "")
    return max(getattr(settings, name, 0) if name else 0, settings.MAX_REQUEST_BODY_BYTES)


class BodySizeLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
        if length > settings.MAX_REQUEST_BODY_BYTES and length > (limit := body_limit(request)):
            response = JsonResponse(
                {"detail": f"Request body too large: at most {limit} bytes."},
                status=413,
            )
            if length <= DRAIN_MAX_BYTES and (stream := request.META.get("wsgi.input")) is not None:
                _drain(stream, length)
            return response
        return self.get_response(request)
