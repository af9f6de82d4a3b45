"""``POST /servers/{id}/action``: one action per body, ``{"<name>": value}``.

An unknown action is a 400 ``There is no such action``; one outside its
microversion window a 404.  404 for a server the caller cannot see, 409
``conflictingRequest`` when its state (or its lock) forbids the action, 403
when policy does.  Most answer 202 with no body; rescue and
os-getConsoleOutput answer 200 with one.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from nubes.api.compute.handlers import respond
from nubes.api.compute.handlers import servers as server_handlers
from nubes.api.compute.policies import server_actions as action_policy
from nubes.api.compute.policies import servers as policy
from nubes.api.compute.schemas import server_actions as schemas
from nubes.api.compute.schemas import server_create as create_schema
from nubes.api.compute.schemas import server_rebuild as rebuild_schema
from nubes.api.compute.service import server_create, server_delete, server_guest_calls
from nubes.api.compute.service import availability_zones, server_power, server_restore
from nubes.api.compute.service import server_rebuild, server_resize, server_shelve
from nubes.api.compute.service import server_evacuate, server_live_migrate, server_snapshot
from nubes.api.compute.service import server_row_actions, server_tasks
from nubes.api.compute.service import servers as server_service
from nubes.api.compute.views import servers as server_view
from nubes.common.wsgi import errors

# The most lines of console output a request may ask for; more is "all"
# (a fake guest keeps 1000, a real one's log is read from its tail).
MAX_CONSOLE_LINES = 100_000


@dataclasses.dataclass(frozen=True)
class _Action:
    rule: str
    schema: dict
    run: Callable[["_Call"], None]
    since: tuple[int, int] = (2, 1)
    # Newer schemas from microversions on: ((version, schema), ...), oldest first.
    schema_from: tuple[tuple[tuple[int, int], dict], ...] = ()


@dataclasses.dataclass(frozen=True)
class _Call:
    req: object
    resp: object
    uuid: str
    value: object

    def host_action(self, what: str, **args) -> None:
        state, ctx = respond.state(self.req), respond.ctx(self.req)
        server_power.power_action(state, ctx, self.uuid, what, **args)
        respond.empty(self.resp, 202)


def _reboot(call: _Call) -> None:
    hard = call.value["type"].upper() == "HARD"
    call.host_action("reboot_hard" if hard else "reboot_soft")


def _then(fn: Callable, status: int = 202, **kwargs) -> Callable[[_Call], None]:
    """Run ``fn(state, ctx, uuid, **kwargs)`` of a service and answer
    ``status`` with no body."""
    def run(call: _Call) -> None:
        fn(respond.state(call.req), respond.ctx(call.req), call.uuid, **kwargs)
        respond.empty(call.resp, status)
    return run


def _simple(what: str) -> Callable[[_Call], None]:
    return lambda call: call.host_action(what)


def _rescue(call: _Call) -> None:
    value = call.value or {}
    state = respond.state(call.req)
    password = value.get("adminPass") or server_create.new_password()
    call.host_action("rescue", rescue_password=password,
                     rescue_image_ref=value.get("rescue_image_ref"))
    if state.conf.api.enable_instance_password:
        respond.send(call.resp, {"adminPass": password})
    else:
        respond.send(call.resp, {})


def _lock(call: _Call) -> None:
    reason = (call.value or {}).get("locked_reason") if isinstance(call.value, dict) else None
    if respond.version(call.req) < (2, 73):
        reason = None
    server_row_actions.lock(respond.state(call.req), respond.ctx(call.req), call.uuid, reason)
    respond.empty(call.resp, 202)


def _unlock(call: _Call) -> None:
    state, ctx = respond.state(call.req), respond.ctx(call.req)
    located = server_tasks.locate_live(state, call.uuid, "unlock")
    if server_row_actions.locked_by_other(ctx, located):
        _authorize(state, ctx, action_policy.UNLOCK_OVERRIDE, located.instance.project_id)
    server_row_actions.unlock(state, ctx, located)
    respond.empty(call.resp, 202)


def _reset_state(call: _Call) -> None:
    server_row_actions.reset_state(respond.state(call.req), respond.ctx(call.req), call.uuid,
                                   call.value["state"])
    respond.empty(call.resp, 202)


def _console_output(call: _Call) -> None:
    length = (call.value or {}).get("length")
    if length is not None:
        length = int(length)
        if length < -1:
            raise errors.BadRequest(f"Invalid input for field/attribute length. Value: "
                                    f"{length}. {length} is less than the minimum of -1")
        if length == -1 or length > MAX_CONSOLE_LINES:
            length = None
    output = server_guest_calls.console_output(respond.state(call.req),
                                               respond.ctx(call.req), call.uuid, length)
    respond.send(call.resp, {"output": output})


def _change_password(call: _Call) -> None:
    server_guest_calls.change_password(respond.state(call.req), respond.ctx(call.req),
                                       call.uuid, call.value["adminPass"])
    respond.empty(call.resp, 202)






def _unshelve(call: _Call) -> None:
    state, ctx = respond.state(call.req), respond.ctx(call.req)
    value = call.value if isinstance(call.value, dict) and \
        respond.version(call.req) >= (2, 77) else {}
    zone, host = value.get("availability_zone", server_shelve.KEEP), value.get("host")
    if host is not None:
        _authorize(state, ctx, action_policy.UNSHELVE_TO_HOST, None)
    if zone not in (server_shelve.KEEP, None):
        availability_zones.check_requested(state, ctx, zone)
    server_shelve.unshelve(state, ctx, call.uuid, availability_zone=zone, host=host)
    respond.empty(call.resp, 202)


def _snapshot_answer(call: _Call, image_id: str, with_location: bool = True) -> None:
    """2.45+: the image id in the body; before: its URL in Location."""
    if respond.version(call.req) >= (2, 45):
        respond.send(call.resp, {"image_id": image_id}, 202)
        return
    if with_location:
        images = respond.state(call.req).images
        call.resp.set_header("Location", f"{images.endpoint}/images/{image_id}")
    respond.empty(call.resp, 202)


def _create_image(call: _Call) -> None:
    image_id = server_snapshot.create_image(
        respond.state(call.req), respond.ctx(call.req), call.uuid, call.value["name"],
        call.value.get("metadata") or {})
    _snapshot_answer(call, image_id)


def _create_backup(call: _Call) -> None:
    value = call.value
    rotation = int(value["rotation"])
    image_id = server_snapshot.create_backup(
        respond.state(call.req), respond.ctx(call.req), call.uuid, value["name"],
        value["backup_type"], rotation, value.get("metadata") or {})
    _snapshot_answer(call, image_id, with_location=rotation > 0)
def _rebuild(call: _Call) -> None:
    """202 with the server (status REBUILD) as an update answers it, plus
    ``key_name`` (2.54), ``user_data`` (2.57) and the ``adminPass``."""
    req, value = call.req, call.value
    version, state, ctx = respond.version(req), respond.state(req), respond.ctx(req)
    if "trusted_image_certificates" in value:       # 2.63+
        owner = server_service.find(state, ctx, call.uuid).instance.get("project_id")
        _authorize(state, ctx, _P.REBUILD_TRUSTED_CERTS, owner)
        if value["trusted_image_certificates"] is not None:
            raise errors.BadRequest("trusted_image_certificates cannot be honoured: nubes "
                                    "verifies no image signatures.")
    values = server_handlers.update_columns(version, value)
    if "user_data" in value:
        values["user_data"] = create_schema.user_data(value["user_data"])
    asked = server_rebuild.RebuildRequest(
        image_id=respond.parse_uuid(value["imageRef"], "imageRef"), values=values,
        metadata=value.get("metadata"), set_key="key_name" in value,
        key_name=value.get("key_name"), admin_pass=value.get("adminPass"),
        preserve_ephemeral=rebuild_schema.preserve_ephemeral(
            value.get("preserve_ephemeral", False)),
        files=rebuild_schema.personality(value.get("personality") or []))
    links, shown, extras = server_handlers.show_terms(req)
    password, server = server_rebuild.rebuild(state, ctx, call.uuid, asked, extras)
    body = server_view.updated(version, server, links, shown)
    if version >= (2, 54):
        body["key_name"] = server.instance.get("key_name")
    if version >= (2, 57):
        body["user_data"] = server.instance.get("user_data")
    if state.conf.api.enable_instance_password:
        body["adminPass"] = password
    call.resp.set_header("Location", links.of("servers", call.uuid)[0]["href"])
    respond.send(call.resp, {"server": body}, 202)


def _may_cross_cells(state, ctx) -> bool:
    try:
        _authorize(state, ctx, action_policy.CROSS_CELL, ctx.project_id)
    except errors.Forbidden:
        return False
    return True


def _resize(call: _Call) -> None:
    state, ctx = respond.state(call.req), respond.ctx(call.req)
    server_resize.resize(state, ctx, call.uuid, str(call.value["flavorRef"]),
                         cross_cell=_may_cross_cells(state, ctx))
    respond.empty(call.resp, 202)


def _migrate(call: _Call) -> None:
    state, ctx = respond.state(call.req), respond.ctx(call.req)
    host = call.value.get("host") if isinstance(call.value, dict) and \
        respond.version(call.req) >= (2, 56) else None
    if host is not None:
        _authorize(state, ctx, action_policy.MIGRATE_HOST, None)
    server_resize.migrate(state, ctx, call.uuid, host, cross_cell=_may_cross_cells(state, ctx))
    respond.empty(call.resp, 202)




def _evacuate(call: _Call) -> None:
    """200: before 2.14 with the adminPass, from 2.14 with no body."""
    state, version, value = respond.state(call.req), respond.version(call.req), call.value
    password = value.get("adminPass") or server_create.new_password()
    server_evacuate.evacuate(state, respond.ctx(call.req), call.uuid, value.get("host"),
                             stop=version >= (2, 95))
    if version < (2, 14) and state.conf.api.enable_instance_password:
        respond.send(call.resp, {"adminPass": password})
    else:
        respond.empty(call.resp, 200)


def _migrate_live(call: _Call) -> None:
    server_live_migrate.live_migrate(respond.state(call.req), respond.ctx(call.req),
                                     call.uuid, call.value.get("host"))
    respond.empty(call.resp, 202)


def _no_op(call: _Call) -> None:
    """injectNetworkInfo, resetNetwork: nothing to do without a network
    service (the server must still exist)."""
    server_tasks.locate_live(respond.state(call.req), call.uuid, "network")
    respond.empty(call.resp, 202)


_P = action_policy
ACTIONS: dict[str, _Action] = {
    "reboot": _Action(policy.REBOOT, schemas.REBOOT, _reboot),
    "os-stop": _Action(policy.STOP, schemas.NULL_OR_EMPTY, _simple("stop")),
    "os-start": _Action(policy.START, schemas.NULL_OR_EMPTY, _simple("start")),
    "pause": _Action(_P.PAUSE, schemas.ANY, _simple("pause")),
    "unpause": _Action(_P.UNPAUSE, schemas.ANY, _simple("unpause")),
    "suspend": _Action(_P.SUSPEND, schemas.ANY, _simple("suspend")),
    "resume": _Action(_P.RESUME, schemas.ANY, _simple("resume")),
    "rescue": _Action(_P.RESCUE, schemas.RESCUE, _rescue),
    "unrescue": _Action(_P.UNRESCUE, schemas.ANY, _simple("unrescue")),
    "trigger_crash_dump": _Action(_P.CRASH_DUMP, schemas.NULL, _simple("trigger_crash_dump"),
                                  since=(2, 17)),
    "lock": _Action(_P.LOCK, schemas.ANY, _lock, schema_from=(((2, 73), schemas.LOCK_V273),)),
    "unlock": _Action(_P.UNLOCK, schemas.ANY, _unlock),
    "os-resetState": _Action(_P.RESET_STATE, schemas.RESET_STATE, _reset_state),
    "injectNetworkInfo": _Action(_P.INJECT_NETWORK_INFO, schemas.ANY, _no_op),
    "resetNetwork": _Action(_P.RESET_NETWORK, schemas.ANY, _no_op),
    "os-getConsoleOutput": _Action(_P.CONSOLE_OUTPUT, schemas.CONSOLE_OUTPUT,
                                   _console_output),
    "changePassword": _Action(_P.CHANGE_PASSWORD, schemas.CHANGE_PASSWORD, _change_password),
    "restore": _Action(_P.RESTORE, schemas.ANY, _then(server_restore.restore)),
    "forceDelete": _Action(_P.FORCE_DELETE, schemas.ANY,
                           _then(server_delete.delete, force=True)),
    "createImage": _Action(_P.CREATE_IMAGE, schemas.CREATE_IMAGE, _create_image),
    "createBackup": _Action(_P.CREATE_BACKUP, schemas.CREATE_BACKUP, _create_backup),
    "resize": _Action(_P.RESIZE, schemas.RESIZE, _resize),
    "migrate": _Action(_P.MIGRATE, schemas.ANY, _migrate,
                       schema_from=(((2, 56), schemas.MIGRATE_V256),)),
    "confirmResize": _Action(_P.CONFIRM_RESIZE, schemas.ANY,
                             _then(server_resize.confirm, 204)),
    "revertResize": _Action(_P.REVERT_RESIZE, schemas.ANY, _then(server_resize.revert)),
    "evacuate": _Action(_P.EVACUATE, schemas.EVACUATE, _evacuate,
                        schema_from=(((2, 14), schemas.EVACUATE_V214),
                                     ((2, 29), schemas.EVACUATE_V229),
                                     ((2, 68), schemas.EVACUATE_V214))),
    "os-migrateLive": _Action(_P.MIGRATE_LIVE, schemas.MIGRATE_LIVE, _migrate_live,
                              schema_from=(((2, 25), schemas.MIGRATE_LIVE_V225),
                                           ((2, 30), schemas.MIGRATE_LIVE_V230),
                                           ((2, 68), schemas.MIGRATE_LIVE_V225))),
    "shelve": _Action(_P.SHELVE, schemas.ANY, _then(server_shelve.shelve)),
    "shelveOffload": _Action(_P.SHELVE_OFFLOAD, schemas.ANY,
                             _then(server_shelve.shelve_offload)),
    "unshelve": _Action(_P.UNSHELVE, schemas.ANY, _unshelve,
                        schema_from=(((2, 77), schemas.UNSHELVE_V277),
                                     ((2, 91), schemas.UNSHELVE_V291))),
    "rebuild": _Action(_P.REBUILD, rebuild_schema.SCHEMA, _rebuild,
                       schema_from=rebuild_schema.SCHEMA_FROM),
}


def _authorize(state, ctx, rule: str, project_id: str | None) -> None:
    state.policy.authorize(ctx, rule, {"project_id": project_id, "user_id": ctx.user_id})


def server_action(req, resp, server_id: str) -> None:
    body = respond.read_body(req, {"type": "object"})
    if len(body) > 1:
        raise errors.BadRequest("Malformed request body: too many body keys")
    name = next(iter(body), None)
    action = ACTIONS.get(name)
    if action is None:
        raise errors.BadRequest(f"There is no such action: {name or '(none)'}")
    version = respond.version(req)
    if version < action.since:
        raise errors.NotFound("The resource could not be found.")
    schema = action.schema
    for since, newer in action.schema_from:
        if version >= since:
            schema = newer
    respond.validate(body, {"type": "object", "properties": {name: schema},
                            "required": [name]})
    state, ctx = respond.state(req), respond.ctx(req)
    server = server_service.find(state, ctx, server_id)
    _authorize(state, ctx, action.rule, server.instance.get("project_id"))
    action.run(_Call(req, resp, server.uuid, body[name]))
