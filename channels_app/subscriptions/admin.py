"""The subscriptions and their delivery log in the admin (managers of the row's tenant)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.admin.scoping import ReadOnlyMixin, ScopedInline, TenantScopedAdmin
from crm.models import Role

from .models import EventDelivery, EventDeliveryAttempt, OutgoingEvent, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyMixin, TenantScopedAdmin):
    """Read-only here: subscriptions are changed through the API (validated, audited)."""

    roles = {"view": Role.MANAGER}
    list_display = ("id", "tenant", "url", "active", "failing_since", "disabled_at", "delivery_log")
    list_filter = ("active",)
    exclude = ("secret",)

    @admin.display(description=_("delivery log"))
    def delivery_log(self, obj):
        url = reverse("admin:channels_app_eventdelivery_changelist") + f"?subscription__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("deliveries"))


class AttemptInline(ScopedInline):
    model = EventDeliveryAttempt
    readonly = True
    fields = ("number", "outcome", "response_code", "duration_ms", "error", "started_at", "finished_at")
    readonly_fields = fields
    extra = 0


@admin.register(EventDelivery)
class EventDeliveryAdmin(ReadOnlyMixin, TenantScopedAdmin):
    """The delivery log: each event for each subscription, its attempts (status, response
    code, duration, error)."""

    roles = {"view": Role.MANAGER}
    list_display = ("id", "subscription", "event_type", "status", "attempts", "last_code", "created_at", "error")
    list_filter = ("status", "subscription")
    list_select_related = ("event", "subscription")
    inlines = [AttemptInline]

    @admin.display(description=_("event"))
    def event_type(self, obj):
        return f"{obj.event.type} #{obj.event_id}"

    @admin.display(description=_("response code"))
    def last_code(self, obj):
        last = obj.attempt_log.order_by("-number").first()
        return last.response_code if last else None


@admin.register(EventDeliveryAttempt)
class EventDeliveryAttemptAdmin(ReadOnlyMixin, TenantScopedAdmin):
    roles = {"view": Role.MANAGER}
    list_display = ("delivery", "number", "outcome", "response_code", "duration_ms", "started_at", "error")
    list_filter = ("outcome",)


@admin.register(OutgoingEvent)
class OutgoingEventAdmin(ReadOnlyMixin, TenantScopedAdmin):
    roles = {"view": Role.MANAGER}
    list_display = ("id", "type", "contact_id", "created_at")
    list_filter = ("type",)
