"""The IMAP connection of a mailbox channel, through IMAPClient: TLS (implicit or STARTTLS)
verified against the system's CAs (and ``MAILBOX_CA_FILE``), then a password login or XOAUTH2
(Google, Microsoft 365) with the channel's access token."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from .config import MailboxConfig


class MailboxUnavailable(Exception):
    """The mailbox cannot be reached or refuses the login; ``reason`` is shown on the channel."""

    def __init__(self, reason: str, *, login: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:1000]
        self.login = login


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.MAILBOX_CA_FILE or None)


def _decoded(exc: Exception) -> str:
    text = " ".join(a.decode(errors="replace") if isinstance(a, bytes) else str(a) for a in exc.args) or repr(exc)
    return f"{type(exc).__name__}: {text}"


def _open(config: MailboxConfig) -> IMAPClient:
    client = IMAPClient(
        config.imap_host,
        port=config.imap_port,
        ssl=config.imap_security == "ssl",
        ssl_context=tls_context(),
        timeout=settings.MAILBOX_TIMEOUT,
    )
    if config.imap_security == "starttls":
        client.starttls(tls_context())
    return client


def _login(client: IMAPClient, config: MailboxConfig) -> None:
    if config.oauth2_token:
        client.oauth2_login(config.username, config.oauth2_token)
    else:
        client.login(config.username, config.password)


@contextmanager
def mailbox_connection(config: MailboxConfig) -> Iterator[IMAPClient]:
    """A logged-in IMAPClient, logged out at the end. MailboxUnavailable when the server cannot
    be reached (``login=False``) or refuses the credentials (``login=True``)."""
    try:
        client = _open(config)
    except (OSError, IMAPClientError, ssl.SSLError) as exc:
        raise MailboxUnavailable(f"cannot connect to {config.imap_host}:{config.imap_port}: {_decoded(exc)}") from None
    try:
        try:
            _login(client, config)
        except LoginError as exc:
            raise MailboxUnavailable(f"login refused: {_decoded(exc)}", login=True) from None
        except (OSError, IMAPClientError) as exc:
            raise MailboxUnavailable(f"login failed: {_decoded(exc)}", login=True) from None
        yield client
    finally:
        _close(client)


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except (OSError, IMAPClientError):  # the connection was already broken: just drop it
        try:
            client.shutdown()
        except OSError:
            pass
