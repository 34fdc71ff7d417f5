"""A mailbox channel's settings, read from its credentials (docs/channels.md#mailboxes)."""

from __future__ import annotations

from dataclasses import dataclass

SECURITY = ("ssl", "starttls", "none")
AFTER_IMPORT = ("keep", "seen", "move", "delete")
IMAP_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class MailboxConfig:
    imap_host: str
    imap_port: int
    imap_security: str
    username: str
    password: str
    oauth2_token: str
    mailbox: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    smtp_password: str
    #: what is done to a mail once imported: nothing (the default), flag it seen, move it, delete it
    after_import: str = "keep"
    move_to: str = ""
    #: a copy of every mail sent is appended to this folder ("" : none)
    sent_folder: str = ""

    @property
    def read_only(self) -> bool:
        return self.after_import == "keep"


def _port(value, default: int) -> int:
    return int(value) if str(value or "").strip() else default


def config_errors(credentials: dict) -> list[str]:
    """What is wrong with a mailbox channel's credentials (the required keys are checked by
    the registry): one message per problem, naming the key."""
    errors = []
    if not credentials.get("password") and not credentials.get("oauth2_token"):
        errors.append("'password' or 'oauth2_token' is required by imap")
    for key in ("imap_security", "smtp_security"):
        if credentials.get(key) and credentials[key] not in SECURITY:
            errors.append(f"{key!r} must be one of {', '.join(SECURITY)}")
    for key in ("imap_port", "smtp_port"):
        value = str(credentials.get(key) or "").strip()
        if value and not (value.isdigit() and 0 < int(value) < 65536):
            errors.append(f"{key!r} must be a port number (1 to 65535)")
    if credentials.get("after_import") and credentials["after_import"] not in AFTER_IMPORT:
        errors.append(f"'after_import' must be one of {', '.join(AFTER_IMPORT)}")
    if credentials.get("after_import") == "move" and not credentials.get("move_to"):
        errors.append("'move_to' is required when 'after_import' is move")
    return errors


def mailbox_config(credentials: dict) -> MailboxConfig:
    """The settings of a channel whose credentials passed ``config_errors``, with defaults."""
    get = credentials.get
    imap_security = get("imap_security") or "ssl"
    smtp_security = get("smtp_security") or "starttls"
    return MailboxConfig(
        imap_host=get("imap_host", ""),
        imap_port=_port(get("imap_port"), IMAP_PORTS[imap_security]),
        imap_security=imap_security,
        username=get("username", ""),
        password=get("password", ""),
        oauth2_token=get("oauth2_token", ""),
        mailbox=get("mailbox") or "INBOX",
        smtp_host=get("smtp_host", ""),
        smtp_port=_port(get("smtp_port"), SMTP_PORTS[smtp_security]),
        smtp_security=smtp_security,
        smtp_username=get("smtp_username") or get("username", ""),
        smtp_password=get("smtp_password") or get("password", ""),
        after_import=get("after_import") or "keep",
        move_to=get("move_to", ""),
        sent_folder=get("sent_folder", ""),
    )
