"""A record of each simulation: its seed, size, virtual period and behavioural assumptions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimulationRun(models.Model):
    tenant = models.ForeignKey("crm.Tenant", on_delete=models.CASCADE, related_name="+")
    seed = models.BigIntegerField(_("seed"))
    customers = models.PositiveIntegerField(_("customers"))
    days = models.PositiveIntegerField(_("days"))
    #: virtual time covered by the simulation
    start = models.DateTimeField(_("virtual start"))
    end = models.DateTimeField(_("virtual end"))
    #: the behavioural parameters, as stated in the output and in the report's ``assumptions``
    assumptions = models.JSONField(_("assumptions"), default=list)
    counts = models.JSONField(_("what was driven"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "start"])]
        verbose_name = _("simulation run")
        verbose_name_plural = _("simulation runs")

    def __str__(self) -> str:
        return f"{self.tenant_id} seed={self.seed} {self.customers}×{self.days}d"
