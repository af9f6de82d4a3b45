"""Server bodies by microversion.

* summary (``GET /servers``): id, name, links;
* detail (``GET /servers/detail`` and ``GET /servers/{id}``): the full
  view, growing with the version: 2.3 more extended attributes, 2.9
  ``locked``, 2.16 ``host_status``, 2.19 ``description``, 2.26 ``tags``,
  2.47 the flavor embedded, 2.71 ``server_groups`` (show), 2.73
  ``trusted_image_certificates`` (always null: nubes verifies no image
  certificates), 2.73 ``locked_reason``, 2.90 ``OS-EXT-SRV-ATTR:hostname``
  for everyone, 2.96 ``pinned_availability_zone``; ``security_groups`` is
  always ``default`` (nubes has no network service, every server is in the
  one group);
* down-cell minimal records (2.69+): what the API database knows;
* update (``PUT /servers/{id}``): from 2.75 the detail of show, before a
  smaller set of fields.

What the caller may see (extended attributes, host status, flavor extra
specs) is decided by the handler from policy and passed in ``Shown``.
"""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Any
from urllib.parse import urlencode

from nubes.api.compute.service import server_status
from nubes.api.compute.service.servers import DOWN_CELL, Server
from nubes.api.compute.views.timestamps import iso
from nubes.common.timeutils import isoformat

DEFAULT_SECURITY_GROUP = "default"


@dataclasses.dataclass(frozen=True)
class Links:
    """URL roots: ``api`` (``http://host/v2.1[/project]``) for self links,
    ``bookmark`` (``http://host[/project]``) for bookmarks."""
    api: str
    bookmark: str

    def of(self, collection: str, ident: str) -> list[dict]:
        return [{"rel": "self", "href": f"{self.api}/{collection}/{ident}"},
                {"rel": "bookmark", "href": f"{self.bookmark}/{collection}/{ident}"}]

    def bookmark_of(self, collection: str, ident: str) -> list[dict]:
        return [{"rel": "bookmark", "href": f"{self.bookmark}/{collection}/{ident}"}]


@dataclasses.dataclass(frozen=True)
class Shown:
    """What policy lets this caller see."""
    extended: bool = False           # OS-EXT-SRV-ATTR:* (admin)
    host_status: bool = False        # host_status, any value
    host_status_unknown: bool = False  # host_status only when UNKNOWN
    flavor_extra_specs: bool = False
    fault_details: bool = False      # details of 500 faults (admin)


def status(server: Server) -> str:
    if server.kind == DOWN_CELL:
        return server_status.UNKNOWN
    i = server.instance
    return server_status.status_of(i.get("vm_state"), i.get("task_state"))


def default_security_groups() -> list[dict]:
    """The security groups of every server: nubes has no network service,
    so the only group is ``default``."""
    return [{"name": DEFAULT_SECURITY_GROUP}]


# --- summary -----------------------------------------------------------------------

def summary(version, server: Server, links: Links) -> dict:
    if server.kind == DOWN_CELL and version >= (2, 69):
        return {"id": server.uuid, "status": server_status.UNKNOWN,
                "links": links.of("servers", server.uuid)}
    return {"id": server.uuid, "name": server.instance.get("display_name"),
            "links": links.of("servers", server.uuid)}


# --- parts ---------------------------------------------------------------------------

def host_id(project_id: str | None, host: str | None) -> str:
    if not host:
        return ""
    return hashlib.sha224(((project_id or "") + host).encode()).hexdigest()


def _image(server: Server, image_ref: str | None, links: Links):
    if not image_ref:
        return ""       # booted from a volume
    return {"id": image_ref, "links": links.bookmark_of("images", image_ref)}


def _flavor(version, flavor: dict[str, Any], links: Links, shown: Shown) -> dict:
    if version < (2, 47):
        flavorid = flavor.get("flavorid") or ""
        return {"id": flavorid, "links": links.bookmark_of("flavors", flavorid)}
    view = {"vcpus": flavor.get("vcpus"), "ram": flavor.get("memory_mb"),
            "disk": flavor.get("root_gb"), "ephemeral": flavor.get("ephemeral_gb", 0),
            "swap": flavor.get("swap", 0), "original_name": flavor.get("name")}
    if shown.flavor_extra_specs:
        view["extra_specs"] = dict(flavor.get("extra_specs") or {})
    return view


def _fault(fault: dict, shown: Shown) -> dict:
    view = {"code": fault["code"], "message": fault.get("message") or "",
            "created": isoformat(fault.get("created_at"))}
    if fault.get("details") and (fault["code"] != 500 or shown.fault_details):
        view["details"] = fault["details"]
    return view


def _spec_image(spec: dict | None) -> str | None:
    spec = spec or {}
    image = spec.get("image")
    if isinstance(image, dict) and image.get("id"):
        return image["id"]
    return spec.get("image_id") or spec.get("image_ref")


def _server_groups(spec: dict | None) -> list[str]:
    group = (spec or {}).get("server_group")
    return [group["uuid"]] if isinstance(group, dict) and group.get("uuid") else []


def instance_name(instance: dict) -> str:
    """The hypervisor's name for it (``instance-<hex id>``; "" before it is
    in a cell)."""
    ident = instance.get("id")
    return f"instance-{ident:08x}" if isinstance(ident, int) else ""


# --- detail --------------------------------------------------------------------------

def _minimal(version, server: Server, links: Links, shown: Shown, *, show: bool) -> dict:
    i = server.instance
    view = {"id": server.uuid, "status": server_status.UNKNOWN,
            "tenant_id": i.get("project_id"), "created": isoformat(i.get("created_at")),
            "links": links.of("servers", server.uuid)}
    if show:
        spec = server.spec or {}
        view.update({
            "user_id": i.get("user_id"),
            "image": _image(server, _spec_image(spec), links),
            "flavor": _flavor(version, server.flavor, links, shown),
            "OS-EXT-AZ:availability_zone": spec.get("availability_zone") or "",
            "OS-EXT-STS:power_state": 0,
        })
        if version >= (2, 71):
            view["server_groups"] = _server_groups(spec)
    return view


def detail(version, server: Server, links: Links, shown: Shown, *, show: bool = False) -> dict:
    if server.kind == DOWN_CELL and version >= (2, 69):
        return _minimal(version, server, links, shown, show=show)
    i = server.instance
    state = status(server)
    view: dict[str, Any] = {
        "id": server.uuid,
        "name": i.get("display_name"),
        "status": state,
        "tenant_id": i.get("project_id"),
        "user_id": i.get("user_id"),
        "metadata": dict(server.metadata),
        "hostId": host_id(i.get("project_id"), i.get("host")),
        "image": _image(server, i.get("image_ref"), links),
        "flavor": _flavor(version, server.flavor, links, shown),
        "created": isoformat(i.get("created_at")),
        "updated": isoformat(i.get("updated_at") or i.get("created_at")),
        "addresses": {},
        "accessIPv4": i.get("access_ip_v4") or "",
        "accessIPv6": i.get("access_ip_v6") or "",
        "links": links.of("servers", server.uuid),
        "OS-DCF:diskConfig": "AUTO" if i.get("auto_disk_config") else "MANUAL",
        "OS-EXT-AZ:availability_zone": i.get("availability_zone") or "",
        "config_drive": i.get("config_drive") or "",
        "key_name": i.get("key_name"),
        "OS-SRV-USG:launched_at": iso(i.get("launched_at")),
        "OS-SRV-USG:terminated_at": iso(i.get("terminated_at")),
        "security_groups": default_security_groups(),
        "OS-EXT-STS:task_state": i.get("task_state"),
        "OS-EXT-STS:vm_state": i.get("vm_state"),
        "OS-EXT-STS:power_state": i.get("power_state") or 0,
        "os-extended-volumes:volumes_attached": [
            ({"id": v["id"], "delete_on_termination": v["delete_on_termination"]}
             if version >= (2, 3) else {"id": v["id"]}) for v in server.volumes],
    }
    if state in server_status.PROGRESS_STATUSES:
        view["progress"] = i.get("progress") or 0
    if state in server_status.FAULT_STATUSES and server.fault:
        view["fault"] = _fault(server.fault, shown)
    if shown.extended:
        view.update({
            "OS-EXT-SRV-ATTR:host": i.get("host"),
            "OS-EXT-SRV-ATTR:hypervisor_hostname": i.get("node"),
            "OS-EXT-SRV-ATTR:instance_name": instance_name(i),
        })
        if version >= (2, 3):
            view.update({
                "OS-EXT-SRV-ATTR:reservation_id": i.get("reservation_id"),
                "OS-EXT-SRV-ATTR:launch_index": i.get("launch_index"),
                "OS-EXT-SRV-ATTR:hostname": i.get("hostname"),
                "OS-EXT-SRV-ATTR:kernel_id": i.get("kernel_id") or "",
                "OS-EXT-SRV-ATTR:ramdisk_id": i.get("ramdisk_id") or "",
                "OS-EXT-SRV-ATTR:root_device_name": i.get("root_device_name"),
                "OS-EXT-SRV-ATTR:user_data": i.get("user_data"),
            })
    if version >= (2, 90):
        view["OS-EXT-SRV-ATTR:hostname"] = i.get("hostname")
    if version >= (2, 9):
        view["locked"] = bool(i.get("locked"))
    if version >= (2, 16):
        _host_status(view, server, shown)
    if version >= (2, 19):
        view["description"] = i.get("display_description")
    if version >= (2, 26):
        view["tags"] = list(server.tags)
    if version >= (2, 63):
        view["trusted_image_certificates"] = None
    if show and version >= (2, 71):
        view["server_groups"] = _server_groups(server.spec)
    if version >= (2, 73):
        view["locked_reason"] = i.get("locked_reason")
    if version >= (2, 96):
        view["pinned_availability_zone"] = (server.spec or {}).get("availability_zone")
    return view


# What ``PUT /servers/{id}`` answered before 2.75 (from 2.75 the whole
# of ``GET /servers/{id}``).
_UPDATE_FIELDS = frozenset({
    "id", "name", "status", "tenant_id", "user_id", "metadata", "hostId", "image",
    "flavor", "created", "updated", "addresses", "accessIPv4", "accessIPv6", "links",
    "OS-DCF:diskConfig", "progress", "fault", "locked", "description", "tags",
    "trusted_image_certificates", "server_groups", "locked_reason",
})


def updated(version, server: Server, links: Links, shown: Shown) -> dict:
    """The answer to ``PUT /servers/{id}``."""
    view = detail(version, server, links, shown, show=True)
    if version < (2, 75):
        view = {k: v for k, v in view.items() if k in _UPDATE_FIELDS}
    return view


def _host_status(view: dict, server: Server, shown: Shown) -> None:
    value = server.host_status
    if value is None:
        return
    if shown.host_status or (shown.host_status_unknown and value == "UNKNOWN"):
        view["host_status"] = value


# --- collections ------------------------------------------------------------------------

def next_link(base: str, params: dict[str, list[str]], marker: str) -> list[dict]:
    """``servers_links``: the same query with the marker moved on."""
    query = [(k, v) for k, values in params.items() if k != "marker" for v in values]
    query.append(("marker", marker))
    return [{"rel": "next", "href": f"{base}?{urlencode(query)}"}]
