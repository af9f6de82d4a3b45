"""Compute API domain exceptions: raised by ``service/``, mapped to HTTP
faults by ``errors.py``.  ``str(exc)`` is the message the caller sees."""
from __future__ import annotations


class ComputeError(Exception):
    pass


class NotFound(ComputeError):
    """404 itemNotFound."""


class Invalid(ComputeError):
    """400 badRequest: the request cannot be honoured as asked."""


class Conflict(ComputeError):
    """409 conflictingRequest: the current state forbids it."""


class Unavailable(ComputeError):
    """503 serviceUnavailable: a dependency (placement) did not answer."""


class NotImplementedByHost(ComputeError):
    """501 notImplemented: the server's host (its driver) cannot do it."""


class Forbidden(ComputeError):
    """403 forbidden: allowed in general, not this (e.g. a forced host)."""


class QuotaExceeded(Forbidden):
    """403 forbidden: the project's quota has no room (server create)."""
