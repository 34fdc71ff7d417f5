from .attachments import Attachment, AttachmentStatus
from .audit import AuditEntry
from .base import TenantOwned, TenantQuerySet
from .canned import CannedResponse
from .channels import Channel, ChannelKind
from .contacts import Consent, ConsentStatus, Contact, ContactMerge, Identity, IdentityKind
from .events import Event
from .messages import Direction, Message, MessageStatus, Purpose, ReplyIdempotencyKey
from .notes import NoteMention, TicketNote
from .sla import SlaPolicy, SlaTarget, TicketSla
from .teams import Assignment, Availability, Team, TeamMember
from .tenants import ApiKey, Language, Membership, Mode, ModeChange, Role, Tenant
from .tickets import Ticket, TicketChannel, TicketLink, TicketStatus

__all__ = [
    "ApiKey",
    "Attachment",
    "AttachmentStatus",
    "AuditEntry",
    "CannedResponse",
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
    "Language",
    "Membership",
    "Message",
    "MessageStatus",
    "Mode",
    "ModeChange",
    "NoteMention",
    "Purpose",
    "ReplyIdempotencyKey",
    "Role",
    "Tenant",
    "TenantOwned",
    "TenantQuerySet",
    "Ticket",
    "TicketChannel",
    "TicketLink",
    "TicketNote",
    "TicketStatus",
    "Assignment",
    "Availability",
    "SlaPolicy",
    "SlaTarget",
    "Team",
    "TeamMember",
    "TicketSla",
]
