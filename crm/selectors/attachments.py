"""Reads of attachments: the one a download names, and the prefetch every message list uses."""

from __future__ import annotations

from django.db.models import Prefetch

from crm.models import Attachment, AttachmentStatus, Tenant

from .scoping import get_scoped


def attachments_prefetch() -> Prefetch:
    """``Message.attachments`` in one query for a whole list of messages."""
    return Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))


def attachment_get(*, tenant: Tenant, pk) -> Attachment:
    """A stored attachment of ``tenant``: one 404 for missing, foreign, pending and failed."""
    return get_scoped(Attachment.objects.filter(status=AttachmentStatus.STORED), tenant=tenant, pk=pk)
