"""Errors of the message bus, and the registry of exceptions that may cross it.

An exception raised by an endpoint travels back to the caller as its type
name, message, ``args`` and traceback text.  On the caller's side it becomes:

* the same class, when that class is registered here as *allowed*
  (:func:`allow`), so ``except InstanceNotFound`` works across processes;
* otherwise a :class:`RemoteError` carrying the type name, message and the
  remote traceback text.

Only registered classes are ever instantiated from the wire: nothing is
imported by name, so a message cannot make the caller run arbitrary code.
Both sides must have imported the module that registers a class (services
register their domain errors in the module that defines them, which the
rpcapi importing it guarantees).
"""
from __future__ import annotations

import threading
from typing import TypeVar

E = TypeVar("E", bound=type[BaseException])


class MessagingError(Exception):
    """Base class of every error raised by the bus itself."""


class MessagingTimeout(MessagingError):
    """A call got no reply within its timeout."""


class DeliveryFailure(MessagingError):
    """A message could not be handed to the bus (it is unreachable and the
    retry budget ran out).  The message was not sent."""


class Undeliverable(DeliveryFailure):
    """The bus has no queue for the target: no server has ever listened on
    it (or its queue expired).  Raised at once instead of losing the
    message."""


class InvalidTarget(MessagingError, ValueError):
    """A target or transport URL that cannot be used."""


class SerializationError(MessagingError, TypeError):
    """Arguments or a result that cannot be encoded as JSON."""


class NoSuchMethod(MessagingError):
    """The server has no public endpoint method of that name."""

    def __init__(self, method: str):
        super().__init__(method)  # args rebuild the error on the caller's side
        self.method = method

    def __str__(self) -> str:
        return f"endpoint does not support RPC method {self.method!r}"


class UnsupportedVersion(MessagingError):
    """The server's endpoints cannot handle the requested API version."""

    def __init__(self, version: str, method: str | None = None):
        super().__init__(version, method)
        self.version = version
        self.method = method

    def __str__(self) -> str:
        return (f"endpoint does not support RPC version {self.version}"
                + (f" (method {self.method!r})" if self.method else ""))


class RemoteError(MessagingError):
    """An exception of a class not registered as allowed, raised remotely."""

    def __init__(self, exc_type: str, message: str, traceback_text: str = ""):
        super().__init__(exc_type, message, traceback_text)
        self.exc_type = exc_type
        self.message = message
        self.traceback_text = traceback_text

    def __str__(self) -> str:
        return f"Remote error: {self.exc_type} {self.message}"


# --- allowed-exception registry --------------------------------------------

_allowed: dict[str, type[BaseException]] = {}
_lock = threading.Lock()


def type_name(cls: type[BaseException]) -> str:
    """The name an exception class travels under: ``module.QualName``."""
    return f"{cls.__module__}.{cls.__qualname__}"


def allow(cls: E) -> E:
    """Register an exception class to be re-raised as itself on the caller's
    side.  Usable as a class decorator.  The class must be constructible from
    its ``args`` (``cls(*exc.args)``); if it is not, the caller still gets an
    instance of the class with ``args`` set but ``__init__`` skipped."""
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        raise TypeError(f"{cls!r} is not an Exception class")
    with _lock:
        _allowed[type_name(cls)] = cls
    return cls


def disallow(cls: type[BaseException]) -> None:
    with _lock:
        _allowed.pop(type_name(cls), None)


def allowed(name: str) -> type[BaseException] | None:
    return _allowed.get(name)


def is_allowed(cls: type[BaseException]) -> bool:
    return _allowed.get(type_name(cls)) is cls


for _cls in (MessagingTimeout, NoSuchMethod, UnsupportedVersion, SerializationError,
             InvalidTarget):
    allow(_cls)
del _cls
