"""Placement domain exceptions.

Raised by services and repos; they know nothing of HTTP.  ``errors.py``
maps each to a status and a stable error code.
"""
from __future__ import annotations


class PlacementException(Exception):
    """Base: ``str(exc)`` is the message shown to the caller."""


class NotFound(PlacementException):
    pass


class ResourceProviderNotFound(NotFound):
    pass


class ResourceClassNotFound(NotFound):
    pass


class TraitNotFound(NotFound):
    pass


class InventoryNotFound(NotFound):
    pass


class ConsumerNotFound(NotFound):
    pass


class Invalid(PlacementException):
    """Well-formed input that placement cannot accept (400)."""


class InvalidInventory(Invalid):
    pass


class InvalidAllocation(Invalid):
    pass


class ReshapeProviderNotFound(Invalid):
    """A provider named in a reshape's inventories does not exist (400,
    code placement.resource_provider.not_found)."""


class InvalidQuery(Invalid):
    """A bad query parameter value (code placement.query.bad_value)."""


class MissingQueryValue(Invalid):
    """A required query parameter is missing (placement.query.missing_value)."""


class DuplicateQueryKey(Invalid):
    pass


class Conflict(PlacementException):
    """A request that conflicts with the current state (409)."""


class Duplicate(Conflict):
    """Name or uuid already taken (placement.duplicate_name)."""


class ConcurrentUpdate(Conflict):
    """A generation the caller holds is stale (placement.concurrent_update)."""


class InventoryInUse(Conflict):
    pass


class InventoryCapacityExceeded(Conflict):
    """Inventory change would leave usage above capacity."""


class ProviderInUse(Conflict):
    pass


class CannotDeleteParent(Conflict):
    pass


class ResourceClassInUse(Conflict):
    pass


class TraitInUse(Conflict):
    pass


class CapacityExceeded(Conflict):
    """An allocation does not fit."""


class StandardNameReadOnly(PlacementException):
    """Standard classes and traits cannot be changed or deleted (400)."""


class InventoryExists(Conflict):
    """POST of an inventory whose class the provider already has."""
