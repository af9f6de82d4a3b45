"""A task: one long operation with a rollback.

``execute()`` runs ``_execute()``; if that raises, ``rollback(exc)`` undoes
what was done so far (each task records what it did as it goes) and the
error is re-raised.  A rollback must not raise: it logs what it could not
undo.
"""
from __future__ import annotations

import logging
from typing import Any

LOG = logging.getLogger(__name__)


class Task:
    def execute(self) -> Any:
        try:
            return self._execute()
        except Exception as exc:
            try:
                self.rollback(exc)
            except Exception:  # noqa: BLE001 - keep the original error
                LOG.exception("rollback of %s failed", type(self).__name__)
            raise

    def _execute(self) -> Any:
        raise NotImplementedError

    def rollback(self, exc: Exception) -> None:
        """Undo what ``_execute`` did before it failed with ``exc``."""
