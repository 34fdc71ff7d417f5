"""``imap``: an e-mail mailbox (Gmail, Microsoft 365, any IMAP server). Mail is fetched by
polling the mailbox (``manage.py poll_mailboxes``, the periodic task; ``channels_app.mailbox``),
not received on a webhook, and parsed like a raw RFC 5322 post; replies go out through the
channel's own SMTP server, threaded by Message-ID, In-Reply-To and References."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.mailbox.config import config_errors, mailbox_config
from channels_app.mailbox.smtp import ChannelSmtpBackend
from channels_app.mailbox.status import mailbox_status

from .email_base import EmailAdapter
from .registry import register


@register
class ImapAdapter(EmailAdapter):
    key = "imap"
    label = _("E-mail mailbox (IMAP and SMTP)")
    receives_webhooks = False
    required_credentials = ("imap_host", "username", "smtp_host")
    optional_credentials = (
        "imap_port", "imap_security", "password", "oauth2_token", "mailbox", "smtp_port", "smtp_security",
        "smtp_username", "smtp_password", "after_import", "move_to", "sent_folder",
    )  # fmt: skip

    def credential_errors(self, credentials: dict) -> list[str]:
        return config_errors(credentials)

    def reply_local_part(self, sender: str) -> str:
        """Replies come back to the mailbox itself: ``support+<ticket>-<signature>@``
        (plus-addressing, on by default at Gmail, Microsoft 365 and most servers)."""
        return sender.rsplit("@", 1)[0].split("+", 1)[0] or "reply"

    def connection(self, channel):
        return ChannelSmtpBackend(mailbox_config(channel.credentials))

    def status_of(self, channel) -> dict | None:
        return mailbox_status(channel)
