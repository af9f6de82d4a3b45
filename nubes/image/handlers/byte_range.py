"""The ``Range`` header of a download: one ``bytes=`` range (RFC 7233),
as glance serves it; several ranges, or one the data cannot satisfy, are
a 416 naming the size (``Content-Range: bytes */<size>``)."""
from __future__ import annotations

import re

from nubes.image import errors

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d{0,20})\s*-\s*(\d{0,20})\s*$", re.IGNORECASE)


def _unsatisfiable(header: str, size: int) -> errors.RangeNotSatisfiable:
    return errors.RangeNotSatisfiable(
        f"Requested range '{header[:100]}' is not satisfiable for image data of {size} "
        "bytes (one range of the form bytes=first-last, bytes=first- or bytes=-suffix).",
        headers={"Content-Range": f"bytes */{size}"})


def parse(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte positions, inclusive, of the range asked for in
    data of ``size`` bytes; None when no range was asked for."""
    if header is None:
        return None
    match = _RANGE.match(header)
    if match is None:
        raise _unsatisfiable(header, size)
    first, last = match.groups()
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if (last and end < start) or start >= size:
            raise _unsatisfiable(header, size)
        return start, min(end, size - 1)
    if not last or int(last) == 0 or size == 0:
        raise _unsatisfiable(header, size)
    return max(size - int(last), 0), size - 1
