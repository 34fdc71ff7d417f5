from .audit import AuditEntry
from .base import TenantOwned, TenantQuerySet
from .channels import Channel, ChannelKind
from .contacts import Consent, ConsentStatus, Contact, ContactMerge, Identity, IdentityKind
from .events import Event
from .messages import Direction, Message, MessageStatus, Purpose, ReplyIdempotencyKey
from .sla import SlaPolicy, SlaTarget, TicketSla
from .teams import Assignment, Availability, Team, TeamMember
from .tenants import ApiKey, Membership, Mode, ModeChange, Role, Tenant
from .tickets import Ticket, TicketChannel, TicketLink, TicketStatus

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Channel",
    "ChannelKind",
    "Consent",
    "ConsentStatus",
    "Contact",
    "ContactMerge",
    "Direction",
    "Event",
    "Identity",
    "IdentityKind",
    "Membership",
    "Message",
    "MessageStatus",
    "Mode",
    "ModeChange",
    "Purpose",
    "ReplyIdempotencyKey",
    "Role",
    "Tenant",
    "TenantOwned",
    "TenantQuerySet",
    "Ticket",
    "TicketChannel",
    "TicketLink",
    "TicketStatus",
    "Assignment",
    "Availability",
    "SlaPolicy",
    "SlaTarget",
    "Team",
    "TeamMember",
    "TicketSla",
]
