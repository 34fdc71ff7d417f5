"""E-mail mailbox channels (provider ``imap``): the channel's settings, the IMAP connection,
polling by UID (and IDLE), and sending through the channel's own SMTP server."""
