from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from crm.providers import providers_connect

        from .adapters.registry import autodiscover, registry

        autodiscover()
        providers_connect(registry)
