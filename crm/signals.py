"""Signals other apps listen to, so crm never imports them.

crm is the core: where it must let the apps above it act, it sends one of these inside the
transaction that writes, and each app connects its receivers in its ``AppConfig.ready()``.
A receiver's writes are part of that transaction: if it raises, nothing is written.
"""

from django.dispatch import Signal

#: sent inside ``contact_merge``, with both contacts locked, before any row moves:
#: ``sender=Contact, tenant=, kept=, other=, at=``. Receivers make the merge possible (journeys
#: exits duplicate enrollments) and move the rows of their own app from ``other`` to ``kept``;
#: a receiver returns ``{model name: rows moved}`` for the merge's record, or None.
contact_merging = Signal()

#: sent inside ``contact_erase``, with the contact locked, after crm's own rows are scrubbed:
#: ``sender=Contact, tenant=, contact=, addresses=, at=, by=``: ``addresses`` are those of the
#: identities the contact had (deleted by then). Receivers scrub the personal data their app
#: keeps about the contact (webhook payload bodies, offers' descriptions ...).
contact_erasing = Signal()

#: sent when an outbound message (the outbox row, status ``queued``) has been written:
#: ``sender=Message, message=``. channels_app enqueues its delivery on commit.
outbound_queued = Signal()

#: sent when a customer event has been recorded (not for a duplicate idempotency key), in
#: the same transaction: ``sender=Event, event=``. journeys applies it (trigger, goal, wake-up)
#: and returns the ids of the journeys the contact entered.
event_recorded = Signal()

#: sent by ``crm.services.changes.change_publish`` when crm wrote a change integrators may be
#: told of (outgoing webhooks), inside the transaction that wrote it, and only for the types the
#: tenant's subscriptions listen to (``Tenant.subscribed_events``): ``sender=<model class>,
#: tenant=, change= (a type of ``CHANGE_TYPES``), instance=, contact_id=, imported=``.
#: channels_app writes the event row for its subscriptions; ``imported=True`` (history import)
#: is never published.
change_published = Signal()


def collected(responses: list[tuple[object, object]]) -> list:
    """The non-empty answers of ``Signal.send``, in receiver order."""
    return [answer for _receiver, answer in responses if answer]
