"""Sending through a mailbox channel's own SMTP server: Django's SMTP backend with the
channel's host, port, security and login (a password, or XOAUTH2 with the channel's access
token), verified TLS, and optionally a copy of each mail appended to the mailbox's Sent folder."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.utils.functional import cached_property
from imapclient.exceptions import IMAPClientError

from .config import MailboxConfig
from .imap import MailboxUnavailable, mailbox_connection, tls_context

logger = logging.getLogger("channels.mailbox")


def xoauth2_string(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (Google and Microsoft): before base64 encoding."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


class ChannelSmtpBackend(EmailBackend):
    def __init__(self, config: MailboxConfig, **kwargs) -> None:
        self.config = config
        self.oauth2 = bool(config.oauth2_token and not config.smtp_password)
        super().__init__(
            host=config.smtp_host,
            port=config.smtp_port,
            username=config.smtp_username,
            password=None if self.oauth2 else config.smtp_password,
            use_tls=config.smtp_security == "starttls",
            use_ssl=config.smtp_security == "ssl",
            timeout=settings.MAILBOX_TIMEOUT,
            fail_silently=False,
            **kwargs,
        )

    @cached_property
    def ssl_context(self):
        return tls_context()

    def open(self):
        opened = super().open()
        if opened and self.oauth2:
            try:
                self.connection.ehlo_or_helo_if_needed()
                token = xoauth2_string(self.config.smtp_username, self.config.oauth2_token)
                self.connection.auth("XOAUTH2", lambda challenge=None: token)
            except BaseException:
                self.close()
                raise
        return opened

    def _send(self, email_message):
        sent = super()._send(email_message)
        if sent and self.config.sent_folder:
            self._keep_copy(email_message.message().as_bytes(linesep="\r\n"))
        return sent

    def _keep_copy(self, raw: bytes) -> None:
        """Append the mail sent to the Sent folder, seen. Failing here does not fail the send
        (the customer has the mail): it is logged."""
        try:
            with mailbox_connection(self.config) as client:
                client.append(self.config.sent_folder, raw, flags=[b"\\Seen"])
        except (MailboxUnavailable, OSError, IMAPClientError) as exc:
            logger.warning("sent mail not copied to %r: %s", self.config.sent_folder, exc)
