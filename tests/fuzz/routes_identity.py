"""The identity API's routes (``nubes/identity/routes.py``) with the token
request's schema (the handler's own, imported).  Tokens named in
``X-Subject-Token`` are placeholders the runner fills with fresh tokens
(``@caller``: the caller's own, ``@other``: another fresh one) so that no
revocation reaches the tokens the other APIs' runs use."""
from __future__ import annotations

import unicodedata

from hypothesis import strategies as st

from nubes.identity import routes as identity_routes
from nubes.identity.schemas import auth
from tests.fuzz import hostile
from tests.fuzz.generate import Api, Route, complete

_EXPLICIT = [
    Route("POST", "/v3/auth/tokens", auth.ISSUE_TOKEN),
    Route("POST", "/v3/auth/tokens", auth.ISSUE_TOKEN),
    Route("POST", "/v3/auth/tokens", auth.ISSUE_TOKEN),
    Route("GET", "/v3/projects", query=("name", "domain_id", "enabled")),
    Route("GET", "/v3/users", query=("name", "domain_id", "enabled")),
    Route("GET", "/v3/domains", query=("name", "enabled")),
]
ROUTES = complete(_EXPLICIT, identity_routes.ROUTES)

# Users and projects of the embedded cloud's identity (with wrong spellings).
NAMES = ["admin", "demo", "nubes", "Admin", "admin-project", "demo-project", "service",
         "Default", "default"]


def _subject() -> st.SearchStrategy[dict[str, str]]:
    # Control characters are refused by the HTTP server before identity sees them.
    text = hostile.hostile_string().filter(
        lambda s: len(s) < 3000 and not any(unicodedata.category(c) == "Cc" for c in s))
    token = hostile.weighted((3, st.sampled_from(["@caller", "@other"])), (2, text))
    return st.one_of(st.just({}), token.map(lambda t: {"X-Subject-Token": t}))


def api() -> Api:
    return Api(name="identity", routes=ROUTES, versions=None,
               parse_version=lambda _headers: (3, 0),
               query_values={"name": NAMES, "domain_id": ["default"],
                             "enabled": ["true", "false", "0"]},
               extra_headers=_subject)
