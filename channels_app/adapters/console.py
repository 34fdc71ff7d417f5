"""The ``console`` provider: records the send in the log, delivers nothing."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .base import Adapter, ProviderResult
from .registry import register

logger = logging.getLogger("channels.console")


@register
class ConsoleAdapter(Adapter):
    key = "console"
    label = _("Console (records, delivers nothing)")

    def send(self, *, channel, message) -> ProviderResult:
        logger.info(
            "console send %s via %s to %s: %s", message.pk, channel.kind, message.to_address, message.text[:200]
        )
        return ProviderResult(external_id=f"console-{message.pk}")

    def attachments_limit(self, channel) -> int:
        return settings.ATTACHMENTS_MAX_PER_MESSAGE  # records them with the message
