"""A typed HTTP client for the image API, for the services that call it
(the compute API resolves ``imageRef`` through it, and makes snapshots
with it)::

    images = ImageClient.from_conf(conf)
    image = images.get_image(image_id, token=ctx.auth_token,
                             request_id=ctx.request_id)   # None: unknown or not visible
    snap = images.create(name="snap", disk_format="qcow2", container_format="bare",
                         properties={"image_type": "snapshot"}, token=...)
    images.upload(snap.id, chunks, token=...)          # bytes, or an iterable of bytes
    for chunk in images.download(snap.id, token=...) or ():   # None: no data
        ...
    images.delete(snap.id, token=...)                  # False: already gone

* the caller's token is forwarded, so the image API decides what the
  caller may see (a private image of another project is "unknown");
  without one, ``[image_client] token`` is sent;
* the endpoint is ``[image_client] endpoint``, else ``[identity]
  image_endpoint`` (the catalog's);
* failures are typed: :class:`ImageUnavailable` (no answer, or a 5xx),
  :class:`ImageNotFound` (404, or 410: deleted during an upload),
  :class:`ImageClientError` (with ``status``) for the rest.  Names are not
  resolved here: clients resolve names themselves through the image API;
* uploads stream an iterable of chunks (chunked transfer encoding) and
  downloads yield chunks, neither holding the whole image, except when
  the image API is served in this same process (the embedded cloud's
  in-process session takes and returns whole bodies).
"""
from __future__ import annotations

import dataclasses
import urllib.parse
import uuid as uuidlib
from typing import Any, Iterable, Iterator

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from nubes.common import service_auth
from nubes.common.http_session import service_session

REQUEST_ID_HEADER = "X-OpenStack-Request-ID"
CHUNK = 1 << 16
# Glance's base attributes; everything else in an image body is a property.
_BASE = frozenset({"id", "name", "status", "visibility", "protected", "os_hidden", "owner",
                   "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value",
                   "min_ram", "min_disk", "disk_format", "container_format", "tags",
                   "created_at", "updated_at", "self", "file", "schema", "direct_url",
                   "locations"})


class ImageClientError(Exception):
    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class ImageUnavailable(ImageClientError):
    """No answer (connection refused, timeout) or a server-side error."""


class ImageNotFound(ImageClientError):
    """The image does not exist, the caller may not see it, or it was
    deleted while its data was being uploaded."""


@dataclasses.dataclass(frozen=True)
class Image:
    id: str
    name: str | None
    status: str
    min_ram: int = 0
    min_disk: int = 0
    size: int | None = None
    checksum: str | None = None
    disk_format: str | None = None
    container_format: str | None = None
    visibility: str | None = None
    owner: str | None = None
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)
    created_at: str | None = None     # ISO 8601, as the image API writes it
    updated_at: str | None = None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> "Image":
        return cls(id=body["id"], name=body.get("name"), status=body.get("status") or "",
                   min_ram=int(body.get("min_ram") or 0),
                   min_disk=int(body.get("min_disk") or 0), size=body.get("size"),
                   checksum=body.get("checksum"), disk_format=body.get("disk_format"),
                   container_format=body.get("container_format"),
                   visibility=body.get("visibility"), owner=body.get("owner"),
                   properties={k: v for k, v in body.items() if k not in _BASE},
                   created_at=body.get("created_at"), updated_at=body.get("updated_at"))


BASE_ATTRIBUTES = _BASE
PATCH_MEDIA_TYPE = "application/openstack-images-v2.1-json-patch"


class ImageClient:
    def __init__(self, endpoint: str, *, token: str | None = None, timeout: float = 30.0,
                 session: requests.Session | None = None,
                 auth: service_auth.TokenSource | None = None):
        """Calls without a caller's token carry the service's: from
        ``auth`` (a Keystone service user, renewed) or ``token`` (fixed)."""
        self.endpoint = endpoint.rstrip("/")
        self._auth = auth or service_auth.StaticToken(token)
        self.timeout = timeout
        # Reads are tried again when the connection breaks (e.g. a reused
        # keep-alive connection the server had just closed); writes are not.
        retry = Retry(total=3, connect=2, read=2, status=0, backoff_factor=0.1,
                      allowed_methods=frozenset({"GET", "HEAD"}))
        self._session = session or service_session(
            self.endpoint, HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=retry))

    @classmethod
    def from_conf(cls, conf) -> "ImageClient | None":
        """None when neither ``[image_client] endpoint`` nor ``[identity]
        image_endpoint`` is set."""
        endpoint = conf.image_client.endpoint or conf.identity.image_endpoint
        if not endpoint:
            return None
        return cls(endpoint, timeout=conf.image_client.timeout,
                   auth=service_auth.from_conf(conf, conf.image_client.token))

    def close(self) -> None:
        self._session.close()

    def get_image(self, image_id: str, *, token: str | None = None,
                  request_id: str | None = None) -> Image | None:
        """The image, or None when it does not exist or the caller may not
        see it (the image API answers 404 for both)."""
        try:
            uuidlib.UUID(image_id)
        except ValueError:
            return None     # the image API only knows uuids
        url = f"{self.endpoint}/v2/images/{image_id}"
        try:
            resp = self._send("GET", url, headers=self._headers(token, request_id))
        except requests.RequestException as exc:
            raise ImageUnavailable(f"GET {url}: no answer from the image API: {exc}") from None
        if resp.status_code == 404:
            return None
        if resp.status_code >= 500:
            raise ImageUnavailable(f"GET {url}: {resp.status_code} {resp.text[:200]}",
                                   status=resp.status_code)
        if resp.status_code != 200:
            raise ImageClientError(f"GET {url}: {resp.status_code} {resp.text[:200]}",
                                   status=resp.status_code)
        return Image.from_body(resp.json())

    # -- writes and data (snapshots) ------------------------------------------------

    def _headers(self, token: str | None, request_id: str | None, **extra: str
                 ) -> dict[str, str]:
        headers = {"Accept": "application/json", **extra}
        sent = token or self._service_token()
        if sent:
            headers["X-Auth-Token"] = sent
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        return headers

    def _call(self, method: str, path: str, expected: tuple[int, ...], **kw
              ) -> requests.Response:
        url = f"{self.endpoint}{path}"
        parts = path.split("/")
        if len(parts) > 3:  # /v2/images/{id}...: the image API only knows uuids
            try:
                uuidlib.UUID(parts[3])
            except ValueError:
                raise ImageNotFound(f"{method} {url}: not an image id", status=404) from None
        try:
            resp = self._send(method, url, **kw)
        except requests.RequestException as exc:
            raise ImageUnavailable(f"{method} {url}: no answer from the image API: "
                                   f"{exc}") from None
        if resp.status_code in expected:
            return resp
        if resp.status_code >= 500:
            raise ImageUnavailable(f"{method} {url}: {resp.status_code} {resp.text[:200]}",
                                   status=resp.status_code)
        detail = _message(resp)     # the image API's own words, shown to callers
        if resp.status_code in (404, 410):
            raise ImageNotFound(detail, status=resp.status_code)
        raise ImageClientError(detail, status=resp.status_code)

    def _service_token(self) -> str | None:
        try:
            return self._auth.token()
        except service_auth.ServiceAuthError as exc:
            raise ImageUnavailable(str(exc)) from None

    def _send(self, method: str, url: str, **kw) -> requests.Response:
        """One request; a 401 to the service's own token (revoked, or
        Keystone's keys rotated) is sent once more with a renewed one,
        when its body can be sent again."""
        resp = self._session.request(method, url, timeout=self.timeout, **kw)
        sent = (kw.get("headers") or {}).get("X-Auth-Token")
        replayable = isinstance(kw.get("data"), (bytes, type(None))) and not kw.get("stream")
        if resp.status_code != 401 or not sent or not replayable \
                or sent != self._service_token():
            return resp
        try:
            fresh = self._auth.refresh(sent)
        except service_auth.ServiceAuthError as exc:
            raise ImageUnavailable(str(exc)) from None
        if fresh is None or fresh == sent:
            return resp
        return self._session.request(method, url, timeout=self.timeout,
                                     **{**kw, "headers": {**kw["headers"],
                                                          "X-Auth-Token": fresh}})

    def create(self, *, name: str | None, disk_format: str, container_format: str,
               visibility: str | None = None, min_ram: int = 0, min_disk: int = 0,
               properties: dict[str, str] | None = None, image_id: str | None = None,
               owner: str | None = None, token: str | None = None,
               request_id: str | None = None) -> Image:
        """A new, queued image record (owned by the token's project, or by
        ``owner``: only an admin may name another project)."""
        body: dict[str, Any] = {**(properties or {}), "name": name,
                                "disk_format": disk_format,
                                "container_format": container_format,
                                "min_ram": min_ram, "min_disk": min_disk}
        if visibility is not None:
            body["visibility"] = visibility
        if image_id is not None:
            body["id"] = image_id
        if owner is not None:
            body["owner"] = owner
        resp = self._call("POST", "/v2/images", (201,), json=body,
                          headers=self._headers(token, request_id))
        return Image.from_body(resp.json())

    def upload(self, image_id: str, chunks: bytes | Iterable[bytes], *,
               token: str | None = None, request_id: str | None = None) -> None:
        """Store the data of a queued image (it becomes active)."""
        data = chunks
        if not isinstance(self._session, requests.Session) and not isinstance(chunks, bytes):
            data = b"".join(chunks)     # the in-process session takes a whole body
        self._call("PUT", f"/v2/images/{image_id}/file", (204,), data=data,
                   headers=self._headers(token, request_id,
                                         **{"Content-Type": "application/octet-stream"}))

    def download(self, image_id: str, *, token: str | None = None,
                 request_id: str | None = None) -> Iterator[bytes] | None:
        """The image's data in chunks; None when it has none (yet)."""
        headers = self._headers(token, request_id, Accept="application/octet-stream")
        if not isinstance(self._session, requests.Session):
            resp = self._call("GET", f"/v2/images/{image_id}/file", (200, 204),
                              headers=headers)
            content = resp.content
            return None if resp.status_code == 204 else iter(
                [content[i:i + CHUNK] for i in range(0, len(content), CHUNK)] or [b""])
        resp = self._call("GET", f"/v2/images/{image_id}/file", (200, 204),
                          headers=headers, stream=True)
        if resp.status_code == 204:
            resp.close()
            return None
        return _chunks_of(resp)

    def delete(self, image_id: str, *, token: str | None = None,
               request_id: str | None = None) -> bool:
        """Delete the image and its data; False when it was already gone."""
        try:
            self._call("DELETE", f"/v2/images/{image_id}", (204,),
                       headers=self._headers(token, request_id))
        except ImageNotFound:
            return False
        return True

    # --- listing and changes (the compute API's /images proxy) -----------------------

    def list_images(self, params: list[tuple[str, str]], *, token: str | None = None,
                    request_id: str | None = None) -> tuple[list[Image], bool]:
        """One page of ``GET /v2/images`` with the image API's own
        parameters; (images, whether the image API offers a next page)."""
        body = self._call("GET", "/v2/images", (200,), params=params,
                          headers=self._headers(token, request_id)).json()
        return [Image.from_body(b) for b in body.get("images", [])], "next" in body

    def delete_image(self, image_id: str, *, token: str | None = None,
                     request_id: str | None = None) -> None:
        """Delete it; :class:`ImageNotFound` (a 404) when it is not there."""
        self._call("DELETE", f"/v2/images/{_quoted(image_id)}", (204,),
                   headers=self._headers(token, request_id))

    def patch_image(self, image_id: str, operations: list[dict], *,
                    token: str | None = None, request_id: str | None = None) -> Image:
        """Apply JSON-patch ``operations`` (add/replace/remove ``/name``)."""
        resp = self._call("PATCH", f"/v2/images/{_quoted(image_id)}", (200,),
                          json=operations,
                          headers=self._headers(token, request_id,
                                                **{"Content-Type": PATCH_MEDIA_TYPE}))
        return Image.from_body(resp.json())


def _quoted(image_id: str) -> str:
    return urllib.parse.quote(image_id, safe="")


def _message(resp: requests.Response) -> str:
    """The image API's error text (its body's message, else the text)."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            return body["message"]
        for fault in body.values():
            if isinstance(fault, dict) and fault.get("message"):
                return str(fault["message"])
    return resp.text[:200]


def _chunks_of(resp: requests.Response) -> Iterator[bytes]:
    try:
        yield from resp.iter_content(CHUNK)
    finally:
        resp.close()
