"""A typed HTTP client for the volume API, for the services that call it
(compute's attach flow, as nova drives cinder with microversion 3.44)::

    volumes = VolumeClient.from_conf(conf)      # [volume_client], [service_auth]
    vol = volumes.get_volume(volume_id, token=ctx.auth_token)      # None: unknown
    att = volumes.attachment_create(volume_id, instance_uuid=server_id, token=...)
    att = volumes.attachment_update(att.id, connector, token=...)   # connection_info
    volumes.attachment_complete(att.id, token=...)
    volumes.begin_detaching(volume_id, token=...)
    volumes.attachment_delete(att.id, token=...)                    # False: already gone

* the caller's token is forwarded, so the volume API decides what the
  caller may see; without one (a host's start-up reconcile, its periodic
  tasks: work no user asked for right now) the service's own is sent:
  ``[volume_client] token``, or ``[service_auth]``'s Keystone service
  user (renewed, and once more after a 401), as the placement and image
  clients do;
* ``endpoint`` is the service's base URL (``http://host:8776``): calls go
  to ``/v3/...`` without a project id (the caller's project is the
  token's);
* failures are typed: :class:`VolumeUnavailable` (no answer, or a 5xx),
  :class:`VolumeNotFound` (404), :class:`VolumeClientError` (with
  ``status`` and the volume API's own message) for the rest.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from nubes.common import service_auth
from nubes.common.http_session import service_session

REQUEST_ID_HEADER = "X-OpenStack-Request-ID"
ATTACH_VERSION = "3.44"


class VolumeClientError(Exception):
    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class VolumeUnavailable(VolumeClientError):
    """No answer (connection refused, timeout) or a server-side error."""


class VolumeNotFound(VolumeClientError):
    """The volume or attachment does not exist, or the caller may not see it."""


@dataclasses.dataclass(frozen=True)
class Volume:
    id: str
    status: str
    size: int
    name: str | None
    multiattach: bool
    availability_zone: str | None
    attachments: tuple[dict, ...]
    bootable: bool
    image_metadata: dict = dataclasses.field(default_factory=dict)  # volume_image_metadata

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> "Volume":
        return cls(id=body["id"], status=body["status"], size=int(body["size"]),
                   name=body.get("name"), multiattach=bool(body.get("multiattach")),
                   availability_zone=body.get("availability_zone"),
                   attachments=tuple(body.get("attachments") or ()),
                   bootable=str(body.get("bootable")).lower() == "true",
                   image_metadata=dict(body.get("volume_image_metadata") or {}))


@dataclasses.dataclass(frozen=True)
class Attachment:
    id: str
    status: str
    volume_id: str
    instance: str | None
    attach_mode: str | None = None
    connection_info: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> "Attachment":
        return cls(id=body["id"], status=body["status"], volume_id=body["volume_id"],
                   instance=body.get("instance"), attach_mode=body.get("attach_mode"),
                   connection_info=dict(body.get("connection_info") or {}))


def _message(resp: requests.Response) -> str:
    try:
        body = resp.json()
        (fault,) = body.values()
        return str(fault["message"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return f"{resp.status_code} {resp.text[:200]}"


def _with_token(headers: dict[str, str], token: str | None) -> dict[str, str]:
    return {**headers, "X-Auth-Token": token} if token else headers


class VolumeClient:
    def __init__(self, endpoint: str, *, token: str | None = None, timeout: float = 30.0,
                 session: requests.Session | None = None,
                 auth: service_auth.TokenSource | None = None):
        """Calls without a caller's token carry the service's: from
        ``auth`` (a Keystone service user, renewed) or ``token`` (fixed)."""
        self.endpoint = endpoint.rstrip("/")
        self._auth = auth or service_auth.StaticToken(token)
        self.timeout = timeout
        retry = Retry(total=3, connect=2, read=2, status=0, backoff_factor=0.1,
                      allowed_methods=frozenset({"GET", "HEAD"}))
        self._session = session or service_session(
            self.endpoint, HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=retry))

    @classmethod
    def from_conf(cls, conf) -> "VolumeClient | None":
        """The client of the catalog's volume endpoint (``[identity]
        volume_endpoint``, cut at ``/v3``), with the service's token
        (``[volume_client] token`` or ``[service_auth]``); None when the
        endpoint is not set."""
        endpoint = getattr(conf.identity, "volume_endpoint", None)
        if not endpoint:
            return None
        base = endpoint.split("/v3", 1)[0]
        return cls(base, timeout=conf.volume_client.timeout,
                   auth=service_auth.from_conf(conf, conf.volume_client.token))

    def close(self) -> None:
        self._session.close()

    def _call(self, method: str, path: str, expected: tuple[int, ...], *,
              token: str | None, request_id: str | None, version: str = ATTACH_VERSION,
              body: Any = None) -> requests.Response:
        headers = {"Accept": "application/json",
                   "OpenStack-API-Version": f"volume {version}"}
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        url = f"{self.endpoint}/v3{path}"
        try:
            resp = self._send(method, url, headers, body, token)
        except requests.RequestException as exc:
            raise VolumeUnavailable(f"{method} {url}: no answer from the volume API: "
                                    f"{exc}") from None
        except service_auth.ServiceAuthError as exc:
            raise VolumeUnavailable(f"{method} {url}: {exc}") from None
        if resp.status_code in expected:
            return resp
        if resp.status_code >= 500:
            raise VolumeUnavailable(f"{method} {url}: {resp.status_code} {resp.text[:200]}",
                                    status=resp.status_code)
        if resp.status_code == 404:
            raise VolumeNotFound(_message(resp), status=404)
        raise VolumeClientError(_message(resp), status=resp.status_code)

    def _send(self, method: str, url: str, headers: dict[str, str], body: Any,
              token: str | None) -> requests.Response:
        """One request with the caller's token, else the service's; a 401 to
        the service's own (revoked, or Keystone's keys rotated) is sent once
        more with a renewed one."""
        sent = token or self._auth.token()
        resp = self._session.request(method, url, json=body, timeout=self.timeout,
                                     headers=_with_token(headers, sent))
        if resp.status_code == 401 and not token:
            fresh = self._auth.refresh(sent)
            if fresh is not None and fresh != sent:
                resp = self._session.request(method, url, json=body, timeout=self.timeout,
                                             headers=_with_token(headers, fresh))
        return resp

    def get_volume(self, volume_id: str, *, token: str | None = None,
                   request_id: str | None = None) -> Volume | None:
        try:
            resp = self._call("GET", f"/volumes/{volume_id}", (200,), token=token,
                              request_id=request_id)
        except VolumeNotFound:
            return None
        return Volume.from_body(resp.json()["volume"])

    def create_volume(self, size: int, *, name: str | None = None,
                      volume_type: str | None = None, availability_zone: str | None = None,
                      image_id: str | None = None,
                      token: str | None = None, request_id: str | None = None) -> Volume:
        """A new volume (``creating``; ``downloading`` while an image's data
        is written into it)."""
        body = {"volume": {"size": size, "name": name, "volume_type": volume_type,
                           "availability_zone": availability_zone}}
        if image_id:
            body["volume"]["imageRef"] = image_id
        resp = self._call("POST", "/volumes", (202,), token=token, request_id=request_id,
                          body=body)
        return Volume.from_body(resp.json()["volume"])

    def delete_volume(self, volume_id: str, *, token: str | None = None,
                      request_id: str | None = None) -> bool:
        """False when the volume was already gone."""
        try:
            self._call("DELETE", f"/volumes/{volume_id}", (202,), token=token,
                       request_id=request_id)
        except VolumeNotFound:
            return False
        return True

    def _volume_action(self, volume_id: str, action: str, value: Any, **kw) -> None:
        self._call("POST", f"/volumes/{volume_id}/action", (200, 202), body={action: value},
                   **kw)

    def begin_detaching(self, volume_id: str, *, token: str | None = None,
                        request_id: str | None = None) -> None:
        self._volume_action(volume_id, "os-begin_detaching", None, token=token,
                            request_id=request_id)

    def roll_detaching(self, volume_id: str, *, token: str | None = None,
                       request_id: str | None = None) -> None:
        self._volume_action(volume_id, "os-roll_detaching", None, token=token,
                            request_id=request_id)

    def attachment_create(self, volume_id: str, *, instance_uuid: str | None,
                          connector: dict | None = None, token: str | None = None,
                          request_id: str | None = None) -> Attachment:
        body = {"attachment": {"volume_uuid": volume_id, "instance_uuid": instance_uuid,
                               "connector": connector}}
        resp = self._call("POST", "/attachments", (200,), token=token,
                          request_id=request_id, body=body)
        return Attachment.from_body(resp.json()["attachment"])

    def attachment_update(self, attachment_id: str, connector: dict, *,
                          token: str | None = None,
                          request_id: str | None = None) -> Attachment:
        resp = self._call("PUT", f"/attachments/{attachment_id}", (200,), token=token,
                          request_id=request_id, body={"attachment": {"connector": connector}})
        return Attachment.from_body(resp.json()["attachment"])

    def attachment_complete(self, attachment_id: str, *, token: str | None = None,
                            request_id: str | None = None) -> None:
        self._call("POST", f"/attachments/{attachment_id}/action", (204,), token=token,
                   request_id=request_id, body={"os-complete": None})

    def attachment_delete(self, attachment_id: str, *, token: str | None = None,
                          request_id: str | None = None) -> bool:
        """False when the attachment was already gone (nova ignores that too)."""
        try:
            self._call("DELETE", f"/attachments/{attachment_id}", (200,), token=token,
                       request_id=request_id)
        except VolumeNotFound:
            return False
        return True

    def attachments_of(self, *, instance_uuid: str | None = None,
                       volume_id: str | None = None, token: str | None = None,
                       request_id: str | None = None) -> list[Attachment]:
        query = "&".join(f"{k}={v}" for k, v in (("instance_id", instance_uuid),
                                                 ("volume_id", volume_id)) if v)
        resp = self._call("GET", "/attachments/detail" + (f"?{query}" if query else ""),
                          (200,), token=token, request_id=request_id)
        return [Attachment.from_body(a) for a in resp.json()["attachments"]]
