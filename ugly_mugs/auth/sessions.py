"""Server-side sessions for staff, as a Flask session interface.

The cookie is ``<session id>.<session key>``: 32 random bytes each, base64url. The table
row is found by SHA-256 of the id; the session's data (e.g. the CSRF token) and the
unlocked personal key are stored AES-GCM-encrypted under the session key, which only the
cookie holds. Reporter pages never touch the session, so they never get a cookie.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from datetime import timedelta

from flask import Flask, Request, Response, request, session
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from ugly_mugs.crypto import DecryptionError, aead
from ugly_mugs.models import StaffSession
from ugly_mugs.models.base import utcnow
from ugly_mugs.models.sessions import ABSOLUTE, IDLE

TOUCH_EVERY = timedelta(seconds=60)
COOKIE = "um_session"
SECURE_COOKIE = "__Host-um_session"

ANONYMOUS = "anonymous"
ENROL = "enrol"
ACTIVE = "active"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def id_hash(sid: bytes) -> str:
    return hashlib.sha256(sid).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    """The session's data plus who it belongs to; secrets stay encrypted until asked for."""

    def __init__(self, initial=None, sid: bytes | None = None, key: bytes | None = None, row=None):
        def on_update(_self):
            _self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.key = key
        self.account_id = row.account_id if row else None
        self.stage = row.stage if row else ANONYMOUS
        self.created_at = row.created_at if row else None
        self.last_seen_at = row.last_seen_at if row else None
        self._sealed_personal = row.personal_key if row else None
        self._new_personal: dict | None = None
        self.modified = False
        self.regenerate = False
        self.ended = False
        # The database fault met while opening the session, if any (``refuse_when_unavailable``).
        self.fault: SQLAlchemyError | None = None

    @property
    def new(self) -> bool:
        return self.sid is None

    @property
    def id_hash(self) -> str | None:
        return id_hash(self.sid) if self.sid else None

    def begin(self, account_id: int, stage: str, secrets: dict[str, bytes]) -> None:
        """Start a new session for ``account_id`` (login or enrolment): a new id, a new key."""
        self.clear()
        self.account_id = account_id
        self.stage = stage
        self._new_personal = secrets
        self.regenerate = True
        self.modified = True

    def end(self) -> None:
        self.clear()
        self.ended = True

    def secrets(self) -> dict[str, bytes]:
        """The unlocked secrets of this session (personal key and, during enrolment, the wrapping key)."""
        if self._new_personal is not None:
            return self._new_personal
        if not self._sealed_personal or not self.key:
            return {}
        plain = aead.decrypt(self.key, self._sealed_personal, b"personal|" + self.id_hash.encode())
        return {k: _unb64(v) for k, v in json.loads(plain).items()}


class ServerSessionInterface(SessionInterface):
    def __init__(self, sessionmaker):
        self.sessionmaker = sessionmaker

    def cookie_name(self, request: Request) -> str:
        return SECURE_COOKIE if request.is_secure else COOKIE

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        try:
            return self._open(request)
        except SQLAlchemyError as exc:
            # Raised again by refuse_when_unavailable, where the error handlers answer 503:
            # an exception here, before the request is set up, could only become a bare 500.
            unavailable = ServerSession()
            unavailable.fault = exc
            return unavailable

    def _open(self, request: Request) -> ServerSession:
        raw = request.cookies.get(self.cookie_name(request))
        if not raw or raw.count(".") != 1:
            return ServerSession()
        try:
            sid, key = (_unb64(part) for part in raw.split("."))
        except (ValueError, binascii.Error):
            return ServerSession()
        if len(sid) != 32 or len(key) != 32:
            return ServerSession()
        now = utcnow()
        with self.sessionmaker() as db:
            row = db.get(StaffSession, id_hash(sid))
            if row is None:
                return ServerSession()
            if now - row.last_seen_at > IDLE or now - row.created_at > ABSOLUTE:
                db.delete(row)
                db.commit()
                return ServerSession()
            try:
                data = json.loads(aead.decrypt(key, row.data, b"data|" + row.id_hash.encode()))
            except DecryptionError:
                return ServerSession()
            return ServerSession(data, sid=sid, key=key, row=row)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.fault is not None:
            return  # nothing could be read, so nothing is written (the cookie is kept for later)
        try:
            self._save(session, response)
        except SQLAlchemyError:
            # The database stopped answering or became read-only during the request: the answer
            # already made stands; the session is as it was (a login made now is not kept).
            app.logger.warning("the staff session could not be saved")

    def _save(self, session: ServerSession, response: Response) -> None:
        cookie = self.cookie_name(request)
        secure = request.is_secure
        if session.ended:
            if session.sid:
                with self.sessionmaker() as db:
                    db.execute(delete(StaffSession).where(StaffSession.id_hash == session.id_hash))
                    db.commit()
            response.delete_cookie(cookie, path="/", secure=secure, httponly=True, samesite="Strict")
            return
        if session.new and not session.modified:
            return  # nothing to keep: no row, no cookie (all reporter pages end here)
        now = utcnow()
        if not (session.new or session.modified or session.regenerate) and now - session.last_seen_at <= TOUCH_EVERY:
            return  # seen recently and unchanged: no database write at all
        with self.sessionmaker() as db:
            if session.regenerate or session.new:
                old_hash = session.id_hash
                secrets = session.secrets() if session.regenerate else {}
                if old_hash:
                    db.execute(delete(StaffSession).where(StaffSession.id_hash == old_hash))
                session.sid, session.key = os.urandom(32), os.urandom(32)
                row_hash = session.id_hash
                personal = None
                if secrets:
                    plain = json.dumps({k: _b64(v) for k, v in secrets.items()}).encode()
                    personal = aead.encrypt(session.key, plain, b"personal|" + row_hash.encode())
                db.add(
                    StaffSession(
                        id_hash=row_hash,
                        account_id=session.account_id,
                        stage=session.stage,
                        created_at=now,
                        last_seen_at=now,
                        data=self._seal_data(session),
                        personal_key=personal,
                    )
                )
                # Expired rows go when new ones come, so the table never grows without bound.
                db.execute(delete(StaffSession).where(StaffSession.last_seen_at < now - IDLE))
                db.commit()
                response.set_cookie(
                    cookie,
                    f"{_b64(session.sid)}.{_b64(session.key)}",
                    path="/",
                    secure=secure,
                    httponly=True,
                    samesite="Strict",
                )
                return
            row = db.get(StaffSession, session.id_hash)
            if row is None:
                return
            if session.modified:
                row.data = self._seal_data(session)
            if session.modified or now - row.last_seen_at > TOUCH_EVERY:
                row.last_seen_at = now
            db.commit()

    @staticmethod
    def _seal_data(session: ServerSession) -> bytes:
        return aead.encrypt(session.key, json.dumps(dict(session)).encode(), b"data|" + session.id_hash.encode())


def refuse_when_unavailable() -> None:
    """A ``before_request`` hook, first of all: the database fault met while opening the request's
    session, raised again where the app's error handlers answer it (503, never a 500)."""
    fault = getattr(session, "fault", None)
    if fault is not None:
        raise fault
