"""Outgoing webhooks: integrators subscribe a URL to change types and receive signed POSTs.

``models.py`` (subscriptions, the event rows, one delivery per event and subscription, the
delivery log), ``events.py`` (the receiver of ``crm.signals.change_published``: the event row
written in the changing transaction), ``delivery.py`` (claim in order per contact, POST, retry
with backoff, disable after a day of failures), ``services.py`` (subscriptions' writes),
``api.py`` (``/api/v1/webhook-subscriptions/``). See docs/channels.md, "Outgoing webhooks".
"""
