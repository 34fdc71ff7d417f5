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

#: sent when an inbound message has been stored (not for a redelivery), in the transaction that
#: stored it where there is one: ``sender=Message, message=``. live publishes it on commit.
message_stored = Signal()

#: sent when an outbound message's delivery status changed (sent, delivered, read, failed):
#: ``sender=Message, message=`` (its ``status`` the new one). live publishes it on commit.
message_status_changed = Signal()

#: sent when a ticket's status, assignee or priority was saved: ``sender=Ticket, ticket=``.
ticket_changed = Signal()

#: sent when an internal note was added to a ticket: ``sender=TicketNote, note=, mentioned=``
#: (the user ids it mentions). live tells the ticket's viewers and the mentioned agents.
note_added = Signal()


#: sent when a customer 360 page is rendered (a read, no transaction): ``sender=Contact,
#: tenant=, contact=``. A receiver returns a ``ContactPanel`` (crm.views.panels) of what its app
#: knows about the customer (journeys: offers, journeys and their state), or None.
contact_panels = Signal()

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


#: sent when a provider's media has been recorded as a pending attachment (its bytes are still
#: at the provider): ``sender=Attachment, attachment=``. channels_app fetches it on commit.
attachment_fetch_requested = Signal()
