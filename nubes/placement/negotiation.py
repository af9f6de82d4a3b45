"""Media types as OpenStack Placement negotiates them.

- A request that carries a body (``Content-Length`` > 0) must say what it
  is: without a ``Content-Type`` it is a 400 (a wrong type is the
  handler's 415).
- A GET answers JSON only: an ``Accept`` that excludes JSON is a 406.
- Errors follow ``Accept``: an HTML page when HTML is preferred, JSON when
  JSON is, plain text when neither is acceptable.  No ``Accept`` (or a bare
  ``*/*``) means JSON.

``Accept`` is read as RFC 7231 says: each offer takes the quality of the
most specific range that matches it; quality 0 refuses it.
"""
from __future__ import annotations

from nubes.common.wsgi import errors

JSON = "application/json"
HTML = "text/html"
PLAIN = "text/plain"

# GETs that answer without a body (so accept anything).
_BODILESS_GETS = frozenset({"/traits/{name}"})


def _ranges(header: str) -> list[tuple[str, str, float]] | None:
    """``(type, subtype, q)`` of each media range; None when malformed."""
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        kind, _, sub = fields[0].lower().partition("/")
        if not kind or not sub or "/" in sub or (kind == "*" and sub != "*"):
            return None
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    return None
                if not 0 <= q <= 1:
                    return None
        out.append((kind, sub, q))
    return out


def quality(ranges: list[tuple[str, str, float]], offer: str) -> float:
    """The quality ``ranges`` give ``offer`` (0: not acceptable)."""
    kind, _, sub = offer.partition("/")
    best, best_q = -1, 0.0
    for r_kind, r_sub, q in ranges:
        if r_kind == kind and r_sub == sub:
            specificity = 2
        elif r_kind == kind and r_sub == "*":
            specificity = 1
        elif r_kind == "*":
            specificity = 0
        else:
            continue
        if specificity > best:
            best, best_q = specificity, q
    return best_q


def error_media_type(accept: str | None) -> str:
    """The type an error body is written in for this ``Accept``."""
    if accept is None or accept.strip() in ("", "*/*"):
        return JSON
    ranges = _ranges(accept)
    if ranges is None:
        return JSON
    scored = [(quality(ranges, offer), offer) for offer in (HTML, JSON)]
    scored = [item for item in scored if item[0] > 0]
    if not scored:
        return PLAIN
    # Highest quality first; a tie goes to HTML, the first offer.
    return max(scored, key=lambda item: item[0])[1]


def accepts_json(accept: str | None) -> bool:
    if accept is None or not accept.strip():
        return True
    ranges = _ranges(accept)
    return ranges is None or quality(ranges, JSON) > 0


class MediaTypeMiddleware:
    """The request-side checks above (after auth and the microversion)."""

    def process_request(self, req, resp) -> None:
        length = req.get_header("Content-Length")
        if length is None:
            return
        try:
            has_body = int(length) > 0
        except ValueError:
            raise errors.BadRequest("content-length header must be an integer") from None
        if has_body and not req.get_header("Content-Type"):
            raise errors.BadRequest("content-type header required when content-length > 0")

    def process_resource(self, req, resp, resource, params) -> None:
        if (resource is not None and req.method == "GET"
                and req.uri_template not in _BODILESS_GETS
                and not accepts_json(req.get_header("Accept"))):
            raise errors.NotAcceptable(f"Only {JSON} is provided")
