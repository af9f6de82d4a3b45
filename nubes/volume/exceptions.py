"""Volume service domain exceptions: raised by the service, repos and
backends, mapped to HTTP errors by ``api/errors.py``.  ``str(exc)`` is
the message the caller sees."""
from __future__ import annotations


class VolumeError(Exception):
    pass


class NotFound(VolumeError):
    """404."""


class Invalid(VolumeError):
    """400: cinder's Invalid* family (InvalidVolume, InvalidInput, ...)."""


class Forbidden(VolumeError):
    """403."""


class Conflict(VolumeError):
    """409: cinder's ResourceConflict and duplicates."""


class OverQuota(VolumeError):
    """413: a project quota would be exceeded."""


class BackendError(VolumeError):
    """A backend could not do what it was asked (the volume goes to an
    error state; never an HTTP answer of its own)."""
