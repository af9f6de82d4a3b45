"""/v2/images: create, list, show, update (JSON patch), delete (record and
data) and tags.  Image data is :mod:`.image_data`."""
from __future__ import annotations

import urllib.parse

from nubes.common.wsgi import errors
from nubes.image import policies as policy
from nubes.image.handlers import respond
from nubes.image.schemas import images as schema
from nubes.image.service import images as service
from nubes.image.views import images as view

_PAGING = {"limit", "marker", "sort", "sort_key", "sort_dir"}
_IN_COLUMNS = {"id", "name", "status", "disk_format", "container_format", "owner"}
_BOOL_COLUMNS = {"protected", "os_hidden"}


def _check_names(names, *, creating: bool) -> None:
    for name in names:
        if name in schema.READ_ONLY or (name == "id" and not creating):
            raise errors.Forbidden(f"Attribute '{name}' is read-only.")
        if name in schema.RESERVED:
            raise errors.Forbidden(f"Attribute '{name}' is reserved.")


def _check_privileges(req, fields: dict, owner: str | None) -> None:
    ctx = respond.ctx(req)
    if fields.get("visibility") == "public" and not respond.allowed(
            req, policy.PUBLICIZE_IMAGE, {"project_id": ctx.project_id, "owner": owner}):
        raise errors.Forbidden("You are not authorized to complete publicize_image action.")
    if "owner" in fields and fields["owner"] != (owner if owner is not None
                                                 else ctx.project_id) and not ctx.is_admin:
        raise errors.Forbidden(f"You are not permitted to set the owner of images to "
                               f"'{fields['owner']}'.")


def _split(data: dict) -> tuple[dict, dict]:
    fields = {k: v for k, v in data.items() if k in schema.BASE}
    return fields, {k: v for k, v in data.items() if k not in schema.BASE}


def create_image(req, resp) -> None:
    respond.authorize(req, policy.ADD_IMAGE)
    data = respond.read_json(req)
    if not isinstance(data, dict):
        raise errors.BadRequest("Provided object does not match schema 'image': "
                                "the body must be a JSON object.")
    _check_names(data, creating=True)
    respond.validate(data, schema.IMAGE, "image")
    fields, properties = _split(data)
    _check_privileges(req, fields, None)
    created = service.create(respond.db(req), respond.ctx(req), fields, properties)
    resp.set_header("Location", f"{req.prefix}/v2/images/{created.id}")
    respond.send(resp, view.image(created), status=201)


def show_image(req, resp, image_id: str) -> None:
    respond.authorize(req, policy.GET_IMAGE)
    respond.send(resp, view.image(service.get(respond.db(req), respond.ctx(req), image_id)))


# --- listing --------------------------------------------------------------------------

# Image sizes are 64-bit signed columns: a bound past them is no size.
_MAX_SIZE = 2**63 - 1


def _int_param(req, name: str, minimum: int = 0, maximum: int | None = None) -> int | None:
    """``name``'s integer; 400 below ``minimum`` or above ``maximum``."""
    value = req.get_param(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise errors.BadRequest(f"{name} param must be an integer") from None
    if number < minimum:
        raise errors.BadRequest(f"{name} param must be positive")
    if maximum is not None and number > maximum:
        raise errors.BadRequest(f"{name} param must be at most {maximum}")
    return number


def _sort(req) -> list[tuple[str, str]]:
    sort = req.get_param("sort")
    keys = req.get_param_as_list("sort_key") or []
    dirs = req.get_param_as_list("sort_dir") or []
    if sort is not None and (keys or dirs):
        raise errors.BadRequest("The 'sort' parameter cannot be combined with "
                                "'sort_key' or 'sort_dir'.")
    pairs: list[tuple[str, str]] = []
    if sort is not None:
        for item in sort.split(","):
            key, _, direction = item.strip().partition(":")
            pairs.append((key.strip(), direction.strip() or "desc"))
    elif keys:
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise errors.BadRequest("The number of sort_dir values must be one or match "
                                    "the number of sort_key values.")
        pairs = [(k, dirs[i] if len(dirs) > 1 else (dirs[0] if dirs else "desc"))
                 for i, k in enumerate(keys)]
    else:
        pairs = [("created_at", dirs[0] if dirs else "desc")]
    for key, direction in pairs:
        if key not in service.SORT_KEYS:
            raise errors.BadRequest(f"Invalid sort key: {key}. It must be one of the "
                                    f"following: {', '.join(service.SORT_KEYS)}.")
        if direction not in ("asc", "desc"):
            raise errors.BadRequest(f"Invalid sort direction: {direction}")
    return pairs


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise errors.BadRequest(f"Invalid value for {name}: '{value}' (expected true or false).")


def _query(req) -> service.Query:
    conf = req.context.state.conf.image
    limit = _int_param(req, "limit")
    query = service.Query(limit=min(limit if limit is not None else conf.limit_param_default,
                                    conf.api_limit_max),
                          marker=req.get_param("marker"), sort=_sort(req),
                          size_min=_int_param(req, "size_min", maximum=_MAX_SIZE),
                          size_max=_int_param(req, "size_max", maximum=_MAX_SIZE))
    for name in sorted(set(req.params) - _PAGING - {"size_min", "size_max"}):
        value = req.get_param(name)
        if name == "visibility":
            if value not in (*service.VISIBILITIES, "all"):
                raise errors.BadRequest(f"Invalid visibility value: {value}")
            query.visibility = value
        elif name == "tag":
            query.tags = req.get_param_as_list("tag")
        elif name in _BOOL_COLUMNS:
            query.equal[name] = [_bool(name, value)]
        elif name in _IN_COLUMNS:
            values = value[3:].split(",") if value.startswith("in:") else [value]
            if name == "status" and not set(values) <= set(service.STATUSES):
                raise errors.BadRequest(f"Invalid status value: {value}")
            query.equal[name] = values
        elif name == "member_status":
            continue  # no image members yet: every visible image qualifies
        else:
            query.properties[name] = value
    return query


def _links(req, found, limit: int) -> tuple[str, str | None]:
    params = [(k, v) for k, values in req.params.items() if k != "marker"
              for v in (values if isinstance(values, list) else [values])]
    first = "/v2/images" + ("?" + urllib.parse.urlencode(params) if params else "")
    if not found or len(found) < limit:
        return first, None
    return first, "/v2/images?" + urllib.parse.urlencode([*params, ("marker", found[-1].id)])


def list_images(req, resp) -> None:
    respond.authorize(req, policy.GET_IMAGES)
    query = _query(req)
    found = service.list_images(respond.db(req), respond.ctx(req), query)
    respond.send(resp, view.many(found, *_links(req, found, query.limit)))


# --- update -------------------------------------------------------------------------------

def _pointer(path: str) -> str:
    parts = path[1:].split("/")
    if len(parts) != 1 or not parts[0]:
        raise errors.BadRequest(f"Invalid JSON pointer for this resource: '{path}'")
    return parts[0].replace("~1", "/").replace("~0", "~")


def _apply(image, ops: list[dict]) -> tuple[dict, dict, dict]:
    """(whole new state, base fields changed, properties changed) after ``ops``."""
    state = {name: getattr(image, name) for name in schema.BASE if name != "tags"}
    state["tags"] = list(image.tags)
    state.update(image.properties)
    for op in ops:
        name = _pointer(op["path"])
        _check_names([name], creating=False)
        if op["op"] == "remove":
            if name in schema.BASE:
                raise errors.Forbidden(f"Attribute '{name}' cannot be removed.")
            if name not in state:
                raise errors.Conflict(f"Property {name} does not exist.")
            del state[name]
            continue
        if "value" not in op:
            raise errors.BadRequest(f"Operation '{op['op']}' on '{op['path']}' needs a value.")
        if name not in schema.BASE:
            if op["op"] == "add" and name in state:
                raise errors.Conflict(f"Property {name} already present.")
            if op["op"] == "replace" and name not in state:
                raise errors.Conflict(f"Property {name} does not exist.")
        state[name] = op["value"]
    fields = {k: state[k] for k in schema.BASE
              if k not in ("id", "tags") and state[k] != getattr(image, k)}
    properties = {k: v for k, v in state.items()
                  if k not in schema.BASE and image.properties.get(k) != v}
    properties.update({k: None for k in image.properties if k not in state})
    return state, fields, properties


def update_image(req, resp, image_id: str) -> None:
    ops = respond.read_json(req, schema.PATCH_MEDIA_TYPES)
    respond.validate(ops, schema.PATCH, "patch")
    db, ctx = respond.db(req), respond.ctx(req)
    image = service.get(db, ctx, image_id)
    respond.authorize(req, policy.MODIFY_IMAGE, {"project_id": image.owner,
                                                 "owner": image.owner})
    state, fields, properties = _apply(image, ops)
    respond.validate({k: v for k, v in state.items() if k != "id"}, schema.IMAGE, "image")
    _check_privileges(req, fields, image.owner)
    tags = state["tags"] if state["tags"] != list(image.tags) else None
    updated = service.update(db, ctx, image_id, fields, properties, tags)
    respond.send(resp, view.image(updated))


def delete_image(req, resp, image_id: str) -> None:
    db, ctx = respond.db(req), respond.ctx(req)
    image = service.get(db, ctx, image_id)
    respond.authorize(req, policy.DELETE_IMAGE, {"project_id": image.owner,
                                                 "owner": image.owner})
    service.delete(db, respond.store(req), ctx, image_id)
    respond.empty(resp)


def _modifiable(req, image_id: str):
    db, ctx = respond.db(req), respond.ctx(req)
    image = service.get(db, ctx, image_id)
    respond.authorize(req, policy.MODIFY_IMAGE, {"project_id": image.owner,
                                                 "owner": image.owner})
    return db, ctx


def add_tag(req, resp, image_id: str, tag: str) -> None:
    db, ctx = _modifiable(req, image_id)
    if not 0 < len(tag) <= 255:
        raise errors.BadRequest("A tag is 1 to 255 characters long.")
    service.add_tag(db, ctx, image_id, tag)
    respond.empty(resp)


def delete_tag(req, resp, image_id: str, tag: str) -> None:
    db, ctx = _modifiable(req, image_id)
    service.delete_tag(db, ctx, image_id, tag)
    respond.empty(resp)
