"""Files of messages, never served publicly: to the tenant's staff (the ticket page), to its
API keys (``crm.api.attachments``), and to a provider through a signed, expiring URL for that
one attachment (an MMS, a WhatsApp media link)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from crm.models import Attachment
from crm.selectors.attachments import attachment_get
from crm.services.attachments import attachment_from_token, storage

from .access import DashboardView


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file: inline for the raster images the page shows, a download for anything else;
    never sniffed by the browser, never run as a page of ours."""
    try:
        stored = storage().open(attachment.storage_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such attachment.") from None
    response = FileResponse(
        stored,
        as_attachment=not attachment.is_image,
        filename=attachment.filename or f"attachment-{attachment.pk}",
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class AttachmentView(DashboardView):
    """GET: a file of one of the tenant's messages, for its staff (the ticket page)."""

    def get(self, request, pk):
        return attachment_response(attachment_get(tenant=self.tenant, pk=pk))


@require_safe
def attachment_signed(request, token: str):
    """GET: the one attachment a signed URL names, while it is valid; 404 otherwise."""
    attachment = attachment_from_token(token)
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment_response(attachment)
