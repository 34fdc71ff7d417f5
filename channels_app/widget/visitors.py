"""Who a widget visitor is: the token the server issues, its identity, the e-mail it proves.

A visitor's token is random (144 bits) and signed by the server (``SECRET_KEY``, salted with
the channel), so a token the server did not issue is refused. The token itself is stored only
in the visitor's browser (``localStorage``); the CRM stores the visitor identity
``visitor:<sha-256 of the token, 32 hex>``, which cannot be turned back into a token: a leaked
identity (an export, the timeline) gives nobody the conversation.

An e-mail given by the page is *verified* when ``data-email-hash`` is the hex HMAC-SHA256 of the
lower-cased address with the channel's ``secret`` (or ``previous_secret`` during a rotation);
otherwise it is only a claim, kept on the messages, never linked to a contact.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.crypto import constant_time_compare

from channels_app.adapters.base import hmac_sha256_hex, secrets_of
from crm.models import Channel

MAX_TOKEN_LENGTH = 100
MAX_EMAIL_LENGTH = 254


@dataclass(frozen=True)
class Visitor:
    channel: Channel
    token: str
    address: str  # the visitor identity's address
    verified_email: str | None = None  # proved by the page's hash
    claimed_email: str | None = None  # given without a valid hash: a claim only


def _signer(channel: Channel) -> signing.Signer:
    return signing.Signer(salt=f"channels_app.widget.visitor:{channel.pk}")


def visitor_token_issue(channel: Channel) -> str:
    return _signer(channel).sign(secrets.token_urlsafe(18))


def visitor_address(channel: Channel, token: object) -> str | None:
    """The visitor identity of a token this server issued for ``channel``; None otherwise."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        _signer(channel).unsign(token)
    except signing.BadSignature:
        return None
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def email_normalised(value: object) -> str | None:
    """The lower-cased address, or None when ``value`` is not an e-mail address."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_EMAIL_LENGTH:
        return None
    email = value.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        return None
    return email


def email_hash(secret: str, email: str) -> str:
    """What the business's server computes for ``data-email-hash``."""
    return hmac_sha256_hex(secret, email.lower().encode())


def email_verified(channel: Channel, email: str, given_hash: object) -> bool:
    if not isinstance(given_hash, str) or not given_hash:
        return False
    given = given_hash.strip().lower()
    return any(constant_time_compare(given, email_hash(s, email)) for s in secrets_of(channel, "secret"))


def visitor_read(channel: Channel, data: dict) -> Visitor | None:
    """The visitor a request names (``token``, ``email``, ``email_hash``); None for a token the
    server did not issue."""
    token = data.get("token")
    address = visitor_address(channel, token)
    if address is None:
        return None
    return visitor_with_email(Visitor(channel=channel, token=token, address=address), data)


def visitor_new(channel: Channel, data: dict) -> Visitor:
    """A visitor with a token issued now, and the e-mail the request gives."""
    token = visitor_token_issue(channel)
    return visitor_with_email(Visitor(channel=channel, token=token, address=visitor_address(channel, token)), data)


def visitor_with_email(visitor: Visitor, data: dict) -> Visitor:
    email = email_normalised(data.get("email"))
    if email is None:
        return visitor
    if email_verified(visitor.channel, email, data.get("email_hash")):
        return Visitor(visitor.channel, visitor.token, visitor.address, verified_email=email)
    return Visitor(visitor.channel, visitor.token, visitor.address, claimed_email=email)
