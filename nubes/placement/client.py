"""A typed HTTP client for placement, for the services that call it.

Other services (the compute API, the scheduler, compute agents) reach
placement only through this module, so crossing the process boundary is
visible at every call site::

    client = PlacementClient.from_conf(conf)
    aggs = client.update_aggregates(node_uuid, add={agg_uuid},
                                    request_id=ctx.global_request_id or ctx.request_id)

* one ``requests.Session`` per client with a pooled adapter (thread-safe
  for this use; share one client per process);
* every method pins the microversion it speaks, so a placement upgrade
  never changes what a caller receives;
* the caller's request id is forwarded as ``X-OpenStack-Request-ID`` so
  placement's logs name the request that caused the call;
* read-modify-write calls (a provider's aggregates) retry when placement
  reports ``placement.concurrent_update``, as often as the caller asks;
* failures are typed: :class:`PlacementNotFound`, :class:`PlacementConflict`
  (``.code`` says which conflict), :class:`PlacementUnavailable` (no
  answer, or a 5xx), :class:`PlacementError` for the rest; each message
  names the call, the status and placement's own explanation.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable, Iterable, TypeVar

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from nubes.common import service_auth
from nubes.common.http_session import service_session
from nubes.placement.client_moves import (  # noqa: F401 - the sharing trait
    MISC_SHARES_VIA_AGGREGATE,
    MoveAllocations,
)
from nubes.placement.client_records import (  # noqa: F401 - the client's records
    AllocationCandidates,
    ClaimResult,
    ConsumerAllocations,
    Inventories,
    Inventory,
    Provider,
    ProviderAggregates,
    ProviderTraits,
    provider_from as _provider,
)

LOG = logging.getLogger(__name__)
T = TypeVar("T")

CONCURRENT_UPDATE = "placement.concurrent_update"
REQUEST_ID_HEADER = "X-OpenStack-Request-ID"

# Microversions each call speaks.  Calls that can fail with a conflict use
# 1.23 or later: error bodies carry a ``code`` only from 1.23, and that code
# is what tells a generation race (retry) from other conflicts.
_PROVIDERS = "1.14"      # parent/root uuids, in_tree
_AGGREGATES = "1.23"     # aggregates with the provider generation (1.19) + codes
_INVENTORIES = "1.26"    # reserved may equal total
_USAGES = "1.9"
_DELETE = "1.23"
_CREATE = "1.23"         # the created provider in the answer (1.20) + codes
_TRAITS = "1.23"         # provider traits (1.6) + codes, so generation races retry
_CANDIDATES = "1.36"     # root_required (1.35), same_subtree (1.36), mappings (1.34)
_CLAIM = "1.38"          # consumer generations (1.28) + consumer types (1.38)


# --- errors -----------------------------------------------------------------

class PlacementError(Exception):
    """Placement refused or failed a call; ``str()`` explains it."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 detail: str | None = None, request_id: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail
        self.request_id = request_id


class PlacementUnavailable(PlacementError):
    """No answer (connection refused, timeout) or a server-side error."""


class PlacementNotFound(PlacementError):
    pass


class PlacementConflict(PlacementError):
    @property
    def concurrent_update(self) -> bool:
        return self.code == CONCURRENT_UPDATE


# --- the client -------------------------------------------------------------

class PlacementClient(MoveAllocations):
    def __init__(self, endpoint: str, *, token: str | None = None, timeout: float = 30.0,
                 conflict_retries: int = 4, pool_maxsize: int = 16,
                 session: requests.Session | None = None,
                 auth: service_auth.TokenSource | None = None):
        """``auth``: where the token comes from (a Keystone service user,
        renewed); ``token``: a fixed one instead."""
        if not endpoint:
            raise ValueError("placement endpoint is not set ([placement_client] endpoint)")
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self.conflict_retries = conflict_retries
        if session is None:
            # A refused connection is tried again for every call (nothing
            # was sent).  A connection that breaks once the request is out
            # (e.g. the server closed an idle keep-alive connection just as
            # it was reused) is tried again only for calls that mean the
            # same when repeated: reads, and DELETE /allocations (a repeat
            # finds nothing and says so).  A PUT or POST that may have been
            # received is never sent twice: its generations would refuse it.
            retry = Retry(total=3, connect=2, read=2, status=0, backoff_factor=0.1,
                          allowed_methods=frozenset({"GET", "HEAD", "DELETE"}))
            session = service_session(self.endpoint, HTTPAdapter(
                pool_connections=4, pool_maxsize=pool_maxsize, max_retries=retry))
        self._session = session
        self._session.headers["Accept"] = "application/json"
        self._auth = auth or service_auth.StaticToken(token)

    @classmethod
    def from_conf(cls, conf) -> "PlacementClient":
        opts = conf.placement_client
        return cls(opts.endpoint, timeout=opts.timeout, conflict_retries=opts.conflict_retries,
                   auth=service_auth.from_conf(conf, opts.token))

    def close(self) -> None:
        self._session.close()

    # --- the one place requests go out ------------------------------------------

    def request(self, method: str, path: str, *, version: str, json: Any = None,
                params: dict | None = None, request_id: str | None = None,
                ok: Iterable[int] = (200,)) -> requests.Response:
        """Send one call at ``version``; the response if its status is in
        ``ok``, a typed :class:`PlacementError` otherwise."""
        headers = {"OpenStack-API-Version": f"placement {version}"}
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        what = f"placement {method} {path}"
        try:
            token = self._auth.token()
            resp = self._send(method, path, json, params, headers, token)
            if resp.status_code == 401:     # revoked or rotated: once more, renewed
                fresh = self._auth.refresh(token)
                if fresh is not None:
                    resp = self._send(method, path, json, params, headers, fresh)
        except requests.RequestException as exc:
            raise PlacementUnavailable(f"{what}: no answer from {self.endpoint}: {exc}") from exc
        except service_auth.ServiceAuthError as exc:
            raise PlacementUnavailable(f"{what}: {exc}") from exc
        if resp.status_code in tuple(ok):
            return resp
        raise _error(what, resp)

    def _send(self, method: str, path: str, json: Any, params: dict | None,
              headers: dict[str, str], token: str | None) -> requests.Response:
        if token:
            headers = {**headers, "X-Auth-Token": token}
        return self._session.request(method, self.endpoint + path, json=json, params=params,
                                     headers=headers, timeout=self.timeout)

    # --- providers -------------------------------------------------------------------

    def get_provider(self, uuid: str, *, request_id: str | None = None) -> Provider | None:
        try:
            resp = self.request("GET", f"/resource_providers/{uuid}", version=_PROVIDERS,
                                request_id=request_id)
        except PlacementNotFound:
            return None
        return _provider(resp.json())

    def providers_in_tree(self, uuid: str, *, request_id: str | None = None) -> list[Provider]:
        """Every provider in the tree of ``uuid`` (empty if it does not exist)."""
        resp = self.request("GET", "/resource_providers", version=_PROVIDERS,
                            params={"in_tree": uuid}, request_id=request_id)
        return [_provider(p) for p in resp.json()["resource_providers"]]

    def create_provider(self, name: str, *, uuid: str | None = None,
                        parent_provider_uuid: str | None = None,
                        request_id: str | None = None) -> Provider:
        body: dict[str, Any] = {"name": name}
        if uuid:
            body["uuid"] = uuid
        if parent_provider_uuid:
            body["parent_provider_uuid"] = parent_provider_uuid
        resp = self.request("POST", "/resource_providers", version=_CREATE, json=body,
                            request_id=request_id)
        return _provider(resp.json())

    def delete_provider(self, uuid: str, *, request_id: str | None = None) -> bool:
        """Delete one provider; False if it did not exist.  A provider with
        allocations or children raises :class:`PlacementConflict`."""
        return self._delete(f"/resource_providers/{uuid}", _DELETE, request_id)

    def delete_provider_tree(self, uuid: str, *, request_id: str | None = None) -> int:
        """Delete ``uuid`` and its descendants, leaves first; how many went."""
        tree = self.providers_in_tree(uuid, request_id=request_id)
        if not tree:
            return 0
        children: dict[str | None, list[str]] = {}
        for p in tree:
            children.setdefault(p.parent_provider_uuid, []).append(p.uuid)
        order: list[str] = []

        def visit(node: str) -> None:
            for child in children.get(node, []):
                visit(child)
            order.append(node)

        visit(uuid)
        return sum(1 for u in order if self.delete_provider(u, request_id=request_id))

    # --- inventories and usages ---------------------------------------------------------

    def get_inventories(self, uuid: str, *, request_id: str | None = None) -> Inventories:
        resp = self.request("GET", f"/resource_providers/{uuid}/inventories",
                            version=_INVENTORIES, request_id=request_id)
        return _inventories(resp.json())

    def get_usages(self, uuid: str, *, request_id: str | None = None) -> dict[str, int]:
        resp = self.request("GET", f"/resource_providers/{uuid}/usages", version=_USAGES,
                            request_id=request_id)
        return dict(resp.json()["usages"])

    # --- aggregates --------------------------------------------------------------------

    def get_aggregates(self, uuid: str, *, request_id: str | None = None) -> ProviderAggregates:
        resp = self.request("GET", f"/resource_providers/{uuid}/aggregates",
                            version=_AGGREGATES, request_id=request_id)
        data = resp.json()
        return ProviderAggregates(frozenset(data["aggregates"]),
                                  data["resource_provider_generation"])

    def set_aggregates(self, uuid: str, aggregates: Iterable[str], generation: int, *,
                       request_id: str | None = None) -> ProviderAggregates:
        """Replace the provider's aggregates if its generation is still
        ``generation`` (else :class:`PlacementConflict`, concurrent_update)."""
        resp = self.request("PUT", f"/resource_providers/{uuid}/aggregates",
                            version=_AGGREGATES, request_id=request_id,
                            json={"aggregates": sorted(set(aggregates)),
                                  "resource_provider_generation": generation})
        data = resp.json()
        return ProviderAggregates(frozenset(data["aggregates"]),
                                  data["resource_provider_generation"])

    def update_aggregates(self, uuid: str, *, add: Iterable[str] = (),
                          remove: Iterable[str] = (), retries: int | None = None,
                          request_id: str | None = None) -> ProviderAggregates:
        """Add and remove aggregates of a provider, keeping the others;
        re-read and retry up to ``retries`` times (default
        ``conflict_retries``) when someone else changed the provider."""
        add, remove = set(add), set(remove)

        def attempt() -> ProviderAggregates:
            current = self.get_aggregates(uuid, request_id=request_id)
            wanted = (current.aggregates | add) - remove
            if wanted == current.aggregates:
                return current
            return self.set_aggregates(uuid, wanted, current.generation,
                                       request_id=request_id)

        return self.retry_on_concurrent_update(attempt, retries)

    # --- helpers -------------------------------------------------------------------------

    def retry_on_concurrent_update(self, fn: Callable[[], T], retries: int | None = None) -> T:
        """Call ``fn`` again (it must re-read what it changes) while placement
        answers 409 ``placement.concurrent_update``, at most ``retries`` times."""
        retries = self.conflict_retries if retries is None else retries
        attempt = 0
        while True:
            try:
                return fn()
            except PlacementConflict as exc:
                if not exc.concurrent_update or attempt >= retries:
                    raise
                attempt += 1
                LOG.debug("placement concurrent update, retry %d/%d: %s", attempt, retries, exc)


    # --- traits, inventory writes, custom names ----------------------------------------
    # (added for the compute resource tracker, nubes.compute.resource_tracker)

    def set_inventories(self, uuid: str, inventories: dict[str, Inventory], generation: int,
                        *, request_id: str | None = None) -> Inventories:
        """Replace all of the provider's inventories if its generation is still
        ``generation`` (else :class:`PlacementConflict`, concurrent_update)."""
        body = {"resource_provider_generation": generation,
                "inventories": {rc: dataclasses.asdict(inv) for rc, inv in inventories.items()}}
        resp = self.request("PUT", f"/resource_providers/{uuid}/inventories",
                            version=_INVENTORIES, json=body, request_id=request_id)
        return _inventories(resp.json())

    def get_traits(self, uuid: str, *, request_id: str | None = None) -> "ProviderTraits":
        resp = self.request("GET", f"/resource_providers/{uuid}/traits", version=_TRAITS,
                            request_id=request_id)
        data = resp.json()
        return ProviderTraits(frozenset(data["traits"]), data["resource_provider_generation"])

    def set_traits(self, uuid: str, traits: Iterable[str], generation: int, *,
                   request_id: str | None = None) -> "ProviderTraits":
        """Replace the provider's traits if its generation is still
        ``generation`` (else :class:`PlacementConflict`, concurrent_update).
        Custom traits must exist (:meth:`ensure_trait`)."""
        resp = self.request("PUT", f"/resource_providers/{uuid}/traits", version=_TRAITS,
                            request_id=request_id,
                            json={"traits": sorted(set(traits)),
                                  "resource_provider_generation": generation})
        data = resp.json()
        return ProviderTraits(frozenset(data["traits"]), data["resource_provider_generation"])

    def ensure_trait(self, name: str, *, request_id: str | None = None) -> None:
        """Create the custom trait ``name`` unless it exists."""
        self.request("PUT", f"/traits/{name}", version="1.6", request_id=request_id,
                     ok=(201, 204))

    def ensure_resource_class(self, name: str, *, request_id: str | None = None) -> None:
        """Create the custom resource class ``name`` unless it exists."""
        self.request("PUT", f"/resource_classes/{name}", version="1.7",
                     request_id=request_id, ok=(201, 204))

    # --- scheduling: candidates, claims, releases ----------------------------------
    # (added for the scheduler, nubes.scheduler.service)

    def allocation_candidates(self, params: list[tuple[str, str]] | dict, *,
                              version: str = _CANDIDATES,
                              request_id: str | None = None) -> "AllocationCandidates":
        """``GET /allocation_candidates`` with ``params`` (a list of pairs
        when keys repeat, e.g. ``member_of``)."""
        resp = self.request("GET", "/allocation_candidates", version=version,
                            params=params, request_id=request_id)
        data = orjson.loads(resp.content)
        return AllocationCandidates(data["allocation_requests"],
                                    data["provider_summaries"], version)

    def claim(self, consumer: str, allocations: dict[str, dict], project: str, user: str,
              consumer_generation: int | None = None,
              consumer_type: str = "INSTANCE", *, mappings: dict | None = None,
              request_id: str | None = None) -> "ClaimResult":
        """``PUT /allocations/{consumer}``: make ``allocations`` ({provider
        uuid: {"resources": {class: amount}}}) the consumer's, if its
        generation is still ``consumer_generation`` (None: it has none).

        A 409 is an answer, not an error: the result says whether the
        resources did not fit (``CAPACITY``), the consumer changed
        (``CONSUMER_GENERATION``: someone else wrote its allocations) or a
        provider changed under placement's own retries
        (``PROVIDER_GENERATION``: trying again may work).  Anything else
        raises a :class:`PlacementError`."""
        body: dict[str, Any] = {"allocations": allocations, "project_id": project,
                                "user_id": user, "consumer_generation": consumer_generation,
                                "consumer_type": consumer_type}
        if mappings:
            body["mappings"] = mappings
        try:
            self.request("PUT", f"/allocations/{consumer}", version=_CLAIM, json=body,
                         request_id=request_id, ok=(204,))
        except PlacementConflict as exc:
            if not exc.concurrent_update:
                outcome = ClaimResult.CAPACITY
            elif "consumer generation" in (exc.detail or ""):
                outcome = ClaimResult.CONSUMER_GENERATION
            else:
                outcome = ClaimResult.PROVIDER_GENERATION
            return ClaimResult(outcome, str(exc))
        return ClaimResult(ClaimResult.CLAIMED)

    def delete_allocations(self, consumer: str, *, request_id: str | None = None) -> bool:
        """Remove every allocation of ``consumer``; False if it had none."""
        return self._delete(f"/allocations/{consumer}", _CLAIM, request_id)

    def _delete(self, path: str, version: str, request_id: str | None) -> bool:
        """DELETE ``path``; False if it was not there (404)."""
        try:
            self.request("DELETE", path, version=version, request_id=request_id, ok=(204,))
        except PlacementNotFound:
            return False
        return True


def _inventories(data: dict) -> Inventories:
    fields = Inventory.__dataclass_fields__
    return Inventories(
        generation=data["resource_provider_generation"],
        inventories={rc: Inventory(**{k: inv[k] for k in fields if k in inv})
                     for rc, inv in data["inventories"].items()})


def _error(what: str, resp: requests.Response) -> PlacementError:
    status = resp.status_code
    detail, code, request_id = None, None, resp.headers.get(REQUEST_ID_HEADER)
    try:
        errors = resp.json().get("errors") or []
    except ValueError:
        errors = []
    if errors:
        detail = errors[0].get("detail") or errors[0].get("title")
        code = errors[0].get("code")
    else:
        detail = resp.text[:300] if resp.text else resp.reason
    message = f"{what}: {status}"
    if code:
        message += f" ({code})"
    if detail:
        message += f": {detail}"
    cls = {404: PlacementNotFound, 409: PlacementConflict}.get(status)
    if cls is None:
        cls = PlacementUnavailable if status >= 500 else PlacementError
    return cls(message, status=status, code=code, detail=detail, request_id=request_id)
