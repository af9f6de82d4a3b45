"""Microversion negotiation shared by the APIs.

A version is a ``(major, minor)`` tuple so handlers compare with plain
tuple comparisons: ``if req.context.version >= (1, 14): ...``.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import microversion_parse

from nubes.common.wsgi import errors

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")


class Version(NamedTuple):
    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    @classmethod
    def parse(cls, text: str) -> "Version":
        match = _VERSION_RE.match(text.strip())
        if not match:
            raise ValueError(f"invalid version string: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))


class MicroversionMiddleware:
    """Reads ``OpenStack-API-Version: <service_type> X.Y`` (and any legacy
    headers microversion-parse knows) and puts ``req.context.version``.

    No header means the minimum version; ``latest`` means the maximum;
    a malformed value is a 400 and one outside the range a 406 that names
    the range.  Every response, errors included, says which version served
    it once one was chosen.
    """

    def __init__(self, service_type: str, minimum: Version, maximum: Version,
                 *, legacy_headers: tuple[str, ...] = (),
                 vary: str = "OpenStack-API-Version"):
        self.service_type = service_type
        # The Vary value as the service spells it (placement: lower case).
        self.vary = vary
        self.minimum = minimum
        self.maximum = maximum
        self.legacy_headers = legacy_headers

    def choose(self, headers: dict[str, str]) -> Version:
        try:
            text = microversion_parse.get_version(
                headers, service_type=self.service_type,
                legacy_headers=list(self.legacy_headers) or None)
        except (ValueError, TypeError) as exc:
            raise errors.BadRequest(f"invalid version string: {exc}") from None
        if text is None:
            return self.minimum
        if text.strip() == "latest":
            return self.maximum
        try:
            version = Version.parse(text)
        except ValueError as exc:
            raise errors.BadRequest(str(exc).capitalize()) from None
        if not self.minimum <= version <= self.maximum:
            raise errors.NotAcceptable(
                f"Unacceptable version header: {version}",
                body_extra={"min_version": str(self.minimum),
                            "max_version": str(self.maximum)})
        return version

    def process_request(self, req, resp) -> None:
        headers = {k.lower(): v for k, v in req.headers.items()}
        req.context.version = self.choose(headers)

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        version = getattr(req.context, "version", None)
        if version is not None:
            resp.set_header("OpenStack-API-Version", f"{self.service_type} {version}")
        resp.append_header("Vary", self.vary)
