"""Normalisation and validation of identity addresses (the same rules everywhere)."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from crm.errors import ApplicationError
from crm.models import ChannelKind, IdentityKind

IDENTITY_KIND_FOR_CHANNEL: dict[str, str] = {
    ChannelKind.EMAIL: IdentityKind.EMAIL,
    ChannelKind.SMS: IdentityKind.PHONE,
    ChannelKind.WHATSAPP: IdentityKind.PHONE,
    ChannelKind.RCS: IdentityKind.PHONE,
    ChannelKind.VOICE: IdentityKind.PHONE,
    ChannelKind.WEBCHAT: IdentityKind.VISITOR,
    ChannelKind.SOCIAL: IdentityKind.SOCIAL,
    ChannelKind.PUSH: IdentityKind.EXTERNAL,
    ChannelKind.STORE: IdentityKind.EXTERNAL,
}
MAX_ADDRESS_LENGTH = 320


def channel_kinds_for_identities(identity_kinds: set[str]) -> set[str]:
    """Channel kinds a contact can be reached on, given the kinds of its identities."""
    return {ck for ck, ik in IDENTITY_KIND_FOR_CHANNEL.items() if ik in identity_kinds}


def normalize_address(kind: str, address: str, *, region: str = "FR", field: str = "address") -> str:
    """Return the stored form of ``address`` or raise a 400 naming ``field``."""
    if kind not in IdentityKind.values:
        raise ApplicationError(
            f"Unknown identity kind {kind!r}; expected one of {', '.join(IdentityKind.values)}.",
            {field: ["unknown identity kind"]},
        )
    if not isinstance(address, str) or not address.strip():
        raise ApplicationError("An address is required.", {field: ["this field is required"]})
    address = address.strip()
    if len(address) > MAX_ADDRESS_LENGTH:
        raise ApplicationError("The address is too long.", {field: ["at most 320 characters"]})
    return _NORMALIZERS[kind](address, region, field)


def _email(address: str, region: str, field: str) -> str:
    address = address.lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ApplicationError(f"{address!r} is not a valid e-mail address.", {field: ["invalid e-mail"]}) from None
    return address


def _phone(address: str, region: str, field: str) -> str:
    for prefix in ("whatsapp:", "tel:", "sms:", "rcs:"):
        if address.lower().startswith(prefix):
            address = address[len(prefix) :]
    try:
        number = phonenumbers.parse(address, region or None)
    except phonenumbers.NumberParseException:
        number = None
    # Possible, not valid: number plans change faster than the library's metadata (api.md,
    # "Senders and numbers"); a sender is never refused for its number plan.
    if number is None or not phonenumbers.is_possible_number(number):
        raise ApplicationError(f"{address!r} is not a possible phone number.", {field: ["invalid phone number"]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _social(address: str, region: str, field: str) -> str:
    platform, sep, handle = address.partition(":")
    if not sep or not platform.strip() or not handle.strip():
        raise ApplicationError("A social identity is written platform:handle.", {field: ["expected platform:handle"]})
    return f"{platform.strip().lower()}:{handle.strip().lstrip('@').lower()}"


def _opaque(address: str, region: str, field: str) -> str:
    return address


_NORMALIZERS = {
    IdentityKind.EMAIL: _email,
    IdentityKind.PHONE: _phone,
    IdentityKind.SOCIAL: _social,
    IdentityKind.VISITOR: _opaque,
    IdentityKind.EXTERNAL: _opaque,
}


def parse_identity_ref(ref: str, *, region: str, field: str = "identity") -> tuple[str, str]:
    """``kind:address`` → normalised ``(kind, address)``."""
    kind, sep, address = (ref or "").partition(":")
    if not sep:
        raise ApplicationError("Write an identity as kind:address.", {field: ["expected kind:address"]})
    return kind, normalize_address(kind, address, region=region, field=field)
