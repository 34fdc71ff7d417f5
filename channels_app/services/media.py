"""Provider media: the files a customer sent that stay at the provider until fetched (Twilio's
``MediaUrlN``, Meta's media ids). The message is stored at once with a ``pending`` attachment;
this fetches the bytes (a task, retried), through the SSRF guard (crm.net), within the size
limit, and hands them to crm, which sniffs and stores them or records why not."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from django.conf import settings

from channels_app.adapters.registry import registry
from channels_app.errors import PermanentProviderError, TransientProviderError, error_for_status
from crm.models import Attachment, AttachmentStatus
from crm.net import UnsafeTarget, guarded_session, target_check
from crm.services.attachments import attachment_fail, attachment_fetched

logger = logging.getLogger("channels.media")
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class FetchedMedia:
    content: bytes
    content_type: str = ""  # as the provider declared it (crm sniffs the bytes)
    filename: str = ""


def media_get(url: str, *, auth=None, headers: dict | None = None) -> requests.Response:
    """GET ``url`` through the SSRF guard, streamed; the caller closes the response.
    PermanentProviderError for a refused target or a 4xx, TransientProviderError for a
    connection error, a timeout, 408, 429 or a 5xx."""
    try:
        target_check(url)
        response = guarded_session().get(
            url, auth=auth, headers=headers, stream=True, timeout=settings.ATTACHMENTS_FETCH_TIMEOUT
        )
    except UnsafeTarget as refused:
        raise PermanentProviderError(f"media URL refused: {refused}") from None
    except requests.RequestException as exc:
        if isinstance(exc.__context__, UnsafeTarget) or isinstance(exc.args[0] if exc.args else None, UnsafeTarget):
            raise PermanentProviderError(f"media URL refused: {exc}") from None
        raise TransientProviderError(f"media: connection error: {type(exc).__name__}") from None
    if response.status_code // 100 != 2:
        response.close()
        raise error_for_status(response.status_code, "media download refused")
    return response


def media_download(url: str, *, auth=None, headers: dict | None = None) -> FetchedMedia:
    """The bytes at ``url``, at most ``ATTACHMENTS_MAX_BYTES`` (more is a permanent failure)."""
    limit = settings.ATTACHMENTS_MAX_BYTES
    too_large = PermanentProviderError(f"media larger than {limit} bytes")
    with media_get(url, auth=auth, headers=headers) as response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise TransientProviderError(f"media: interrupted: {type(exc).__name__}") from None
        content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
        return FetchedMedia(content=b"".join(chunks), content_type=content_type)


def attachment_fetch_do(*, attachment_id: int) -> None:
    """Fetch a pending attachment from its channel's provider and store it. Raises
    TransientProviderError (the task retries) and records permanent failures itself."""
    attachment = (
        Attachment.objects.select_related("message__channel", "message__channel__tenant")
        .filter(pk=attachment_id, status=AttachmentStatus.PENDING)
        .first()
    )
    if attachment is None:
        return  # stored, failed or erased meanwhile
    channel = attachment.message.channel
    try:
        fetch = getattr(registry.get(channel.provider), "media_fetch", None)
        if fetch is None:
            raise PermanentProviderError(f"the {channel.provider} provider gives no media")
        media = fetch(channel=channel, source=attachment.source)
    except PermanentProviderError as exc:
        logger.warning("attachment %s not fetched: %s", attachment_id, exc)
        attachment_fail(attachment_id=attachment_id, reason=str(exc))
        return
    except LookupError:
        attachment_fail(attachment_id=attachment_id, reason=f"unknown provider {channel.provider!r}")
        return
    attachment_fetched(
        attachment=attachment, content=media.content, content_type=media.content_type, filename=media.filename
    )
