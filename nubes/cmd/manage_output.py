"""What every ``nubes-manage`` command group prints the same way: normal
output, errors, and an unexpected exception as one line."""
from __future__ import annotations

import sys


def out(message: str) -> None:
    print(message, flush=True)


def err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


def one_line(error: BaseException) -> str:
    """``Type: first line`` of an exception (a database error's own, not
    SQLAlchemy's wrapper with the statement and parameters)."""
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip()
    return f"{type(orig).__name__}: {text.splitlines()[0] if text else ''}"
