"""The email channel: alerts over SMTP, settings from ``UGLY_MUGS_SMTP_URL``, connections kept for a run.

``smtp://host:port`` sends in the clear (a relay on the same machine); ``?starttls=true``
upgrades the connection with STARTTLS before anything else is said, and ``smtps://`` uses TLS
from the first byte (port 465). ``user:password@`` logs in, only ever over TLS: a login over a
plain connection is refused rather than sending the password in the clear.

Addresses are checked with ``email-validator`` (one plain ``local@domain`` address, no display
name, quoting, IP literal, CR or LF: nothing that could add a header or a recipient) and stored
in ASCII (an international domain as its IDNA form). Each send — connecting, greeting, TLS,
login and the message — has ``UGLY_MUGS_SMTP_TIMEOUT`` seconds in all (``deadline.Deadline``),
so a server that accepts and then never answers costs one slot that long, once. A destination
is the recipient's domain: a relay that stalls on one domain's recipients backs off that domain
alone, and a relay that cannot be reached at all backs off every email (``scope``).

**Grouping.** The copies of one message in one language to recipients of one domain go to the
relay in one SMTP transaction (``send_group``): one ``MAIL FROM``, a ``RCPT TO`` per recipient
(at most ``UGLY_MUGS_SMTP_MAX_RECIPIENTS``, 50 by default; RFC 5321 §4.5.3.1.8 has every server
accept at least 100) and one ``DATA``. The recipients are in the envelope only: a transaction of
several says ``To: undisclosed-recipients:;`` (an empty group, RFC 5322 §3.4), so nobody learns
who else got the alert; a transaction of one says the recipient's own address, as before. A
recipient the relay refuses at ``RCPT`` fails alone; a refusal at ``MAIL`` or ``DATA``, or a
broken connection, fails the whole transaction.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import email_validator
import idna

from alerts.delivery import render
from alerts.delivery.channels.base import (
    SCOPE_CHANNEL,
    SCOPE_DELIVERY,
    ChannelInputError,
    ChannelSettingsError,
    DeliveryFailed,
    Outgoing,
    TargetField,
)
from alerts.delivery.deadline import Deadline
from alerts.delivery.wording import Wording

KIND = "email"

TRUE = {"1", "true", "yes", "on"}
# The header a receiving mail filter can use to drop a duplicate without reading the body.
ID_HEADER = "X-Bulletin-Id"
# What the To header says when one transaction carries several recipients: an empty group
# (RFC 5322 §3.4), so that no recipient sees another's address.
UNDISCLOSED = "undisclosed-recipients:;"
# RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients per transaction.
MAX_RECIPIENTS_LIMIT = 100


class SmtpSettingsError(ChannelSettingsError):
    """``UGLY_MUGS_SMTP_URL`` cannot be used; the message says why."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str  # "none", "starttls" or "ssl"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    timeout: float = 30.0
    # Recipients (RCPT TO) per SMTP transaction; 1 sends every copy on its own.
    max_recipients: int = 50

    @classmethod
    def from_url(
        cls, url: str, password: str | None = None, ca_file: str | None = None, timeout: float = 30.0
    ) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise SmtpSettingsError("the SMTP URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise SmtpSettingsError("the SMTP URL names no host")
        try:
            port = parts.port
        except ValueError:
            raise SmtpSettingsError("the SMTP URL's port is not a number") from None
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.scheme == "smtps":
            tls = "ssl"
        elif query.get("starttls", "").lower() in TRUE:
            tls = "starttls"
        else:
            tls = "none"
        username = unquote(parts.username) if parts.username else None
        secret = password if password is not None else (unquote(parts.password) if parts.password else None)
        if username and tls == "none":
            raise SmtpSettingsError("an SMTP login needs TLS: add ?starttls=true or use smtps://")
        return cls(
            host=parts.hostname,
            port=port or (465 if tls == "ssl" else 25),
            tls=tls,
            username=username,
            password=secret,
            ca_file=ca_file or None,
            timeout=timeout,
        )


@dataclass(frozen=True)
class Sender:
    """Who the mail says it is from, and the subject line (neutral: phones are shared).

    ``address`` is UGLY_MUGS_MAIL_FROM as configured: an address, or a display name and an
    address (``Ugly Mugs <bulletin@example.org>``), which goes into the From header as it is.
    """

    address: str
    subject: str | None = None  # None: the project language's neutral default

    @property
    def mailbox(self) -> str:
        """The bare address (``bulletin@example.org``): the SMTP envelope sender."""
        return parseaddr(self.address)[1] or self.address.strip()

    @property
    def domain(self) -> str:
        """The address's domain in ASCII (IDNA), for the Message-ID; "localhost" if it has none."""
        domain = self.mailbox.rpartition("@")[2].strip().rstrip(".").lower()
        # idna (UTS #46) both converts and refuses what is not a host name (spaces, "<", "..").
        try:
            return idna.encode(domain, uts46=True).decode("ascii") if domain else "localhost"
        except (idna.IDNAError, UnicodeError):
            return "localhost"


def message_id_header(message_id: str, domain: str) -> str:
    """The same Message-ID for every send of one message, so a mail client shows a duplicate once
    (RFC 5322 §3.6.4 ``<id-left@id-right>``: the message's hex id at the sender's domain). Not
    ``email.utils.make_msgid``, whose random part would differ on every try after a failure."""
    return f"<{message_id}@{domain}>"


def build(to: str | None, m: render.Published, w: Wording, sender: Sender) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender.address
    if to is not None:
        mail["To"] = to
    mail["Subject"] = sender.subject or w.subject
    mail["Date"] = formatdate(m.published_at.timestamp(), usegmt=True)
    mail["Message-ID"] = message_id_header(m.message_id, sender.domain)
    mail[ID_HEADER] = m.message_id
    mail.set_content(render.text(m, w))
    mail.add_alternative(render.html(m, w), subtype="html")
    # After the body: setting the content clears Content-* headers.
    mail["Content-Language"] = w.locale.replace("_", "-")
    return mail


def build_for_subscriber(outgoing: Outgoing, sender: Sender) -> EmailMessage:
    """The email to an individual subscriber: her code, the help text, the confirmation of a stop,
    or the alert with the links to it and to stop (her own signed stop link, in every alert
    email). ``DeliveryFailed`` when there is nothing to send."""
    w, sub, m = outgoing.words, outgoing.subscriber, outgoing.message
    mail = EmailMessage()
    mail["From"] = sender.address
    mail["To"] = outgoing.target
    if sub.notice == "code" and sub.payload:
        mail["Subject"] = w.code_subject
        mail.set_content(w.code_text % {"code": sub.payload})
    elif sub.notice == "help":
        mail["Subject"] = sender.subject or w.subject
        mail.set_content(w.help_text % {"url": sub.help_url})
    elif sub.notice == "stopped":
        mail["Subject"] = w.stopped_subject
        mail.set_content(w.stopped_text % {"url": sub.subscribe_url})
    elif m is not None:
        mail["Subject"] = sender.subject or w.subject
        mail["Date"] = formatdate(m.published_at.timestamp(), usegmt=True)
        mail["Message-ID"] = message_id_header(f"{m.message_id}.{outgoing.delivery_id}", sender.domain)
        mail[ID_HEADER] = m.message_id
        footer = "\n\n" + (sub.alert_link or "") + "\n\n" + w.stop_line % {"url": sub.stop_url}
        mail.set_content(render.text(m, w) + footer)
        # RFC 2369 / 8058: mail clients offer their own unsubscribe button.
        mail["List-Unsubscribe"] = f"<{sub.stop_url}>"
    else:
        raise DeliveryFailed("nothing to send", permanent=True, scope=SCOPE_DELIVERY)
    mail["Content-Language"] = w.locale.replace("_", "-")
    return mail


class _Watched:
    """smtplib's socket, watched by the deadline of the send in hand from the moment it exists."""

    deadline: Deadline | None = None

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        if self.deadline is not None:
            self.deadline.watch(sock)
        return sock


class _SMTP(_Watched, smtplib.SMTP):
    pass


class _SMTPS(_Watched, smtplib.SMTP_SSL):
    pass


class Mailer:
    """The email transport: one SMTP connection, opened on first use and kept while the worker
    sends; reopened after a failure.

    A message is built and encoded once for all its recipients of one language; a transaction's
    copy is that and its ``To:`` line (the recipient's own address, or ``UNDISCLOSED`` for
    several), which keeps a 10,000-address fanout cheap.
    """

    def __init__(self, settings: SmtpSettings, sender: Sender):
        self.settings = settings
        self.sender = sender
        self._smtp: smtplib.SMTP | None = None
        self._encoded: dict[tuple[str, str], bytes] = {}

    def _data(self, to: str, m: render.Published, w: Wording) -> bytes:
        """The message as sent with ``to`` in its To header (an address, or ``UNDISCLOSED``)."""
        if to != UNDISCLOSED and not _plain(to):
            return build(to, m, w, self.sender).as_bytes(policy=SMTP_POLICY)
        key = (m.message_id, w.locale)
        if key not in self._encoded:
            self._encoded[key] = build(None, m, w, self.sender).as_bytes(policy=SMTP_POLICY)
        return b"To: " + to.encode("ascii") + b"\r\n" + self._encoded[key]

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file)

    def _connect(self, deadline: Deadline) -> smtplib.SMTP:
        """A connection to the relay, greeted (and with TLS and login as configured); any
        failure here is the relay's, so it backs off every email (``CHANNEL``)."""
        s = self.settings
        smtp: smtplib.SMTP = (
            _SMTPS(timeout=deadline.remaining(), context=self._context())
            if s.tls == "ssl"
            else _SMTP(timeout=deadline.remaining())
        )
        smtp.deadline = deadline
        # smtplib takes the TLS server name from the host given to its constructor, not to connect().
        smtp._host = s.host
        try:
            smtp.connect(s.host, s.port)
            smtp.ehlo()
            if s.tls == "starttls":
                smtp.starttls(context=self._context())
                deadline.watch(smtp.sock)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise DeliveryFailed(f"SMTP login refused ({exc.smtp_code})", scope=SCOPE_CHANNEL) from None
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            smtp.close()
            if deadline.expired:
                raise DeliveryFailed(f"SMTP server silent for {deadline.seconds:g} s", scope=SCOPE_CHANNEL) from None
            raise DeliveryFailed(f"SMTP connection failed: {type(exc).__name__}", scope=SCOPE_CHANNEL) from None
        return smtp

    @property
    def max_group(self) -> int:
        """How many deliveries ``send_group`` takes at once (``SmtpSettings.max_recipients``)."""
        return self.settings.max_recipients

    def send(self, outgoing: Outgoing) -> None:
        """Send one delivery in a transaction of its own; ``DeliveryFailed`` if it did not go through."""
        if outgoing.subscriber is not None:
            self.send_mail(build_for_subscriber(outgoing, self.sender), [outgoing.target])
            return
        [failure] = self.send_group([outgoing])
        if failure is not None:
            raise failure

    def send_group(self, outgoings: list[Outgoing]) -> list[DeliveryFailed | None]:
        """Send copies of one message in one wording to several recipients in one SMTP transaction.

        ``outgoings``: 1 to ``max_group`` deliveries with the same message and wording and
        different addresses (``ValueError`` otherwise). Returns, in the same order, None for
        each recipient the relay accepted and a ``DeliveryFailed`` (``SCOPE_DELIVERY``) for each
        it refused at ``RCPT TO``. Raises ``DeliveryFailed`` when the transaction as a whole
        failed (refused at ``MAIL FROM`` or ``DATA``, the connection lost or silent past
        ``timeout``): none of them went.
        """
        if not 1 <= len(outgoings) <= self.max_group:
            raise ValueError(f"a transaction carries 1 to {self.max_group} recipients, not {len(outgoings)}")
        first = outgoings[0]
        m, w = first.message, first.words
        targets = [o.target for o in outgoings]
        # By value: deliveries claimed at different times carry equal, not identical, messages.
        same = all(o.message.message_id == m.message_id and o.words.locale == w.locale for o in outgoings)
        if len(set(targets)) != len(targets) or not same:
            raise ValueError("one transaction carries one message in one wording to different addresses")
        to = targets[0] if len(targets) == 1 else UNDISCLOSED
        refused = self._transaction(targets, lambda: self._data(to, m, w))
        return [_refusal(refused[t]) if t in refused else None for t in targets]

    def send_mail(self, mail: EmailMessage, recipients: Sequence[str]) -> None:
        """Send a message already built (not an alert: e.g. an audit checkpoint to the admins) to
        ``recipients`` over this connection, with the same TLS, login and deadline as alerts.

        Raises DeliveryFailed, whose reason names no address, if it does not go through to every
        recipient."""
        refused = self._transaction(list(recipients), lambda: mail.as_bytes(policy=SMTP_POLICY))
        if refused:
            raise _refusal(next(iter(refused.values())))

    def _transaction(self, recipients: list[str], data: Callable[[], bytes]) -> dict[str, tuple[int, bytes]]:
        """One SMTP transaction of ``data()`` to ``recipients``; returns those refused at
        ``RCPT TO`` with the server's answer. Raises DeliveryFailed when it failed as a whole."""
        with Deadline(self.settings.timeout) as deadline:
            if self._smtp is None:
                self._smtp = self._connect(deadline)
            else:
                self._smtp.deadline = deadline
                deadline.watch(self._smtp.sock)
            try:
                refused = self._smtp.sendmail(self.sender.mailbox, recipients, data())
            except smtplib.SMTPRecipientsRefused as exc:
                # Every recipient was refused at RCPT: each fails on its own account.
                refused = exc.recipients
            except smtplib.SMTPResponseException as exc:
                self.close()
                # 421: the server is closing the connection for everyone.
                scope = SCOPE_CHANNEL if exc.smtp_code == 421 else SCOPE_DELIVERY
                raise DeliveryFailed(f"SMTP error {exc.smtp_code}", scope=scope) from None
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                self.close()
                if deadline.expired:
                    raise DeliveryFailed(f"SMTP server silent for {deadline.seconds:g} s") from None
                raise DeliveryFailed(f"SMTP connection lost: {type(exc).__name__}") from None
        return refused

    def close(self) -> None:
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        # QUIT within a short deadline of its own: a silent server must not hold the worker here either.
        with Deadline(min(self.settings.timeout, 5.0)) as deadline:
            smtp.deadline = None
            deadline.watch(smtp.sock)
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError, ValueError):
                smtp.close()


def _refusal(answer: tuple[int, bytes]) -> DeliveryFailed:
    """One recipient refused at ``RCPT TO``: the code only (the server's text may name the address)."""
    return DeliveryFailed(f"recipient refused ({answer[0]})", scope=SCOPE_DELIVERY)


def _plain(address: str) -> bool:
    """An address as ``check_address`` stores it: safe to write into a ``To:`` line as it is."""
    return address.isascii() and address.isprintable() and not any(c in address for c in ' <>,;:"\\()[]')


def check_address(raw: str) -> str:
    """One plain address, ``local@domain``, in ASCII with the domain lower-cased (IDNA for an
    international one), as ``email-validator`` reads it (RFC 5321/5322, without display names,
    quoted local parts or IP literals; deliverability is not looked up). ``ChannelInputError``
    with the validator's explanation otherwise."""
    address = raw.strip()
    if len(address) > 254:
        raise ChannelInputError("Enter an email address of at most 254 characters.")
    try:
        valid = email_validator.validate_email(
            address, check_deliverability=False, allow_smtputf8=False, allow_display_name=False, strict=True
        )
    except email_validator.EmailNotValidError as exc:
        raise ChannelInputError(f"Enter an email address like name@example.org. {exc}") from None
    local, _, domain = valid.ascii_email.rpartition("@")
    return f"{local}@{domain.lower()}"


@dataclass(frozen=True)
class EmailSettings:
    smtp: SmtpSettings
    sender: Sender


class EmailChannel:
    """Alerts by email: text and HTML in the project's language, through the configured SMTP relay."""

    kind = KIND
    label = "Email address"
    add_label = "Add an email address"
    field = TargetField(
        name="address",
        label="Email address",
        input_type="email",
        max_length=254,
        required_message="Enter an email address.",
    )
    has_secret = False

    def check_target(self, raw: str, config: Mapping[str, Any]) -> str:
        return check_address(raw)

    def destination(self, target: str) -> str:
        return target.rpartition("@")[2].lower()

    def new_secret(self) -> str:
        raise TypeError("an email address has no secret")

    def configure(self, config: Mapping[str, Any]) -> EmailSettings:
        """From UGLY_MUGS_SMTP_URL (+ _PASSWORD, _CA_FILE, _TIMEOUT, _MAX_RECIPIENTS), _MAIL_FROM and _ALERT_SUBJECT."""
        try:
            smtp = SmtpSettings.from_url(
                str(config["SMTP_URL"]),
                password=config.get("SMTP_PASSWORD") or None,
                ca_file=str(config.get("SMTP_CA_FILE") or "") or None,
                timeout=float(config.get("SMTP_TIMEOUT", 30)),
            )
        except SmtpSettingsError as exc:
            raise ChannelSettingsError(f"UGLY_MUGS_SMTP_URL: {exc}") from None
        limit = int(config.get("SMTP_MAX_RECIPIENTS", 50))
        if not 1 <= limit <= MAX_RECIPIENTS_LIMIT:
            raise ChannelSettingsError(
                f"UGLY_MUGS_SMTP_MAX_RECIPIENTS must be 1 to {MAX_RECIPIENTS_LIMIT} (RFC 5321 §4.5.3.1.8)"
            )
        smtp = replace(smtp, max_recipients=limit)
        return EmailSettings(smtp, Sender(str(config["MAIL_FROM"]), str(config.get("ALERT_SUBJECT") or "") or None))

    def open(self, settings: EmailSettings) -> Mailer:
        return Mailer(settings.smtp, settings.sender)

    def max_group(self, settings: EmailSettings) -> int:
        """Deliveries of one message to one destination the worker hands ``Mailer.send_group`` at once."""
        return settings.smtp.max_recipients


CHANNEL = EmailChannel()
