"""The audit log: who did what to which row of a tenant, when and from where."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned


class AuditEntry(TenantOwned):
    """One audited action, written once by ``crm.services.audit.audit_record`` and never changed.

    ``summary`` names what changed (fields, credential keys, ids) and never holds a secret or a
    customer's personal data, so an erasure leaves the log as it is.
    """

    at = models.DateTimeField(_("at"), default=timezone.now)
    #: ``staff:<username>``, ``api-key:<prefix> (<label>)`` or the name of a command (``demo``)
    actor = models.CharField(_("actor"), max_length=200)
    #: the actor's role in the tenant (agent, manager, admin, superuser); empty for a command
    actor_role = models.CharField(_("actor role"), max_length=16, blank=True)
    #: ``<object type>.<verb>``: contact.erase, channel.credentials_change, api_key.revoke, ...
    action = models.CharField(_("action"), max_length=64)
    #: ``app_label.model_name`` of the row acted on, and its id
    target_type = models.CharField(_("object type"), max_length=64)
    target_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=1000, blank=True)
    #: the client's IP address, when the action came through the API or the admin
    address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "at"])]
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id} by {self.actor}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)
