"""An e-mail archive (mbox) read as import rows: one mail at a time (Python's ``mailbox``),
parsed as live inbound mail is (anymail's parser, ``channels_app``'s e-mail content rules:
text from HTML, the new part of a reply, the Message-IDs it answers)."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator

from anymail.inbound import AnymailInboundMessage

from channels_app.adapters import email_content


def read_mails(path: str, *, own_addresses: set[str]) -> Iterator[tuple[int, dict | None, str, list[str]]]:
    """``(record number, fields, problem, references)`` for each mail of the archive at ``path``.

    A mail sent from one of ``own_addresses`` (the tenant's e-mail channels) is outbound,
    addressed to its first recipient; any other is inbound from its sender."""
    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            try:
                mime = AnymailInboundMessage.parse_raw_mime_bytes(box.get_bytes(key))
                email_content.headers_bound(mime)
                fields = _fields(mime, own_addresses)
            except Exception as exc:  # a mail that cannot be parsed is reported, never fatal
                yield number, None, f"unreadable mail: {exc}", []
                continue
            yield number, fields, "", email_content.references_of(mime)
    finally:
        box.close()


def _fields(mime: AnymailInboundMessage, own_addresses: set[str]) -> dict:
    sender = mime.from_email.addr_spec.lower() if mime.from_email else ""
    recipients = [a.addr_spec for a in mime.to + mime.cc]
    outbound = sender in own_addresses
    full = mime.text or email_content.html_to_text(mime.html or "")
    return {
        "type": "message",
        "occurred_at": mime.date.isoformat() if mime.date else "",
        "channel_kind": "email",
        "direction": "outbound" if outbound else "inbound",
        "purpose": "conversation",
        "from": sender,
        "to": recipients[0] if recipients else "",
        "subject": mime.subject or "",
        "text": email_content.strip_quoted(full),
        "external_id": (mime.get("Message-ID") or "").strip(),
    }
