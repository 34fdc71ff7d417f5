"""The framework floor: the least an ingest endpoint of this project can cost.

It authenticates with the same API key scheme, validates a body like the inbound message's
with a DRF serializer, and inserts one row. Installed only by ``bench.settings``.
"""
