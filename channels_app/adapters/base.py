"""The adapter interface every provider module implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from crm.models import Channel, Message


@dataclass(frozen=True)
class ProviderResult:
    """What a provider answered to a send: its id for the message, if any."""

    external_id: str | None = None
    metadata: dict | None = None


class Adapter:
    key: ClassVar[str]
    #: provider message statuses → MessageStatus values
    status_map: ClassVar[dict[str, str]] = {}

    def send(self, *, channel: Channel, message: Message) -> ProviderResult:
        raise NotImplementedError
