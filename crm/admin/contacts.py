"""Admin for contacts (identity and consent inlines, merge, erase), identities, events."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.errors import ApplicationError
from crm.models import ChannelKind, Consent, Contact, ContactMerge, Event, Identity, Tenant
from crm.services.addresses import normalize_address
from crm.services.contacts import consent_set, contact_delete, contact_erase, contact_merge
from crm.services.events import event_record

from .deletes import DeleteThroughService
from .scoping import ReadOnlyMixin, ScopedInline, TenantScopedAdmin, TenantScopedForm, actor


class IdentityForm(TenantScopedForm):
    """Addresses are normalised as everywhere else (E.164 phones, lower-cased e-mails)."""

    def clean(self):
        data = super().clean()
        tenant_id = self.form_tenant_id()
        if data.get("kind") and data.get("address") and tenant_id:
            region = Tenant.objects.filter(pk=tenant_id).values_list("default_region", flat=True).first()
            try:
                data["address"] = normalize_address(data["kind"], data["address"], region=region or "FR")
            except ApplicationError as exc:
                self.add_error("address", exc.message)
            self.instance.address = data.get("address", "")
        return data


class IdentityInline(ScopedInline):
    model = Identity
    form = IdentityForm
    fields = ["kind", "address", "verified"]


class ConsentForm(TenantScopedForm):
    channel_kind = forms.ChoiceField(label=_("channel kind"), choices=ChannelKind.choices)

    class Meta:
        model = Consent
        fields = ["tenant", "contact", "channel_kind", "status"]


class ConsentInline(ScopedInline):
    model = Consent
    fields = ["channel_kind", "status", "source", "changed_at"]
    readonly = True  # consent changes go through the API or the customer (STOP), and are events

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(DeleteThroughService, TenantScopedAdmin):
    delete_service = contact_delete
    list_display = ["__str__", "identity_list", "tenant", "created_at", "erased_at"]
    list_filter = ["created_at", ("erased_at", admin.EmptyFieldListFilter), "identities__kind"]
    list_select_related = ["tenant"]
    search_fields = ["name", "identities__address"]
    readonly_fields = ["created_at", "erased_at"]
    inlines = [IdentityInline, ConsentInline]
    actions = ["merge_selected", "erase_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("identities")

    def get_search_results(self, request, queryset, search_term):
        queryset, _dupes = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=_("identities"))
    def identity_list(self, obj):
        return ", ".join(str(i) for i in obj.identities.all())

    @admin.action(description=_("Merge selected contacts into the oldest"))
    def merge_selected(self, request, queryset):
        selected = self.writable(request, queryset, "change").select_related("tenant")
        contacts = sorted(selected, key=lambda c: (c.created_at, c.pk))
        if len(contacts) < 2 or len({c.tenant_id for c in contacts}) != 1:
            self.message_user(request, _("Select at least two contacts of one tenant."), messages.ERROR)
            return
        kept = contacts[0]
        for other in contacts[1:]:
            kept = contact_merge(tenant=kept.tenant, contact=kept, other=other, by=actor(request, kept.tenant_id))
        self.message_user(
            request, _("%(count)d contacts merged into %(kept)s.") % {"count": len(contacts) - 1, "kept": kept}
        )

    def has_erase_permission(self, request) -> bool:
        return self._allowed(request, "delete")  # a manager, as in the API

    @admin.action(description=_("Erase personal data of selected contacts"), permissions=["erase"])
    def erase_selected(self, request, queryset):
        contacts = list(self.writable(request, queryset, "delete").select_related("tenant"))
        for contact in contacts:
            contact_erase(tenant=contact.tenant, contact=contact, by=actor(request, contact.tenant_id))
        self.message_user(request, ngettext("%d contact erased.", "%d contacts erased.", len(contacts)) % len(contacts))


@admin.register(Identity)
class IdentityAdmin(TenantScopedAdmin):
    form = IdentityForm
    list_display = ["address", "kind", "contact", "verified", "tenant"]
    list_filter = ["kind", "verified"]
    list_select_related = ["contact", "tenant"]
    search_fields = ["address", "contact__name"]
    raw_id_fields = ["contact"]


@admin.register(Consent)
class ConsentAdmin(TenantScopedAdmin):
    """Consent is set through ``consent_set``, so every change is also a timeline event."""

    form = ConsentForm
    list_display = ["contact", "channel_kind", "status", "source", "changed_at"]
    list_filter = ["channel_kind", "status", "source"]
    list_select_related = ["contact"]
    search_fields = ["contact__name", "contact__identities__address"]
    raw_id_fields = ["contact"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["contact", "channel_kind"] if obj is not None else []
        return [*fixed, "source", "source_message", "changed_at"]

    def get_search_results(self, request, queryset, search_term):
        queryset, _dupes = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    def save_model(self, request, obj, form, change):
        if obj.tenant_id is None:
            obj.tenant_id = self._single_tenant(request)
        consent = consent_set(
            tenant=Tenant.objects.get(pk=obj.tenant_id),
            contact=obj.contact,
            channel_kind=obj.channel_kind,
            status=obj.status,
            source="admin",
        )
        obj.__dict__.update({k: v for k, v in consent.__dict__.items() if k != "_state"})
        obj._state.adding, obj._state.db = False, consent._state.db


@admin.register(ContactMerge)
class ContactMergeAdmin(ReadOnlyMixin, TenantScopedAdmin):
    list_display = ["kept", "merged_contact_id", "merged_name", "merged_at", "merged_by"]
    list_select_related = ["kept"]
    search_fields = ["merged_name", "kept__name"]


class EventForm(TenantScopedForm):
    class Meta:
        model = Event
        fields = ["tenant", "contact", "name", "channel", "properties", "occurred_at"]


@admin.register(Event)
class EventAdmin(TenantScopedAdmin):
    """Events are facts: recorded here through ``event_record`` (journeys react), never edited."""

    form = EventForm
    list_display = ["name", "contact", "channel_kind", "occurred_at", "tenant"]
    list_filter = ["name", "channel_kind"]
    list_select_related = ["contact", "tenant"]
    search_fields = ["name", "contact__name"]
    raw_id_fields = ["contact", "channel"]
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        tenant = Tenant.objects.get(pk=obj.tenant_id or self._single_tenant(request))
        result = event_record(
            tenant=tenant,
            contact=obj.contact,
            name=obj.name,
            channel=obj.channel,
            properties=obj.properties,
            occurred_at=obj.occurred_at,
        )
        obj.__dict__.update({k: v for k, v in result.event.__dict__.items() if k != "_state"})
        obj._state.adding, obj._state.db = False, result.event._state.db
