"""What the widget shows, in every language it speaks (the page's ``<html lang>`` or
``data-language`` chooses; English otherwise). The context keeps the widget's words apart
from the dashboards' (a visitor "sends", an agent's form has a "Send" of its own)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import pgettext_lazy

LANGUAGES = ("en", "fr")
TEXTS = {
    "open": pgettext_lazy("web chat widget", "Chat with us"),
    "close": pgettext_lazy("web chat widget", "Close"),
    "title": pgettext_lazy("web chat widget", "Chat"),
    "online": pgettext_lazy("web chat widget", "An agent is online."),
    "offline": pgettext_lazy(
        "web chat widget",
        "No agent is online right now: leave your message and your e-mail address, we will answer you.",
    ),
    "email": pgettext_lazy("web chat widget", "Your e-mail address"),
    "placeholder": pgettext_lazy("web chat widget", "Write your message…"),
    "send": pgettext_lazy("web chat widget", "Send"),
    "you": pgettext_lazy("web chat widget", "You"),
    "agent": pgettext_lazy("web chat widget", "Agent"),
    "error": pgettext_lazy("web chat widget", "The message could not be sent. Please try again."),
    "unavailable": pgettext_lazy("web chat widget", "The chat is unavailable on this page."),
    "slow_down": pgettext_lazy("web chat widget", "Too many messages: please wait a moment."),
}


def widget_texts() -> dict[str, dict[str, str]]:
    texts = {}
    for language in LANGUAGES:
        with translation.override(language):
            texts[language] = {key: str(value) for key, value in TEXTS.items()}
    return texts
