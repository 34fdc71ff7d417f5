from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per API key (falls back to the client address when unauthenticated)."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        ident = request.auth.pk if request.auth is not None and hasattr(request.auth, "pk") else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
