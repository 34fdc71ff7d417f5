from celery import shared_task

from channels_app.services.outbound import outbound_deliver


@shared_task(name="channels_app.outbound_message_deliver")
def outbound_message_deliver(message_id: int) -> None:
    outbound_deliver(message_id=message_id)
