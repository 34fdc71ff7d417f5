"""What an inbound e-mail says: text from HTML, the new part of a reply, attachments,
whether it is an automatic reply, and the Message-IDs it refers to."""

from __future__ import annotations

import re
from email.message import Message as MimeMessage
from html.parser import HTMLParser

from crm.services.attachments import IncomingAttachment

BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr"}
SKIP_TAGS = {"script", "style", "head", "title"}
#: lines that open the quoted original in common mail clients
QUOTE_HEADERS = [
    re.compile(r"^\s*On .{1,300}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le .{1,300}a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am .{1,300}schrieb .{0,200}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Message d'origine\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*From:\s.+$"),
    re.compile(r"^_{10,}\s*$"),
]
MESSAGE_ID = re.compile(r"<[^<>\s]{1,994}>")
#: what one mail's headers and parts can make us keep (the direct parent and newest first)
MAX_REFERENCES = 50
MAX_ATTACHMENTS = 100
#: Python's e-mail parser takes about 50 µs per character of an address header (To, Cc...) and
#: more than 1 µs per character of the others: what a mail can make it parse is bounded
MAX_HEADERS = 300
MAX_ADDRESS_HEADER_CHARS = 4096
MAX_HEADER_CHARS = 16384
ADDRESS_HEADERS = {"from", "to", "cc", "bcc", "reply-to", "sender", "resent-to", "resent-cc", "resent-from"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self._skipping:
            self._skipping -= 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply: stops at the quoted original, drops ``>`` lines."""
    kept: list[str] = []
    for line in text.splitlines():
        if any(p.match(line) for p in QUOTE_HEADERS):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    stripped = "\n".join(kept).strip()
    return stripped or text.strip()


def is_auto_reply(mime: MimeMessage) -> bool:
    """RFC 3834 ``Auto-Submitted``, Exchange's suppress header, mailing lists, bulk precedence."""
    auto_submitted = (mime.get("Auto-Submitted") or "no").strip().lower()
    precedence = (mime.get("Precedence") or "").strip().lower()
    return (
        auto_submitted != "no"
        or mime.get("X-Auto-Response-Suppress") is not None
        or mime.get("List-Id") is not None
        or precedence in ("bulk", "junk", "list", "auto_reply")
    )


def _cut(name: str, value: str) -> str:
    if name.lower() in ADDRESS_HEADERS:
        return value if len(value) <= MAX_ADDRESS_HEADER_CHARS else value[:MAX_ADDRESS_HEADER_CHARS].rsplit(",", 1)[0]
    if len(value) <= MAX_HEADER_CHARS:
        return value
    if name.lower() == "references":  # the newest references are the last ones
        return value[-MAX_HEADER_CHARS:].split(None, 1)[-1]
    return value[:MAX_HEADER_CHARS]


def headers_bound(mime: MimeMessage) -> None:
    """Cut what the parser would spend seconds on: at most ``MAX_HEADERS`` headers, address
    headers at a comma before 4 KB, others at 16 KB (References keeps its newest ids)."""
    raw = list(mime.raw_items())
    if len(raw) <= MAX_HEADERS and all(_cut(name, value) is value for name, value in raw):
        return
    for name in {name for name, _ in raw}:
        del mime[name]
    for name, value in raw[:MAX_HEADERS]:
        mime[name] = _cut(name, re.sub(r"\r?\n", "", value))


def references_of(mime: MimeMessage) -> list[str]:
    """Message-IDs this mail answers, the direct parent first."""
    refs = MESSAGE_ID.findall(mime.get("In-Reply-To") or "")
    for ref in reversed(MESSAGE_ID.findall(mime.get("References") or "")):
        if len(refs) >= MAX_REFERENCES:
            break
        if ref not in refs:
            refs.append(ref)
    return refs[:MAX_REFERENCES]


def attachments_of(message) -> tuple[IncomingAttachment, ...]:
    """The files of an inbound mail (an AnymailInboundMessage, whatever the path it came by:
    a raw post, an ESP's webhook, a mailbox): its attachment parts and its inline images (a
    pasted screenshot), with their bytes, at most ``MAX_ATTACHMENTS``. crm stores them with the
    message, or records why not (too large, a refused type)."""
    parts = [p for p in message.walk() if p.is_attachment() or (p.is_inline() and p.get_content_maintype() == "image")]
    found = []
    for part in parts[:MAX_ATTACHMENTS]:
        try:
            content = part.get_content_bytes() or b""
        except (AssertionError, LookupError, ValueError, TypeError) as exc:
            found.append(IncomingAttachment(filename=part.get_filename() or "", error=f"unreadable part: {exc}"))
            continue
        found.append(
            IncomingAttachment(
                filename=part.get_filename() or "", content_type=part.get_content_type(), content=content
            )
        )
    return tuple(found)
