"""Hostile HTTP requests for a route table.

A :class:`Route` names a method, a path template, the JSON schema of its
body (or a function of the microversion giving it) and the query
parameters it knows.  :func:`requests_for` turns a list of routes into a
strategy of :class:`Request` values: path parameters from the ids the
cloud really has (its own project's and another project's) or hostile
ones, query strings with known parameters given wrong values, repeated or
unknown, microversion and content-type headers valid or not, bodies from
the schema mutated, random JSON or no JSON at all, sent as an admin, as a
member of another project, or with no or a bad token.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from tests.fuzz import hostile, schema_bodies

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
# Who sends a request, weighted: an admin, a member of a project that owns
# none of the seeded admin resources, no token, a bad token.
CALLERS = ("admin",) * 6 + ("member",) * 5 + ("none", "bad")


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    template: str
    # The body's JSON schema, a function of the (major, minor) version
    # giving it, or None for a route that takes no body.
    body: Any = None
    query: tuple[str, ...] = ()
    content_type: str = "application/json"


@dataclasses.dataclass
class Api:
    """What differs between the APIs when generating requests."""
    name: str
    routes: list[Route] = dataclasses.field(repr=False)
    # Header name and value strategy of the microversion (None: the API has none).
    versions: Callable[[], st.SearchStrategy[dict[str, str]]] | None = dataclasses.field(
        repr=False)
    # Parses a version header dict into (major, minor) to pick a body schema.
    parse_version: Callable[[dict[str, str]], tuple[int, int]] = dataclasses.field(repr=False)
    # Valid values of query parameters, by name, to mix with hostile ones.
    query_values: dict[str, list[str]] = dataclasses.field(default_factory=dict, repr=False)
    # Strategies of structured values for query parameters (e.g.
    # placement's ``resources=VCPU:<huge>``), drawn besides query_values.
    query_strategies: dict[str, st.SearchStrategy[str]] = dataclasses.field(
        default_factory=dict, repr=False)
    # More headers the API reads (e.g. identity's X-Subject-Token).
    extra_headers: Callable[[], st.SearchStrategy[dict[str, str]]] | None = dataclasses.field(
        default=None, repr=False)
    # Routes whose 501 is the API reference's answer ("not implemented by
    # this cloud's hypervisor"), not a fault.
    not_implemented: frozenset[str] = dataclasses.field(default=frozenset(), repr=False)
    callers: tuple[str, ...] = dataclasses.field(default=CALLERS, repr=False)


@dataclasses.dataclass
class Request:
    api: str
    caller: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any = None           # a JSON value, hostile.Raw, or None for no body
    route: str = ""

    def url_path(self) -> str:
        return self.path + ("?" + self.query if self.query else "")

    def __repr__(self) -> str:
        body = repr(self.body)
        if len(body) > 400:
            body = body[:400] + "..."
        return (f"Request({self.caller} {self.method} {self.url_path()[:600]!r} "
                f"headers={self.headers} body={body})")


RAW = "raw"   # a Route.body: bytes, not JSON
BODY_HINTS = "@body"   # the seeds' entry of values for bodies (schema_bodies.valid's hints)
_PARAM = re.compile(r"\{(\w+)\}")


def path_value(seeds: dict[str, list[str]], name: str) -> st.SearchStrategy[str]:
    """A path segment for ``{name}``: a real id (percent-encoded) most of
    the time, else a hostile one, percent-encoded or raw."""
    known = seeds.get(name) or ["1"]
    hostile_text = hostile.hostile_string().filter(lambda s: len(s) < 3000)
    return hostile.weighted(
        (5, st.sampled_from(known)),
        (1, st.uuids().map(str)),
        (2, hostile_text.map(lambda s: quote(s, safe=""))),
        (2, st.sampled_from(["..", "../..", "%2e%2e", "a/b", "%2F", "%00", "%ZZ", "%",
                         "%C0%AF", "%FF", "-1", "0", "9223372036854775808",
                         "18446744073709551616", "1e3", "1.0", " ", "%20"])))


def _query_value(valid: list[str],
                 structured: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    if structured is not None:
        return hostile.weighted((3, structured), (2, _query_value(valid)))
    return hostile.weighted(
        (3, st.sampled_from(valid or ["1", "true"])),
        (2, hostile.hostile_string().filter(lambda s: len(s) < 3000)),
        (1, hostile.huge_or_edge_int().map(str)))


@st.composite
def query_string(draw, known: tuple[str, ...], values: dict[str, list[str]],
                 structured: dict[str, st.SearchStrategy[str]] | None = None) -> str:
    pairs: list[tuple[str, str]] = []
    name_of = hostile.weighted(
        (6, st.sampled_from(known or ("limit",))),
        (1, st.sampled_from(["all_tenants", "limit", "marker"])),
        (1, hostile.hostile_string().filter(lambda s: 0 < len(s) < 200)))
    count = hostile.weighted((1, st.just(0)), (4, st.integers(min_value=1, max_value=4)))
    for _ in range(draw(count)):
        name = draw(name_of)
        value_of = _query_value(values.get(name, []), (structured or {}).get(name))
        pairs.append((name, draw(value_of)))
        if draw(st.integers(min_value=0, max_value=4)) == 0:
            pairs.append((name, draw(value_of)))
    parts = []
    for name, value in pairs:
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            parts.append(quote(name, safe=""))          # a name with no "=value"
        else:
            parts.append(f"{quote(name, safe='')}={quote(value, safe=':,')}")
    return "&".join(parts)


def _content_type(route: Route) -> st.SearchStrategy[str | None]:
    return hostile.weighted(
        (6, st.just(route.content_type)),
        (1, st.sampled_from([None, "text/plain", "application/json; charset=utf-8",
                         "application/x-www-form-urlencoded", "application/octet-stream",
                         "application/openstack-images-v2.1-json-patch", "garbage", "",
                             "application/json\u0000"])))


@st.composite
def request_for(draw, api: Api, seeds: dict[str, list[str]]) -> Request:
    route = draw(st.sampled_from(api.routes))
    method = route.method
    if draw(st.integers(min_value=0, max_value=14)) == 0:
        method = draw(st.sampled_from(METHODS))
    path = route.template
    for name in _PARAM.findall(route.template):
        path = path.replace("{" + name + "}", draw(path_value(seeds, name)), 1)
    headers: dict[str, str] = {"Accept": draw(st.sampled_from(
        ["application/json", "application/json", "*/*"]))}
    if api.versions is not None:
        headers.update(draw(api.versions()))
    content_type = draw(_content_type(route))
    if content_type:
        headers["Content-Type"] = content_type
    if api.extra_headers is not None:
        headers.update(draw(api.extra_headers()))
    body = None
    if route.body == RAW and method in ("POST", "PUT", "PATCH"):
        body = draw(st.one_of(hostile.raw_body(), st.binary(max_size=4096).map(hostile.Raw)))
    elif route.body is not None and method in ("POST", "PUT", "PATCH"):
        schema = route.body(api.parse_version(headers)) if callable(route.body) else route.body
        body = draw(schema_bodies.body_for(schema, seeds.get(BODY_HINTS)))
    elif draw(st.integers(min_value=0, max_value=9)) == 0:
        body = draw(st.one_of(hostile.json_value(), hostile.raw_body()))
    query = ""
    if route.query or draw(st.integers(min_value=0, max_value=3)) == 0:
        query = draw(query_string(route.query, api.query_values, api.query_strategies))
    return Request(api=api.name, caller=draw(st.sampled_from(api.callers)), method=method,
                   path=path, query=query, headers=headers, body=body,
                   route=f"{method} {route.template}")


def complete(explicit: list[Route], table) -> list[Route]:
    """``explicit`` plus a body-less :class:`Route` for every (method, path)
    of the API's route table it does not list, so that no route is left out."""
    listed = {(r.method, r.template) for r in explicit}
    return explicit + [Route(method, template) for template, methods in table
                       for method in methods if (method, template) not in listed]
