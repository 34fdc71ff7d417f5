"""OpenAPI generation: nested ``InputSerializer``/``OutputSerializer`` classes get component
names prefixed with their view (``TicketReplyApiInput``), so they never collide."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    def _get_serializer_name(self, serializer, direction, bypass_extensions=False):
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        qualname = type(serializer).__qualname__
        if "." in qualname and "<locals>" not in qualname:
            outer = qualname.rsplit(".", 1)[0].replace(".", "")
            if not name.startswith(outer):
                name = outer + name
        return name
