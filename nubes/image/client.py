"""A typed HTTP client for the image API, for the services that call it
(the compute API resolves ``imageRef`` through it)::

    images = ImageClient.from_conf(conf)
    image = images.get_image(image_id, token=ctx.auth_token,
                             request_id=ctx.request_id)   # None: unknown or not visible

* the caller's token is forwarded, so the image API decides what the
  caller may see (a private image of another project is "unknown");
  without one, ``[image_client] token`` is sent;
* the endpoint is ``[image_client] endpoint``, else ``[identity]
  image_endpoint`` (the catalog's);
* failures are typed: :class:`ImageUnavailable` (no answer, or a 5xx),
  :class:`ImageClientError` for the rest.  Names are not resolved here:
  clients resolve names themselves through the image API.
"""
from __future__ import annotations

import dataclasses
import urllib.parse
import uuid as uuidlib
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from nubes.common.http_session import service_session

REQUEST_ID_HEADER = "X-OpenStack-Request-ID"
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


@dataclasses.dataclass(frozen=True)
class Image:
    id: str
    name: str | None
    status: str
    min_ram: int = 0
    min_disk: int = 0
    size: int | None = None
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)
    created_at: str | None = None     # ISO 8601, as the image API writes it
    updated_at: str | None = None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> "Image":
        return cls(id=body["id"], name=body.get("name"), status=body.get("status") or "",
                   min_ram=int(body.get("min_ram") or 0),
                   min_disk=int(body.get("min_disk") or 0), size=body.get("size"),
                   properties={k: v for k, v in body.items() if k not in _BASE},
                   created_at=body.get("created_at"), updated_at=body.get("updated_at"))


BASE_ATTRIBUTES = _BASE
PATCH_MEDIA_TYPE = "application/openstack-images-v2.1-json-patch"


class ImageClient:
    def __init__(self, endpoint: str, *, token: str | None = None, timeout: float = 30.0,
                 session: requests.Session | None = None):
        self.endpoint = endpoint.rstrip("/")
        self.token = token
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
        return cls(endpoint, token=conf.image_client.token, timeout=conf.image_client.timeout)

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
        headers = {"Accept": "application/json"}
        if token or self.token:
            headers["X-Auth-Token"] = token or self.token
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        url = f"{self.endpoint}/v2/images/{image_id}"
        try:
            resp = self._session.get(url, headers=headers, timeout=self.timeout)
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

    # --- listing and changes (the compute API's /images proxy) -----------------------

    def _call(self, method: str, path: str, *, token: str | None, request_id: str | None,
              params: list[tuple[str, str]] | None = None, json_body: Any = None,
              content_type: str | None = None) -> requests.Response:
        headers = {"Accept": "application/json"}
        if token or self.token:
            headers["X-Auth-Token"] = token or self.token
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        if content_type:
            headers["Content-Type"] = content_type
        url = f"{self.endpoint}{path}"
        try:
            resp = self._session.request(method, url, headers=headers, params=params,
                                         json=json_body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ImageUnavailable(f"{method} {url}: no answer from the image API: {exc}"
                                   ) from None
        if resp.status_code >= 500:
            raise ImageUnavailable(f"{method} {url}: {resp.status_code} {resp.text[:200]}",
                                   status=resp.status_code)
        if resp.status_code >= 400:
            raise ImageClientError(_message(resp), status=resp.status_code)
        return resp

    def list_images(self, params: list[tuple[str, str]], *, token: str | None = None,
                    request_id: str | None = None) -> tuple[list[Image], bool]:
        """One page of ``GET /v2/images`` with the image API's own
        parameters; (images, whether the image API offers a next page)."""
        body = self._call("GET", "/v2/images", token=token, request_id=request_id,
                          params=params).json()
        return [Image.from_body(b) for b in body.get("images", [])], "next" in body

    def delete_image(self, image_id: str, *, token: str | None = None,
                     request_id: str | None = None) -> None:
        self._call("DELETE", f"/v2/images/{_quoted(image_id)}", token=token,
                   request_id=request_id)

    def patch_image(self, image_id: str, operations: list[dict], *,
                    token: str | None = None, request_id: str | None = None) -> Image:
        """Apply JSON-patch ``operations`` (add/replace/remove ``/name``)."""
        resp = self._call("PATCH", f"/v2/images/{_quoted(image_id)}", token=token,
                          request_id=request_id, json_body=operations,
                          content_type=PATCH_MEDIA_TYPE)
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
