from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .teams import Availability


class Mode(models.TextChoices):
    MULTICHANNEL = "multichannel", _("Multichannel")
    CROSSCHANNEL = "crosschannel", _("Cross-channel")
    OMNICHANNEL = "omnichannel", _("Omnichannel")


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")

    @classmethod
    def rank(cls, role: str) -> int:
        return [cls.AGENT, cls.MANAGER, cls.ADMIN].index(role)


def default_fallback_order() -> list[str]:
    return ["whatsapp", "sms", "email"]


class Language(models.TextChoices):
    """Languages of the texts the product sends to customers on its own (contract: ``language``)."""

    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class Tenant(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.MULTICHANNEL)
    episode_gap_hours = models.PositiveIntegerField(_("episode gap (hours)"), default=72)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    default_region = models.CharField(_("default phone region"), max_length=2, default="FR")
    #: surveys, STOP confirmations and ready-made journeys, unless a contact's ``language`` says otherwise
    language = models.CharField(_("customers' language"), max_length=2, choices=Language.choices, default="fr")
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    frequency_cap_max_sends = models.PositiveIntegerField(_("frequency cap: sends"), null=True, blank=True)
    frequency_cap_days = models.PositiveIntegerField(_("frequency cap: days"), null=True, blank=True)
    fallback_order = models.JSONField(_("fallback order"), default=default_fallback_order, blank=True)
    offer_links = models.JSONField(_("offer links"), default=dict, blank=True)
    experiment_holdout_percent = models.PositiveSmallIntegerField(_("experiment holdout %"), null=True, blank=True)
    experiment_started_at = models.DateTimeField(_("experiment started at"), null=True, blank=True)
    experiment_salt = models.CharField(_("experiment salt"), max_length=32, blank=True)
    sla_policy = models.ForeignKey(
        "crm.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: an agent who goes away hands their open tickets on team channels to the team's rule
    reassign_when_away = models.BooleanField(_("reassign tickets when an agent goes away"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    #: the change types (``crm.services.changes.CHANGE_TYPES``) an active outgoing webhook
    #: subscription of the tenant listens to, kept by channels_app: crm publishes no other
    subscribed_events = models.JSONField(_("subscribed events"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return self.slug

    @property
    def has_experiment(self) -> bool:
        return self.experiment_holdout_percent is not None


class ModeChange(models.Model):
    """Every change of mode or experiment, with its time and author."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="mode_changes")
    mode = models.CharField(max_length=16, choices=Mode.choices)
    experiment = models.JSONField(null=True, blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["tenant", "changed_at", "id"]
        indexes = [models.Index(fields=["tenant", "changed_at"])]
        verbose_name = _("mode change")
        verbose_name_plural = _("mode changes")

    def __str__(self) -> str:
        return f"{self.get_mode_display()} · {self.changed_at:%Y-%m-%d %H:%M} · {self.changed_by}"


class Membership(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    availability = models.CharField(
        _("availability"), max_length=8, choices=Availability.choices, default=Availability.ONLINE
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"


class ApiKey(models.Model):
    """An API key: bound to one tenant and a role; only the SHA-256 of the key is stored."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    label = models.CharField(max_length=200, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.label or self.role})"

    @staticmethod
    def hash(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @property
    def is_authenticated(self) -> bool:
        return True
