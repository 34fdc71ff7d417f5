from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.fields import EncryptedJSONField
from crm.providers import validate_provider

from .base import TenantOwned


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    RCS = "rcs", _("RCS")
    VOICE = "voice", _("Voice")
    WEBCHAT = "webchat", _("Web chat")
    SOCIAL = "social", _("Social")
    PUSH = "push", _("Push")
    STORE = "store", _("Store")


def new_webhook_token() -> str:
    return secrets.token_urlsafe(18)


class Channel(TenantOwned):
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=200)
    # A key of the provider registry (channels_app.adapters), checked against it, not a fixed list.
    provider = models.CharField(_("provider"), max_length=32, default="console", validators=[validate_provider])
    address = models.CharField(_("address"), max_length=320, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Write-only through the API, never logged, never shown in full in the admin.
    credentials = EncryptedJSONField(_("credentials"), default=dict, blank=True)
    webhook_token = models.CharField(max_length=40, unique=True, default=new_webhook_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    #: the team whose members get this channel's new tickets, by its rule (``crm.services.assignment``)
    team = models.ForeignKey(
        "crm.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="channels", db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["tenant", "kind"])]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def __repr__(self) -> str:  # credentials never appear in logs or tracebacks
        return f"<Channel {self.pk} {self.kind}/{self.provider}>"
