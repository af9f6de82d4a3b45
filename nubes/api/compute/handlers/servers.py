"""/servers: list, list with details, show, create, update, delete.

(``/servers/{id}/action`` is in ``server_actions``; the sub-resources in
``server_metadata``, ``server_tags``, ``server_ips``, ``server_password``.)
"""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import servers as policy
from nubes.api.compute.schemas import server_create as create_schema
from nubes.api.compute.schemas import server_update as update_schema
from nubes.api.compute.schemas import servers as schema
from nubes.api.compute.service import server_delete as delete_service
from nubes.api.compute.service import server_create as create_service
from nubes.api.compute.service import server_status
from nubes.api.compute.service import server_update as update_service
from nubes.api.compute.service import servers as service
from nubes.api.compute.views import servers as view
from nubes.common.wsgi import app as wsgi_app
from nubes.common.wsgi import errors


def _can(req, action: str, project_id: str | None = None) -> bool:
    ctx = respond.ctx(req)
    try:
        respond.state(req).policy.authorize(
            ctx, action, {"project_id": project_id or ctx.project_id, "user_id": ctx.user_id})
    except errors.Forbidden:
        return False
    return True


def _links(req) -> view.Links:
    project_id = getattr(req.context, "url_project_id", None)
    bookmark = req.prefix + (f"/{project_id}" if project_id else "")
    return view.Links(api=respond.url(req, ""), bookmark=bookmark)


def _shown(req, project_id: str | None = None) -> view.Shown:
    version = respond.version(req)
    host_status = version >= (2, 16) and _can(req, policy.SHOW_HOST_STATUS, project_id)
    return view.Shown(
        extended=_can(req, policy.EXTENDED_ATTRIBUTES, project_id),
        host_status=host_status,
        host_status_unknown=(version >= (2, 16) and not host_status
                             and _can(req, policy.SHOW_HOST_STATUS_UNKNOWN_ONLY, project_id)),
        flavor_extra_specs=(version >= (2, 47)
                            and _can(req, policy.SHOW_FLAVOR_EXTRA_SPECS, project_id)),
        fault_details=respond.ctx(req).is_admin)


def _extras(version, shown: view.Shown, *, detail: bool) -> service.Extras:
    if not detail:
        return service.Extras()
    return service.Extras(fault=True, tags=version >= (2, 26), metadata=True, volumes=True,
                          host_status=shown.host_status or shown.host_status_unknown,
                          spec=version >= (2, 71))


# --- query parsing -----------------------------------------------------------------------

def _params(req) -> dict[str, list[str]]:
    return {name: wsgi_app.param_list(req, name) for name in req.params}


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("", "1", "t", "true", "on", "y", "yes"):
        return True
    if lowered in ("0", "f", "false", "off", "n", "no"):
        return False
    raise errors.BadRequest(f"Invalid input for query parameters {name}. Value: {value}. "
                            "Expected a boolean.")


def _last_segment(value: str) -> str:
    """An id, or the id at the end of a URL (image and flavor filters)."""
    return value.rstrip("/").rsplit("/", 1)[-1]


def _status_filter(values: list[str], version) -> dict:
    statuses = [v.upper() for v in values]
    vm_states, task_states = server_status.states_for(statuses)
    if not vm_states:
        if version >= (2, 38):
            raise errors.BadRequest(f"Invalid status value: {', '.join(values)}")
        return {"match_nothing": True}
    found = {"vm_states": vm_states, "task_states": task_states}
    if "DELETED" in statuses:
        found["deleted"] = service.ANY
    if "SOFT_DELETED" in statuses:
        found["soft_deleted"] = True
    return found


def _filters(req, params: dict[str, list[str]], allowed: frozenset[str],
             all_tenants: bool) -> service.InstanceFilters:
    version = respond.version(req)
    given = {k: v[-1] for k, v in params.items() if k in allowed and v}
    f: dict = {}
    if all_tenants:
        f["project_id"] = given.get("project_id") or given.get("tenant_id")
    else:
        f["project_id"] = respond.ctx(req).project_id
    if "name" in given:
        f["name"] = schema.regex(given["name"], "name")
    if "status" in given:
        f.update(_status_filter(params["status"], version))
    if "image" in given:
        f["image_ref"] = _last_segment(given["image"])
    if "flavor" in given:
        f["flavor_id"] = _last_segment(given["flavor"])
    if "uuid" in given:
        f["uuids"] = (given["uuid"],)
    for name in ("reservation_id", "host", "node", "availability_zone", "key_name",
                 "user_id"):
        if name in given:
            f[name] = given[name]
    for name, field in (("vm_state", "vm_states"), ("task_state", "task_states")):
        if name in given and "status" not in given:
            f[field] = tuple(params[name])
    for name in ("tags", "tags-any", "not-tags", "not-tags-any"):
        if name in given:
            f[name.replace("-", "_")] = schema.tag_list(given[name], name)
    if "locked" in given:
        f["locked"] = _bool(given["locked"], "locked")
    if "changes-since" in given:
        f["changes_since"] = schema.timestamp(given["changes-since"], "changes-since")
    if "changes-before" in given:
        f["changes_before"] = schema.timestamp(given["changes-before"], "changes-before")
    if f.get("changes_since") and f.get("changes_before") \
            and f["changes_since"] > f["changes_before"]:
        raise errors.BadRequest("The value of changes-since must be less than or equal "
                                "to changes-before.")
    if "deleted" in given and _bool(given["deleted"], "deleted"):
        # As OpenStack compute: deleted servers include the soft-deleted
        # ones unless soft_deleted=false is asked for.
        f["deleted"], f["soft_deleted"] = True, True
    elif ("changes_since" in f or "changes_before" in f) and "deleted" not in f:
        f["deleted"] = service.ANY
    if "soft_deleted" in given:
        f["soft_deleted"] = _bool(given["soft_deleted"], "soft_deleted")
    return service.filters(**f)


def _list_request(req, *, detail: bool) -> tuple[service.ListRequest, view.Shown]:
    version = respond.version(req)
    state = respond.state(req)
    params = _params(req)
    admin = _can(req, policy.ALLOW_ALL_FILTERS)
    all_tenants = "all_tenants" in params and _bool(params["all_tenants"][-1] if
                                                    params["all_tenants"] else "",
                                                    "all_tenants")
    if all_tenants:
        respond.authorize(req, policy.DETAIL_ALL_TENANTS if detail
                          else policy.INDEX_ALL_TENANTS)
    allowed = schema.allowed_filters(version, admin)
    filters = _filters(req, params, allowed, all_tenants)
    keys = schema.sort_keys(params.get("sort_key", []), version, admin)
    dirs = schema.sort_dirs(params.get("sort_dir", []))
    order = service.sort_order(keys, dirs)
    limit = respond.query_limit(req, state.conf.api.max_limit, zero_is_max=False)
    marker = respond.query(req, "marker")
    used = {k for k in params if k in allowed or k in schema.PAGING}
    shown = _shown(req)
    return service.ListRequest(
        filters=filters, order=order, limit=limit, marker=marker,
        extras=_extras(version, shown, detail=detail),
        down_cells_minimal=version >= (2, 69) and not (used - schema.SCOPE_ONLY)), shown


def _list(req, resp, *, detail: bool) -> None:
    version = respond.version(req)
    list_req, shown = _list_request(req, detail=detail)
    found = service.list_servers(respond.state(req), respond.ctx(req), list_req)
    links = _links(req)
    if detail:
        body = {"servers": [view.detail(version, s, links, shown) for s in found.servers]}
    else:
        body = {"servers": [view.summary(version, s, links) for s in found.servers]}
    paged = [s for s in found.servers if s.kind != service.DOWN_CELL]
    if paged and len(paged) >= list_req.limit:
        path = "/servers/detail" if detail else "/servers"
        body["servers_links"] = view.next_link(respond.url(req, path), _params(req),
                                               paged[-1].uuid)
    respond.send(resp, body)


def list_servers(req, resp) -> None:
    respond.authorize(req, policy.INDEX)
    _list(req, resp, detail=False)


def list_servers_detail(req, resp) -> None:
    respond.authorize(req, policy.DETAIL)
    _list(req, resp, detail=True)


def show_server(req, resp, server_id: str) -> None:
    version = respond.version(req)
    ctx = respond.ctx(req)
    # Shown before the lookup with the caller's project: find() only
    # returns another project's server to callers who see every project.
    shown = _shown(req)
    server = service.find(respond.state(req), ctx, server_id,
                          extras=_extras(version, shown, detail=True),
                          down_cell_minimal=version >= (2, 69))
    _authorize_show(req, server)
    respond.send(resp, {"server": view.detail(version, server, _links(req), shown,
                                              show=True)})


def _authorize_show(req, server: service.Server) -> None:
    if not _can(req, policy.SHOW, server.instance.get("project_id")):
        raise errors.Forbidden(f"Policy doesn't allow {policy.SHOW} to be performed.")


# --- update ---------------------------------------------------------------------------

def _update_values(version, server: dict) -> dict:
    """The instance columns a ``PUT /servers/{id}`` body changes."""
    values: dict = {}
    if "name" in server:
        values["display_name"] = server["name"]
    if "description" in server:
        values["display_description"] = server["description"]    # null clears it
    if "hostname" in server:
        values["hostname"] = create_schema.hostname(server["hostname"], version)
    for field, column in (("accessIPv4", "access_ip_v4"), ("accessIPv6", "access_ip_v6")):
        if field in server:
            values[column] = create_schema.access_ip(server[field])
    if "OS-DCF:diskConfig" in server:
        values["auto_disk_config"] = server["OS-DCF:diskConfig"] == "AUTO"
    return values


def update_server(req, resp, server_id: str) -> None:
    """200 with the server as this microversion shows an update."""
    version = respond.version(req)
    values = _update_values(version, respond.read_body(req, update_schema.schema(version))
                            ["server"])
    state, ctx = respond.state(req), respond.ctx(req)
    server = service.find(state, ctx, server_id)
    if not _can(req, policy.UPDATE, server.instance.get("project_id")):
        raise errors.Forbidden(f"Policy does not allow {policy.UPDATE} to be performed.")
    update_service.update(state, ctx, server.uuid, values)
    shown = _shown(req)
    server = service.find(state, ctx, server.uuid,
                          extras=_extras(version, shown, detail=True))
    respond.send(resp, {"server": view.updated(version, server, _links(req), shown)})


# --- create and delete -----------------------------------------------------------------

def _availability_zone(req, value: str | None) -> tuple[str | None, str | None, str | None]:
    """``az``, ``az:host``, ``az:host:node``, ``az::node`` -> (zone, host,
    node); a host or node needs the forced-host rule (admins)."""
    if not value:
        return None, None, None
    zone, _, rest = value.partition(":")
    host, _, node = rest.partition(":")
    if host or node:
        respond.authorize(req, policy.CREATE_FORCED_HOST)
    return zone or None, host or None, node or None


def _check_security_groups(groups: list[dict]) -> None:
    """Only ``default`` exists (no network service): any other name is a 400."""
    for group in groups:
        name = group.get("name")
        if name is not None and name != view.DEFAULT_SECURITY_GROUP:
            raise errors.BadRequest(f"Security group {name} not found.")


def _create_request(req, body: dict) -> tuple[create_service.CreateRequest, bool]:
    version = respond.version(req)
    server = body["server"]
    image_ref = server.get("imageRef") or ""
    networks = server.get("networks")
    if isinstance(networks, list) and networks:
        raise errors.BadRequest("Requesting networks is not supported: nubes has no "
                                "networking service (use 'auto' or 'none').")
    _check_security_groups(server.get("security_groups") or [])
    min_count, max_count = create_schema.counts(server)
    if "hostname" in server and max_count > 1:
        raise errors.BadRequest("Cannot set hostname when creating more than one server "
                                "(max_count > 1).")
    zone, host, node = _availability_zone(req, server.get("availability_zone"))
    if version >= (2, 74) and ("host" in server or "hypervisor_hostname" in server):
        respond.authorize(req, policy.CREATE_FORCED_HOST)
        host = server.get("host") or host
        node = server.get("hypervisor_hostname") or node
    hints = dict(body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints")
                 or {})
    if "group" in hints:
        hints["group"] = respond.parse_uuid(hints["group"], "server group")
    name = server["name"]
    parsed = create_service.CreateRequest(
        name=name, flavor_ref=create_schema.image_id(str(server["flavorRef"])),
        image_id=create_schema.image_id(image_ref) if image_ref else None,
        min_count=min_count, max_count=max_count,
        networks=networks if networks is not None else "auto",
        availability_zone=zone, forced_host=host, forced_node=node,
        key_name=server.get("key_name"), metadata=dict(server.get("metadata") or {}),
        user_data=create_schema.user_data(server.get("user_data")),
        description=server.get("description"), tags=list(server.get("tags") or []),
        hostname=create_schema.hostname(server.get("hostname"), version),
        scheduler_hints=hints, admin_pass=server.get("adminPass"),
        config_drive=create_schema.boolish(server.get("config_drive", False)),
        auto_disk_config=server.get("OS-DCF:diskConfig", "MANUAL") == "AUTO",
        access_ip_v4=create_schema.access_ip(server.get("accessIPv4")),
        access_ip_v6=create_schema.access_ip(server.get("accessIPv6")),
        block_devices=list(server.get("block_device_mapping_v2") or []),
        multiattach_ok=version >= (2, 60))
    return parsed, create_schema.boolish(server.get("return_reservation_id", False))


def create_server(req, resp) -> None:
    respond.authorize(req, policy.CREATE)
    body = respond.read_body(req, create_schema.schema(respond.version(req)))
    parsed, reservation_only = _create_request(req, body)
    created = create_service.create(respond.state(req), respond.ctx(req), parsed)
    if reservation_only:
        respond.send(resp, {"reservation_id": created.reservation_id}, 202)
        return
    links = _links(req)
    first = created.uuids[0]
    server = {"id": first, "links": links.of("servers", first),
              "OS-DCF:diskConfig": "AUTO" if parsed.auto_disk_config else "MANUAL",
              "security_groups": view.default_security_groups()}
    if created.admin_pass is not None:
        server["adminPass"] = created.admin_pass
    resp.set_header("Location", links.of("servers", first)[0]["href"])
    respond.send(resp, {"server": server}, 202)


def delete_server(req, resp, server_id: str) -> None:
    server = service.find(respond.state(req), respond.ctx(req), server_id)
    if not _can(req, policy.DELETE, server.instance.get("project_id")):
        raise errors.Forbidden(f"Policy doesn't allow {policy.DELETE} to be performed.")
    delete_service.delete(respond.state(req), respond.ctx(req), server.uuid)
    respond.empty(resp, 204)


# --- for server actions that answer with the server (rebuild) ----------------------------

def update_columns(version, body: dict) -> dict:
    """The instance columns of the update fields in ``body`` (``name``,
    access addresses, disk config, ``description``, ``hostname``)."""
    return _update_values(version, body)


def show_terms(req) -> tuple[view.Links, view.Shown, service.Extras]:
    """What showing a server to this caller takes: the links, what policy
    lets the caller see, and what to read beyond the instance row."""
    shown = _shown(req)
    return _links(req), shown, _extras(respond.version(req), shown, detail=True)
