"""Stateless signed tokens of the embedded cloud (``[api] auth_strategy = nubes_token``).

The development identity service (:mod:`nubes.identity`) issues them; every
nubes API that can read the same secret file checks them locally, so the
token a client got from identity works at compute, placement and volume
without a call back to identity on each request.

A token is ``nubes1.<claims>.<signature>``: ``claims`` is base64url JSON
(user, project, effective roles, methods, issue and expiry times, audit
ids) and ``signature`` is base64url HMAC-SHA256 over ``nubes1.<claims>``
with the secret.  Tokens are signed, not encrypted: whoever holds one can
read whom it is for (as with a JWT), only the secret's holder can make one.

Revocation (``DELETE /v3/auth/tokens``) appends the token's audit id to a
small file next to the secret; every checker rereads it when it changes, so
a revoked token stops working in every API of the host.  Revoking a token
also revokes the tokens re-scoped from it (they carry its audit id second).
"""
from __future__ import annotations

import base64
import binascii
import calendar
import dataclasses
import datetime
import hashlib
import hmac
import os
import secrets
import threading
import time

import orjson

from nubes.common import timeutils

PREFIX = "nubes1"
SECRET_BYTES = 32


class InvalidToken(Exception):
    """Malformed, badly signed, expired or revoked."""


class TokenExpired(InvalidToken):
    pass


class TokenRevoked(InvalidToken):
    pass


@dataclasses.dataclass(frozen=True)
class TokenClaims:
    user_id: str
    user_name: str
    project_id: str | None
    project_name: str | None
    roles: tuple[str, ...]
    methods: tuple[str, ...]
    issued_at: datetime.datetime      # naive UTC, whole seconds
    expires_at: datetime.datetime     # naive UTC, whole seconds
    audit_ids: tuple[str, ...]        # own id first, then the token it was re-scoped from

    @property
    def is_scoped(self) -> bool:
        return self.project_id is not None


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _epoch(value: datetime.datetime) -> int:
    return calendar.timegm(value.utctimetuple())


def _from_epoch(value: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).replace(tzinfo=None)


def new_audit_id() -> str:
    return _b64encode(secrets.token_bytes(16))


class Revocations:
    """Audit ids of revoked tokens, kept in a file (``None``: memory only).

    A revocation made in this process counts at once for every check that
    uses the same instance (:meth:`shared` gives one per file); one made
    by another process is seen once the file is next looked at, at most
    ``recheck_interval`` seconds later (a stat per check would cost more
    than the rest of the check)."""

    _shared: dict[str, "Revocations"] = {}
    _shared_lock = threading.Lock()

    def __init__(self, path: str | None, *, recheck_interval: float = 1.0):
        self.path = path
        self.recheck_interval = recheck_interval
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}        # audit id -> expiry (epoch)
        self._seen: tuple[int, int] | None = None
        self._checked_at: float | None = None

    @classmethod
    def shared(cls, path: str | None) -> "Revocations":
        """This process's instance for ``path``."""
        if path is None:
            return cls(None)
        with cls._shared_lock:
            found = cls._shared.get(path)
            if found is None:
                found = cls._shared[path] = cls(path)
            return found

    def revoke(self, claims: TokenClaims) -> None:
        line = f"{claims.audit_ids[0]} {_epoch(claims.expires_at)}\n"
        with self._lock:
            self._ids[claims.audit_ids[0]] = _epoch(claims.expires_at)
            if self.path is None:
                return
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("ascii"))
            finally:
                os.close(fd)

    def is_revoked(self, claims: TokenClaims) -> bool:
        self._refresh()
        return any(audit_id in self._ids for audit_id in claims.audit_ids)

    def _refresh(self) -> None:
        if self.path is None:
            return
        now = time.monotonic()
        if self._checked_at is not None and now - self._checked_at < self.recheck_interval:
            return
        self._checked_at = now
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._seen:
            return
        with self._lock:
            with open(self.path, encoding="ascii", errors="replace") as f:
                lines = f.read().splitlines()
            now = _epoch(timeutils.utcnow())
            ids = {}
            for line in lines:
                parts = line.split()
                if len(parts) == 2 and parts[1].isdigit() and int(parts[1]) > now:
                    ids[parts[0]] = int(parts[1])
            self._ids = ids
            self._seen = stamp


class TokenCodec:
    """Issues and checks tokens with one secret."""

    def __init__(self, secret: bytes, revocations: Revocations | None = None):
        if len(secret) < SECRET_BYTES:
            raise ValueError(f"a token secret needs at least {SECRET_BYTES} bytes")
        self._secret = secret
        self.revocations = revocations or Revocations(None)

    def _sign(self, signed_part: str) -> str:
        return _b64encode(hmac.new(self._secret, signed_part.encode("ascii"),
                                   hashlib.sha256).digest())

    def issue(self, *, user_id: str, user_name: str, project_id: str | None = None,
              project_name: str | None = None, roles: tuple[str, ...] = (),
              methods: tuple[str, ...] = ("password",), ttl: int = 3600,
              now: datetime.datetime | None = None,
              expires_at: datetime.datetime | None = None,
              parent: TokenClaims | None = None) -> tuple[str, TokenClaims]:
        """A new token and its claims.  ``parent`` (re-scoping) passes on
        its expiry and its audit id."""
        issued_at = (now or timeutils.utcnow()).replace(microsecond=0)
        if parent is not None:
            expires_at = parent.expires_at
        expires_at = (expires_at or issued_at + datetime.timedelta(seconds=ttl)).replace(
            microsecond=0)
        audit_ids = (new_audit_id(),) + ((parent.audit_ids[0],) if parent else ())
        claims = TokenClaims(user_id=user_id, user_name=user_name, project_id=project_id,
                             project_name=project_name, roles=tuple(roles),
                             methods=tuple(methods), issued_at=issued_at,
                             expires_at=expires_at, audit_ids=audit_ids)
        payload = orjson.dumps({
            "uid": claims.user_id, "un": claims.user_name,
            "pid": claims.project_id, "pn": claims.project_name,
            "r": list(claims.roles), "m": list(claims.methods),
            "iat": _epoch(issued_at), "exp": _epoch(expires_at), "aud": list(audit_ids),
        })
        signed_part = f"{PREFIX}.{_b64encode(payload)}"
        return f"{signed_part}.{self._sign(signed_part)}", claims

    def verify(self, token: str | None, *, now: datetime.datetime | None = None) -> TokenClaims:
        """The claims of a good token; :class:`InvalidToken` otherwise."""
        if not token:
            raise InvalidToken("no token")
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise InvalidToken("not a nubes token")
        signed_part = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(self._sign(signed_part), parts[2]):
            raise InvalidToken("bad signature")
        try:
            data = orjson.loads(_b64decode(parts[1]))
            claims = TokenClaims(
                user_id=data["uid"], user_name=data["un"], project_id=data["pid"],
                project_name=data["pn"], roles=tuple(data["r"]), methods=tuple(data["m"]),
                issued_at=_from_epoch(data["iat"]), expires_at=_from_epoch(data["exp"]),
                audit_ids=tuple(data["aud"]))
        except (binascii.Error, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken(f"unreadable claims: {exc}") from None
        if claims.expires_at <= (now or timeutils.utcnow()):
            raise TokenExpired("token expired")
        if self.revocations.is_revoked(claims):
            raise TokenRevoked("token revoked")
        return claims


def ensure_secret_file(path: str) -> bool:
    """Create ``path`` with a fresh random secret (mode 0600) unless it
    exists; True when it was created.  ``nubes up`` calls it on start."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(SECRET_BYTES) + "\n")
    return True


def load_secret(path: str | None) -> bytes:
    if not path:
        raise RuntimeError("[identity] token_secret_file is not set")
    try:
        with open(path, "rb") as f:
            secret = f.read().strip()
    except FileNotFoundError:
        raise RuntimeError(f"token secret file {path} does not exist "
                           "([identity] token_secret_file; `nubes up` creates it)") from None
    if len(secret) < SECRET_BYTES:
        raise RuntimeError(f"token secret file {path} holds fewer than "
                           f"{SECRET_BYTES} bytes")
    return secret


def codec_from_conf(conf) -> TokenCodec:
    """The codec for ``[identity] token_secret_file`` and ``revoked_tokens_file``."""
    return TokenCodec(load_secret(conf.identity.token_secret_file),
                      Revocations.shared(conf.identity.revoked_tokens_file))
