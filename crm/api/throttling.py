from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per API key (falls back to the client address when unauthenticated)."""

    scope = "api_key"

    def get_rate(self):
        # Read at request time, so a changed setting applies without a restart.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        key = request.auth
        ident = key.pk if key is not None and hasattr(key, "pk") else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
