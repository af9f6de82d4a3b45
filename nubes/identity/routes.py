"""The identity URL table: path -> {method: handler}."""
from nubes.identity.handlers import domains, projects, scopes, tokens, users, versions

_V3 = {"GET": versions.get_v3, "HEAD": versions.get_v3}

ROUTES = [
    ("/", {"GET": versions.get_root, "HEAD": versions.get_root}),
    ("/v3", _V3),
    ("/v3/", _V3),
    ("/v3/auth/tokens", {
        "POST": tokens.issue_token,
        "GET": tokens.validate_token,
        "HEAD": tokens.check_token,
        "DELETE": tokens.revoke_token,
    }),
    ("/v3/auth/catalog", {"GET": scopes.get_catalog}),
    ("/v3/auth/projects", {"GET": scopes.list_projects}),
    ("/v3/auth/domains", {"GET": scopes.list_domains}),
    ("/v3/projects", {"GET": projects.list_projects}),
    ("/v3/projects/{project_id}", {"GET": projects.show_project}),
    ("/v3/domains", {"GET": domains.list_domains}),
    ("/v3/domains/{domain_id}", {"GET": domains.show_domain}),
    ("/v3/users", {"GET": users.list_users}),
    ("/v3/users/{user_id}", {"GET": users.show_user}),
]
