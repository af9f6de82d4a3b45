"""What can go wrong in cell operations (the CLI maps these to exit codes)."""
from __future__ import annotations


class CellsError(Exception):
    """Base class; the message is meant for an operator."""


class CellNotFound(CellsError):
    pass


class InvalidTransportURL(CellsError):
    pass


class InvalidDatabaseURL(CellsError):
    pass


class CellDatabaseUnreachable(CellsError):
    pass


class DuplicateCell(CellsError):
    """Another cell already uses the same transport URL and database."""


class Cell0Immutable(CellsError):
    """cell0 cannot be disabled or given a message bus."""


class ConflictingOptions(CellsError):
    pass


class CellHasHosts(CellsError):
    pass


class CellHasInstances(CellsError):
    """Live (not deleted) instances are still in the cell."""


class CellHasInstanceMappings(CellsError):
    """Only deleted instances remain, but their mappings still point here."""
