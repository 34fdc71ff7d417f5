class TransientProviderError(Exception):
    """A send that may succeed later (timeout, 408, 429, 5xx): retried with backoff."""


class PermanentProviderError(Exception):
    """A send the provider refused for good (other 4xx): failed at once with the reason."""
