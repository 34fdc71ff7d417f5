"""OpenAPI generation.

- Nested ``InputSerializer``/``OutputSerializer`` classes get component names prefixed with
  their view (``TicketReplyApiInput``), so they never collide.
- Every operation documents the error shape (``crm.api.errors``) for 400, 401, 403 and 404,
  here once rather than on each view.
- A list view that pages its results says so with ``pagination_class`` (``crm.api.base``):
  its response is documented as ``{count, next, previous, results}``.
"""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a message, and for invalid input the offending fields."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="field name: its messages (nested for nested fields)"
    )


ERROR_RESPONSES = {
    "400": "Invalid input: the offending fields are named in `errors`.",
    "401": "Missing, invalid or revoked API key.",
    "403": "The API key's role does not allow this action.",
    "404": "No such object for this tenant (a missing id and another tenant's id alike).",
}


class AutoSchema(BaseAutoSchema):
    def _get_serializer_name(self, serializer, direction, bypass_extensions=False):
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        qualname = type(serializer).__qualname__
        if "." in qualname and "<locals>" not in qualname:
            outer = qualname.rsplit(".", 1)[0].replace(".", "")
            if not name.startswith(outer):
                name = outer + name
        return name

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                error = OpenApiResponse(ErrorSerializer, description=description)
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses
