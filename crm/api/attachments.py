from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from crm.selectors.attachments import attachment_get
from crm.views.attachments import attachment_response

from .base import TenantApi


class AttachmentContentApi(TenantApi):
    """The file of a message's attachment (its ``url``): the same API key as the rest."""

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file")}
    )
    def get(self, request, pk):
        return attachment_response(attachment_get(tenant=self.tenant, pk=pk))
