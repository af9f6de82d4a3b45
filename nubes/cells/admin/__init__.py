"""Operator tasks behind ``nubes-manage cell_v2`` (the CLI only parses
arguments, prints and maps exceptions to exit codes).

Every task reports progress through a :class:`Report` instead of printing.
"""
from __future__ import annotations

import dataclasses
from typing import Callable


def _silent(_message: str) -> None:
    return None


@dataclasses.dataclass(frozen=True)
class Report:
    info: Callable[[str], None] = _silent    # progress an operator always sees
    detail: Callable[[str], None] = _silent  # per-item lines (--verbose)


SILENT = Report()
