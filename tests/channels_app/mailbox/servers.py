"""Real mail servers for the mailbox tests and the benchmark: Dovecot (IMAP, started here on
loopback with a configuration of its own, never the system's) and aiosmtpd (SMTP, capturing
what is sent)."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
DOMAIN = "shop.example"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_uid = {mail_uid}
mail_gid = {mail_gid}
mail_location = maildir:{root}/mail/%u
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login xoauth2
recipient_delimiter = +
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
# no growing delay after failed logins (the tests fail logins on purpose)
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
# passwords for LOGIN/PLAIN; access tokens, checked the same way, for XOAUTH2 only
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN {root}/passwd/%u
}}
passdb {{
  driver = passwd-file
  mechanisms = xoauth2
  args = scheme=PLAIN {root}/tokens/%u
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _user(*names: str) -> pwd.struct_passwd:
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError(f"none of the users {names} exists")


def self_signed(root: Path) -> None:
    """A certificate for 127.0.0.1 (and localhost), trusted by the tests through MAILBOX_CA_FILE."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    san = x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (root / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (root / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@dataclass
class Dovecot:
    root: Path
    port: int
    ssl_port: int
    process: subprocess.Popen | None = None
    users: int = 0

    @property
    def cert(self) -> str:
        return str(self.root / "cert.pem")

    @classmethod
    def start(cls) -> Dovecot:
        root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        os.chmod(root, 0o755)  # the mail processes run as an unprivileged user
        mail_user = _user("dovecot", "nobody")
        login_user = _user("dovenull", "nobody")
        (root / "mail").mkdir()
        os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        for name in ("passwd", "tokens"):  # a file per user: read when the user first logs in
            (root / name).mkdir()
            os.chmod(root / name, 0o755)
        self_signed(root)
        server = cls(root=root, port=free_port(), ssl_port=free_port())
        (root / "dovecot.conf").write_text(
            CONFIG.format(
                root=root,
                port=server.port,
                ssl_port=server.ssl_port,
                internal_user=mail_user.pw_name,
                internal_group=mail_user.pw_name,
                login_user=login_user.pw_name,
                mail_uid=mail_user.pw_uid,
                mail_gid=mail_user.pw_gid,
            )
        )
        server.process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")])
        server._wait_ready()
        return server

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self, *, password: str = "secret", token: str = "") -> str:
        """A new mailbox user (one per test: each test has its own Maildir)."""
        self.users += 1
        user = f"support{self.users}@{DOMAIN}"
        (self.root / "passwd" / user).write_text(f"{user}:{{PLAIN}}{password}::::::\n")
        if token:
            (self.root / "tokens" / user).write_text(f"{user}:{{PLAIN}}{token}::::::\n")
        return user


@dataclass
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    login: str

    @property
    def message(self):
        return message_from_bytes(self.raw)


@dataclass
class SmtpSink:
    """An aiosmtpd server on loopback keeping every mail it accepts."""

    users: dict[str, str] = field(default_factory=dict)  # login -> password or token
    mails: list[Captured] = field(default_factory=list)
    controller: object = None

    @property
    def port(self) -> int:
        return self.controller.port

    async def handle_DATA(self, server, session, envelope):
        login = getattr(session.auth_data, "login", None) or session.auth_data or b""
        login = login.decode() if isinstance(login, bytes) else str(login)
        self.mails.append(Captured(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, login))
        return "250 OK"

    async def auth_XOAUTH2(self, server, args):
        """SASL XOAUTH2 (RFC-less, Google's and Microsoft's): ``user=...^Aauth=Bearer ...^A^A``."""
        from aiosmtpd.smtp import AuthResult

        response = args[1] if len(args) > 1 else await server.challenge_auth("")
        text = base64.b64decode(response).decode() if isinstance(response, str) else bytes(response).decode()
        fields = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        return AuthResult(success=self.users.get(user) == token, auth_data=user, handled=False)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        login = auth_data.login.decode()
        ok = self.users.get(login) == auth_data.password.decode()
        return AuthResult(success=ok, auth_data=auth_data, handled=False)

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=free_port(),
            auth_require_tls=False,
            authenticator=self._authenticate,
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
