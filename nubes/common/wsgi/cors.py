"""CORS from ``[cors]``: Falcon's middleware, plus the allowed-headers rule.

Falcon's preflight answer allows whatever headers the browser asks for;
operators list the headers they accept in ``[cors] allow_headers``, so a
preflight asking for any other header gets no CORS grant at all.
"""
from __future__ import annotations

import falcon

_SIMPLE_HEADERS = {"accept", "accept-language", "content-language", "content-type"}
_GRANT_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                  "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                  "Access-Control-Max-Age", "Access-Control-Expose-Headers")


class CORSMiddleware(falcon.CORSMiddleware):
    def __init__(self, *, allow_origins, allow_headers, expose_headers, allow_credentials):
        super().__init__(allow_origins=allow_origins, expose_headers=expose_headers,
                         allow_credentials=allow_credentials)
        self.allow_headers = [h.strip() for h in allow_headers]
        self._allowed_lower = {h.lower() for h in self.allow_headers} | _SIMPLE_HEADERS

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        super().process_response(req, resp, resource, req_succeeded)
        if req.method != "OPTIONS" or not req.get_header("Access-Control-Request-Method"):
            return
        requested = req.get_header("Access-Control-Request-Headers", default="")
        wanted = {h.strip().lower() for h in requested.split(",") if h.strip()}
        if wanted - self._allowed_lower:
            for name in _GRANT_HEADERS:
                resp.delete_header(name)
        elif resp.get_header("Access-Control-Allow-Methods"):
            resp.set_header("Access-Control-Allow-Headers", ", ".join(self.allow_headers))


def from_conf(conf) -> list:
    """The CORS middleware ``conf`` asks for, or none."""
    if not conf.cors.allowed_origin:
        return []
    origins = "*" if "*" in conf.cors.allowed_origin else list(conf.cors.allowed_origin)
    return [CORSMiddleware(allow_origins=origins,
                           allow_headers=conf.cors.allow_headers,
                           expose_headers=list(conf.cors.expose_headers),
                           allow_credentials=origins if conf.cors.allow_credentials else None)]
