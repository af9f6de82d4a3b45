"""Image service domain exceptions: raised by ``service/``, mapped to HTTP
errors by ``errors.py``.  ``str(exc)`` is the message the caller sees."""
from __future__ import annotations


class ImageError(Exception):
    pass


class NotFound(ImageError):
    """404."""


class Invalid(ImageError):
    """400: the request cannot be honoured as asked."""


class Forbidden(ImageError):
    """403: read-only or reserved attributes, protected images, other
    projects' images."""


class Conflict(ImageError):
    """409: duplicate id, wrong status for the operation."""


class TooLarge(ImageError):
    """413: the image data is larger than the service accepts, or the
    store is full."""


class Gone(ImageError):
    """410: the image was deleted while its data was being uploaded."""


class Unavailable(ImageError):
    """503: the image store cannot keep or serve data right now."""
