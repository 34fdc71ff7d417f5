from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone (E.164)")
    SOCIAL = "social", _("Social (platform:handle)")
    VISITOR = "visitor", _("Web visitor")
    EXTERNAL = "external", _("External id")


class Contact(TenantOwned):
    name = models.CharField(_("name"), max_length=200, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "created_at"])]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        """The name, else the first address when identities are at hand (prefetched), else a
        numbered label: never a bare ``#12``."""
        if self.name:
            return self.name
        cached = getattr(self, "_prefetched_objects_cache", {}).get("identities")
        if cached:
            return cached[0].address
        return _("Customer #%(pk)s") % {"pk": self.pk}


class Identity(TenantOwned):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=16, choices=IdentityKind.choices)
    address = models.CharField(_("address"), max_length=320)
    verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind", "address"], name="identity_unique_per_tenant")]
        indexes = [models.Index(fields=["tenant", "contact"])]
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        return f"{self.kind}:{self.address}"


class ConsentStatus(models.TextChoices):
    OPTED_IN = "opted_in", _("Opted in")
    OPTED_OUT = "opted_out", _("Opted out")


class Consent(TenantOwned):
    """Current consent of a contact for one channel kind; each change is also an Event."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel_kind = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=ConsentStatus.choices)
    source = models.CharField(max_length=32, default="api")
    source_message = models.ForeignKey("crm.Message", null=True, blank=True, on_delete=models.SET_NULL)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "contact", "channel_kind"], name="consent_unique")]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")


class ContactMerge(TenantOwned):
    kept = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges")
    merged_contact_id = models.BigIntegerField()
    merged_name = models.CharField(max_length=200, blank=True)
    merged_at = models.DateTimeField()
    merged_by = models.CharField(max_length=200)
    moved = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["tenant", "merged_at"])]
        verbose_name = _("contact merge")
        verbose_name_plural = _("contact merges")
