"""The wire format: JSON (orjson) requests and replies.

A request::

    {"v": 1, "id": "<message id>", "method": "build_instance",
     "version": "1.0", "args": {...}, "reply_to": "<address>" | null,
     "context": {"user_id", "project_id", "roles", "system_scope",
                 "request_id", "global_request_id", "is_admin", "auth_token"}}

``reply_to`` is set for calls only.  A reply carries the request's id and
either ``"result"`` or ``"error": {"type", "message", "args", "traceback"}``.

Arguments and results must be JSON values; dataclasses (the ``messages.py``
wire contracts), UUIDs, datetimes and enums are encoded by orjson and arrive
as their JSON form, so typed rpcapi wrappers rebuild them.
"""
from __future__ import annotations

import dataclasses
import random
import traceback
from typing import Any

import orjson

from nubes.common.context import RequestContext
from nubes.common.rpc import errors

FORMAT = 1
CONTEXT_FIELDS = ("user_id", "project_id", "roles", "system_scope", "request_id",
                  "global_request_id", "is_admin", "auth_token")


def new_message_id() -> str:
    """Unique, not secret (``random``, not a system call per message)."""
    return "%032x" % random.getrandbits(128)


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError as exc:
        raise errors.SerializationError(f"cannot encode as JSON: {exc}") from None


def _loads(body: bytes) -> dict:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise errors.SerializationError(f"message is not JSON: {exc}") from None
    if not isinstance(value, dict) or value.get("v") != FORMAT or "id" not in value:
        raise errors.SerializationError("message is not a nubes envelope")
    return value


# --- context ---------------------------------------------------------------

def context_to_wire(ctx: RequestContext | None) -> dict | None:
    if ctx is None:
        return None
    return {name: getattr(ctx, name) for name in CONTEXT_FIELDS}


def context_from_wire(data: dict | None, conf: Any = None) -> RequestContext:
    if not data:
        return RequestContext(conf=conf)
    kwargs = {name: data[name] for name in CONTEXT_FIELDS
              if name in data and data[name] is not None}
    if "roles" in kwargs:
        kwargs["roles"] = tuple(kwargs["roles"])
    return RequestContext(conf=conf, **kwargs)


# --- requests --------------------------------------------------------------

@dataclasses.dataclass
class Request:
    id: str
    method: str
    args: dict
    version: str
    context: dict | None
    reply_to: str | None = None


def encode_request(ctx: RequestContext | None, method: str, args: dict, *,
                   version: str, reply_to: str | None = None,
                   message_id: str | None = None) -> tuple[str, bytes]:
    """Return ``(message id, body)``."""
    message_id = message_id or new_message_id()
    body = _dumps({"v": FORMAT, "id": message_id, "method": method,
                   "version": version, "args": args,
                   "context": context_to_wire(ctx), "reply_to": reply_to})
    return message_id, body


def decode_request(body: bytes) -> Request:
    data = _loads(body)
    method, args = data.get("method"), data.get("args")
    if not isinstance(method, str) or not isinstance(args, dict):
        raise errors.SerializationError("request without method or args")
    return Request(id=data["id"], method=method, args=args,
                   version=str(data.get("version") or "1.0"),
                   context=data.get("context"), reply_to=data.get("reply_to"))


# --- replies ---------------------------------------------------------------

def encode_result(message_id: str, result: Any) -> bytes:
    try:
        return orjson.dumps({"v": FORMAT, "id": message_id, "result": result})
    except TypeError as exc:
        err = errors.SerializationError(f"cannot encode the result as JSON: {exc}")
        return encode_error(message_id, err, with_traceback=False)


def encode_error(message_id: str, exc: BaseException, *,
                 with_traceback: bool = True) -> bytes:
    tb = ("".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
          if with_traceback else "")
    args: list = list(exc.args)
    try:
        orjson.dumps(args)
    except TypeError:
        args = [str(exc)]
    return orjson.dumps({"v": FORMAT, "id": message_id, "error": {
        "type": errors.type_name(type(exc)), "message": str(exc),
        "args": args, "traceback": tb}})


@dataclasses.dataclass
class Reply:
    id: str
    result: Any = None
    error: dict | None = None

    def unwrap(self) -> Any:
        """The result, or raise the remote error as its caller-side form."""
        if self.error is None:
            return self.result
        raise rebuild_error(self.error)


def decode_reply(body: bytes) -> Reply:
    data = _loads(body)
    error = data.get("error")
    if error is not None and not isinstance(error, dict):
        raise errors.SerializationError("malformed error reply")
    return Reply(id=data["id"], result=data.get("result"), error=error)


def rebuild_error(error: dict) -> BaseException:
    name = str(error.get("type") or "Exception")
    message = str(error.get("message") or "")
    tb_text = str(error.get("traceback") or "")
    cls = errors.allowed(name)
    if cls is None:
        return errors.RemoteError(name, message, tb_text)
    args = error.get("args")
    args = list(args) if isinstance(args, list) else [message]
    try:
        exc = cls(*args)
    except Exception:
        exc = cls.__new__(cls)
        exc.args = tuple(args)
    exc.remote_traceback = tb_text  # type: ignore[attr-defined]
    if tb_text:
        exc.add_note("Remote traceback:\n" + tb_text.rstrip())
    return exc
