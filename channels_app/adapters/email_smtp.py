"""``smtp``: e-mail sent through Django's ``EMAIL_BACKEND``; received as raw RFC 5322 posts
signed with ``X-Signature`` (the ``secret`` credential), from any mail relay."""

from __future__ import annotations

from django.core.mail import get_connection
from django.utils.translation import gettext_lazy as _

from .email_base import EmailAdapter
from .registry import register


@register
class SmtpAdapter(EmailAdapter):
    key = "smtp"
    label = _("SMTP")

    def connection(self, channel):
        return get_connection()
