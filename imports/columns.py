"""The columns of a CSV or JSON Lines history file (docs/import.md); free of Django, so that
tools writing such files (``bench/import.py``, ``samples/make_history.py``) share them."""

COLUMNS = (
    "type",
    "occurred_at",
    "channel_kind",
    "direction",
    "purpose",
    "from",
    "to",
    "contact_email",
    "contact_phone",
    "contact_external_id",
    "subject",
    "text",
    "external_id",
    "event_name",
    "properties",
    "amount",
    "currency",
)
