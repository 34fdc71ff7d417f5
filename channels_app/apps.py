from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from crm.models import Message
        from crm.signals import outbound_queued

        from .services.outbound import outbound_enqueue

        def enqueue_delivery(sender, *, message, **kwargs):
            outbound_enqueue(message)

        outbound_queued.connect(enqueue_delivery, sender=Message, dispatch_uid="channels_app.enqueue", weak=False)
