from django.contrib import admin, messages
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _

from channels_app.errors import WebhookUnparseable
from crm.admin.scoping import ReadOnlyMixin, TenantScopedAdmin
from crm.errors import ApplicationError
from crm.models import Role

from .models import DeliveryAttempt, EmailReference, MessageTemplate, StatusReceipt, WebhookPayload
from .services.inbound import storable_text, webhook_payload_replay


@admin.register(WebhookPayload)
class WebhookPayloadAdmin(TenantScopedAdmin):
    """Raw provider payloads that could not be processed: managers inspect and replay them."""

    roles = {"view": Role.MANAGER, "change": Role.MANAGER}
    list_display = ("id", "received_at", "tenant", "channel", "provider", "state", "short_error")
    list_filter = ("state", "provider")
    actions = ["replay"]
    readonly_fields = [f.name for f in WebhookPayload._meta.fields if f.name != "body_b64"] + ["body_text"]
    exclude = ("body_b64",)

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return obj.error[:120]

    @admin.display(description=_("body"))
    def body_text(self, obj):
        return obj.body.decode("utf-8", errors="replace")[:20000]

    @admin.action(description=_("Replay the selected payloads"))
    def replay(self, request, queryset):
        done = 0
        for payload in self.writable(request, queryset).exclude(state="replayed"):
            try:
                webhook_payload_replay(payload=payload)
                done += 1
            except (OperationalError, InterfaceError):
                raise  # the database is unavailable: the page says so, the payloads stay as they are
            except Exception as exc:  # still unusable (or a bug of ours): say why, keep the payload
                reason = str(exc) if isinstance(exc, WebhookUnparseable | ApplicationError) else repr(exc)
                payload.error = storable_text(reason[:5000])
                payload.save(update_fields=["error"])
                self.message_user(request, f"#{payload.pk} still fails: {payload.error[:500]}", messages.ERROR)
        self.message_user(request, f"{done} payload(s) replayed.", messages.SUCCESS)


class ReadOnlyAdmin(ReadOnlyMixin, TenantScopedAdmin):
    """Delivery history, visible to the staff of the row's tenant, never edited."""


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("message", "number", "provider", "outcome", "started_at", "finished_at", "error")
    list_filter = ("outcome", "provider")


@admin.register(StatusReceipt)
class StatusReceiptAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "status", "provider_status", "applied", "message", "received_at")
    list_filter = ("status", "applied")


@admin.register(EmailReference)
class EmailReferenceAdmin(ReadOnlyAdmin):
    list_display = ("message_id_header", "message", "ticket")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ReadOnlyAdmin):
    """A channel's WhatsApp templates as last synced (``POST /channels/{id}/templates/sync/``)."""

    list_display = ("name", "language", "channel", "category", "status", "parameters", "synced_at")
    list_filter = ("status", "category", "channel")
    search_fields = ("name", "body")


from .subscriptions import admin as subscriptions_admin  # noqa: E402, F401  (registers its admins)
