from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from crm.models import Message
        from crm.providers import providers_connect
        from crm.signals import outbound_queued

        from .adapters.registry import autodiscover, registry
        from .services.outbound import outbound_enqueue

        autodiscover()
        providers_connect(registry)

        def enqueue_delivery(sender, *, message, **kwargs):
            outbound_enqueue(message)

        outbound_queued.connect(enqueue_delivery, sender=Message, dispatch_uid="channels_app.enqueue", weak=False)
