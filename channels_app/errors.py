class TransientProviderError(Exception):
    """A send that may succeed later (timeout, 408, 429, 5xx): retried with backoff."""


class PermanentProviderError(Exception):
    """A send the provider refused for good (other 4xx): failed at once with the reason."""


class OutsideWindowError(PermanentProviderError):
    """A WhatsApp session message outside the 24-hour customer service window."""


class WebhookForbidden(Exception):
    """The request failed the provider's authentication: 403, nothing stored."""


class WebhookUnparseable(Exception):
    """The request authenticated but cannot be understood: 400, raw payload kept."""


def error_for_status(status_code: int, reason: str) -> Exception:
    """Classify a provider HTTP answer: 408, 429 and 5xx may succeed later, other 4xx never."""
    if status_code in (408, 429) or status_code >= 500:
        return TransientProviderError(f"HTTP {status_code}: {reason}"[:2000])
    return PermanentProviderError(f"HTTP {status_code}: {reason}"[:2000])
