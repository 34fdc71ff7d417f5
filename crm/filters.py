"""Filters of the list selectors, with django-filter (as in HackSoft's Django-Styleguide-Example):
the API validates its query string with a serializer, the dashboard with a form, and the
selector narrows its queryset with a FilterSet through ``filtered``.

A filter left empty (absent, ``None`` or ``""``) filters nothing. A value the FilterSet refuses
is an ``ApplicationError`` (400) naming the field, never a silently ignored filter.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet

from crm.errors import ApplicationError
from crm.models import Channel, Contact, Ticket, TicketStatus
from crm.services.addresses import parse_identity_ref

#: ``status=active``: open or pending, what needs an answer (the inbox's default)
ACTIVE = "active"
#: ``assignee=none``: nobody is assigned
UNASSIGNED = "none"


def filtered(filterset_class: type[django_filters.FilterSet], filters: dict | None, queryset: QuerySet, **kwargs):
    """``queryset`` narrowed by ``filters`` through ``filterset_class``."""
    filterset = filterset_class(filters or {}, queryset, **kwargs)
    if not filterset.is_valid():
        errors = {field: list(messages) for field, messages in filterset.errors.items()}
        raise ApplicationError("Invalid filters.", errors)
    return filterset.qs


class IdFilter(django_filters.Filter):
    """A row id: an integer (django-filter's NumberFilter would take ``1.5``)."""

    field_class = forms.IntegerField


class TicketFilter(django_filters.FilterSet):
    contact = IdFilter(field_name="contact_id")
    channel = IdFilter(field_name="channel_id")  # the channel the ticket was opened on
    status = django_filters.ChoiceFilter(choices=[(ACTIVE, ACTIVE), *TicketStatus.choices], method="filter_status")
    mode = django_filters.CharFilter()
    assignee = django_filters.CharFilter(
        method="filter_assignee",
        validators=[RegexValidator(rf"^(\d+|{UNASSIGNED})$", f"a staff member's id or {UNASSIGNED!r}")],
    )

    class Meta:
        model = Ticket
        fields = ("contact", "channel", "status", "mode", "assignee")

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=TicketStatus.active()) if value == ACTIVE else queryset.filter(status=value)

    def filter_assignee(self, queryset, name, value):
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value))


class ContactFilter(django_filters.FilterSet):
    identity = django_filters.CharFilter(method="filter_identity")  # kind:address
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Contact
        fields = ("identity", "search")

    def __init__(self, data=None, queryset=None, *, region: str, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.region = region  # the tenant's, for phone numbers written without a country code

    def filter_identity(self, queryset, name, value):
        kind, address = parse_identity_ref(value, region=self.region)
        return queryset.filter(identities__kind=kind, identities__address=address)


class ChannelFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter()

    class Meta:
        model = Channel
        fields = ("kind",)
