from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """The comparison of the policies: replay, observed and profile metrics, the report, its
    pages, API and commands. It reads every app below it and nothing imports it but config."""

    name = "insights"
    verbose_name = _("Insights")
