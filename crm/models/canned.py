from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned


class CannedResponse(TenantOwned):
    """A ready-made reply shared by the tenant's agents, inserted from the reply box with
    ``/shortcut``; ``{{ contact.name }}``, ``{{ ticket.id }}`` and ``{{ agent.name }}`` are filled
    in when it is used. ``language`` empty: for every language."""

    shortcut = models.SlugField(_("shortcut"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "shortcut", "language"], name="canned_shortcut_unique")
        ]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")

    def __str__(self) -> str:
        return f"/{self.shortcut}" + (f" ({self.language})" if self.language else "")
