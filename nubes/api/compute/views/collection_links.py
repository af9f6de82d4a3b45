"""The ``next`` link of a paged collection, as OpenStack compute builds it:
the request's query parameters (sorted) with the marker replaced."""
from __future__ import annotations

import urllib.parse


def request_params(req) -> list[tuple[str, str]]:
    return [(k, v) for k, values in req.params.items()
            for v in (values if isinstance(values, list) else [values])]


def next_links(base: str, params: list[tuple[str, str]], marker: str) -> list[dict]:
    query = sorted([(k, v) for k, v in params if k != "marker"] + [("marker", marker)])
    return [{"rel": "next", "href": f"{base}?{urllib.parse.urlencode(query)}"}]
