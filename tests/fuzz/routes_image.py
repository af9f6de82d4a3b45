"""The image API's routes (``nubes/image/routes.py``) with their body
schemas (the handlers' own, imported) and query parameters."""
from __future__ import annotations

from hypothesis import strategies as st

from nubes.image import routes as image_routes
from nubes.image.schemas import images
from tests.fuzz import hostile
from tests.fuzz.generate import RAW, Api, Route, complete

ONE = "/v2/images/{image_id}"
_LIST_QUERY = ("limit", "marker", "sort", "sort_key", "sort_dir", "name", "visibility",
               "status", "owner", "tag", "size_min", "size_max", "member_status",
               "os_hidden", "protected", "disk_format", "container_format", "created_at",
               "updated_at", "id", "hw_qemu_guest_agent")

_EXPLICIT = [
    Route("GET", "/v2/images", query=_LIST_QUERY),
    Route("GET", "/v2/images", query=_LIST_QUERY),
    Route("POST", "/v2/images", images.IMAGE),
    Route("POST", "/v2/images", images.IMAGE),
    Route("PATCH", ONE, images.PATCH, content_type=images.PATCH_MEDIA_TYPES[0]),
    Route("PATCH", ONE, images.PATCH, content_type=images.PATCH_MEDIA_TYPES[1]),
    Route("PUT", ONE + "/file", RAW, content_type="application/octet-stream"),
]
ROUTES = complete(_EXPLICIT, image_routes.ROUTES)

QUERY_VALUES = {
    "limit": ["1", "0", "100"], "sort": ["name:asc,created_at:desc", "name"],
    "sort_key": ["name", "created_at", "size"], "sort_dir": ["asc", "desc"],
    "visibility": ["public", "private", "shared", "community", "all"],
    "status": ["active", "queued"], "size_min": ["0"], "size_max": ["1000"],
    "created_at": ["gte:2020-01-01T00:00:00Z"], "updated_at": ["lt:2099-01-01T00:00:00Z"],
    "name": ["cirros", "in:cirros,other"], "os_hidden": ["true", "false"],
    "member_status": ["accepted", "all"],
}


_TIME = st.one_of(st.datetimes().map(lambda t: t.isoformat()),
                  st.sampled_from(["9999-99-99T00:00:00Z", "", "x", "2020-01-01"]))
QUERY_STRATEGIES = {
    "size_min": hostile.huge_or_edge_int().map(str),
    "size_max": hostile.huge_or_edge_int().map(str),
    "limit": hostile.huge_or_edge_int().map(str),
    "created_at": st.builds(lambda op, t: f"{op}:{t}", st.sampled_from(
        ["gt", "gte", "lt", "lte", "eq", "neq", "xx", ""]), _TIME),
    "updated_at": st.builds(lambda op, t: f"{op}:{t}", st.sampled_from(["gt", "lte", "in"]),
                            _TIME),
}


def api() -> Api:
    return Api(name="image", routes=ROUTES, versions=None,
               parse_version=lambda _headers: (2, 0), query_values=QUERY_VALUES,
               query_strategies=QUERY_STRATEGIES)
