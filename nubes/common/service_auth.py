"""The token a service sends when it calls another service on its own
behalf (the scheduler's claims, a host's inventory, the compute API's
image reads without a caller's token).

* :class:`StaticToken`: ``[placement_client] token`` / ``[image_client]
  token`` as given (development: nubes' own identity mints a long-lived one
  at ``nubes up``; ``admin`` with ``noauth2``).
* :class:`KeystoneServiceUser`: ``[service_auth]`` names a service user;
  the token comes from Keystone (v3 password auth, scoped to the user's
  project), is shared by every client of the process, and is renewed
  before it expires (``renew_before`` seconds ahead) or at once when a
  service answers 401 with it (revoked, or Keystone's keys rotated) — what
  keystoneauth sessions do for OpenStack's services.

Both answer :meth:`token` (the token to send now) and :meth:`refresh`
(after a 401: a new token, or None when there is nothing better to send).
"""
from __future__ import annotations

import datetime
import logging
import threading
from typing import Protocol

import requests

LOG = logging.getLogger(__name__)


class ServiceAuthError(Exception):
    """Keystone refused the service user or could not be reached."""


class TokenSource(Protocol):
    def token(self) -> str | None: ...

    def refresh(self, stale: str | None) -> str | None: ...


class StaticToken:
    def __init__(self, value: str | None):
        self._value = value or None

    def token(self) -> str | None:
        return self._value

    def refresh(self, stale: str | None) -> str | None:
        return None


class KeystoneServiceUser:
    def __init__(self, auth_url: str, *, username: str, password: str, project_name: str,
                 user_domain_name: str = "Default", project_domain_name: str = "Default",
                 timeout: float = 30.0, renew_before: float = 300.0):
        self.url = auth_url.rstrip("/")
        if not self.url.endswith("/v3"):
            self.url += "/v3"
        self._body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": username, "password": password,
                "domain": {"name": user_domain_name}}}},
            "scope": {"project": {"name": project_name,
                                  "domain": {"name": project_domain_name}}}}}
        self.username = username
        self.timeout = timeout
        self.renew_before = datetime.timedelta(seconds=renew_before)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires: datetime.datetime | None = None

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._expiring():
                self._authenticate()
            return self._token

    def refresh(self, stale: str | None) -> str:
        """A new token unless another thread already replaced ``stale``."""
        with self._lock:
            if self._token is None or self._token == stale:
                self._authenticate()
            return self._token

    def _expiring(self) -> bool:
        now = datetime.datetime.now(datetime.timezone.utc)
        return self._expires is not None and self._expires - now <= self.renew_before

    def _authenticate(self) -> None:
        url = self.url + "/auth/tokens"
        try:
            resp = requests.post(url, json=self._body, timeout=self.timeout,
                                 headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            raise ServiceAuthError(f"service user {self.username}: no answer from "
                                   f"{url}: {exc}") from None
        if resp.status_code != 201 or "X-Subject-Token" not in resp.headers:
            raise ServiceAuthError(f"service user {self.username}: Keystone answered "
                                   f"{resp.status_code} {resp.text[:200]}")
        self._token = resp.headers["X-Subject-Token"]
        try:
            expires = resp.json()["token"]["expires_at"]
            self._expires = datetime.datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            self._expires = None        # no expiry said: renewed on a 401 only
        LOG.info("service user %s: new token from Keystone (expires %s)", self.username,
                 self._expires.isoformat() if self._expires else "never said")


_SHARED: dict[tuple, KeystoneServiceUser] = {}
_SHARED_LOCK = threading.Lock()


def from_conf(conf, static_token: str | None) -> TokenSource:
    """``[service_auth]``'s service user when ``auth_url`` is set (one per
    process and user), else ``static_token``."""
    opts = conf.service_auth
    if not opts.auth_url:
        return StaticToken(static_token)
    if not (opts.username and opts.password and opts.project_name):
        raise ValueError("[service_auth] auth_url needs username, password and project_name")
    key = (opts.auth_url, opts.username, opts.password, opts.project_name,
           opts.user_domain_name, opts.project_domain_name)
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is None:
            found = _SHARED[key] = KeystoneServiceUser(
                opts.auth_url, username=opts.username, password=opts.password,
                project_name=opts.project_name, user_domain_name=opts.user_domain_name,
                project_domain_name=opts.project_domain_name, timeout=opts.timeout,
                renew_before=opts.renew_before)
        return found
