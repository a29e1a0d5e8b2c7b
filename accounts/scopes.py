"""API token scopes, and the one table of which scopes each API operation needs.

``OPERATIONS`` maps every API operation (URL name, HTTP method) to the scopes a Bearer
token must hold, all of them; ``SESSION`` marks operations tokens may not use at all
(acts beyond the token's one workspace). ``TokenScopePermission`` checks it for every
API view, and ``tests/security/test_access_scopes.py`` fails when an operation has no
line here, or when the table in docs/security.md differs from ``markdown_table()``.
An operation that is not listed is refused to tokens (fail closed).

Asset content (originals, renditions and their URLs, album items, covers, ZIPs) needs
``assets:read``, whichever area it is reached through; publishing (share links, album
shares) needs ``assets:read`` and ``albums:write``. ``*:write`` includes ``*:read``.
Session users are not limited by scopes; their role is.
"""

from __future__ import annotations

ASSETS_READ = "assets:read"
ASSETS_WRITE = "assets:write"
ALBUMS_READ = "albums:read"
ALBUMS_WRITE = "albums:write"
ADMIN = "admin"

SCOPES: dict[str, str] = {
    ASSETS_READ: "Read assets, tags, usage and search",
    ASSETS_WRITE: "Upload, edit and delete assets",
    ALBUMS_READ: "Read albums and share links",
    ALBUMS_WRITE: "Create and change albums and share links",
    ADMIN: "Workspace administration: members, invitations, tokens, settings, audit",
}
IMPLIED = {ASSETS_WRITE: {ASSETS_READ}, ALBUMS_WRITE: {ALBUMS_READ}}


class SessionOnly:
    """Marks operations only a signed-in session may use."""

    def __repr__(self) -> str:
        return "SESSION"


SESSION = SessionOnly()
Needed = frozenset[str] | SessionOnly

NONE: frozenset[str] = frozenset()
A_R = frozenset({ASSETS_READ})
A_W = frozenset({ASSETS_WRITE})
L_R = frozenset({ALBUMS_READ})
L_W = frozenset({ALBUMS_WRITE})
L_R_A_R = frozenset({ALBUMS_READ, ASSETS_READ})
L_W_A_R = frozenset({ALBUMS_WRITE, ASSETS_READ})
L_W_A_W = frozenset({ALBUMS_WRITE, ASSETS_WRITE})
ADM = frozenset({ADMIN})

# url name -> method -> scopes. HEAD and OPTIONS need what GET needs.
OPERATIONS: dict[str, dict[str, Needed]] = {
    # accounts
    "api-me": {"GET": NONE},
    "api-tenant-list": {"GET": ADM, "POST": SESSION},
    "api-tenant-detail": {"GET": ADM, "PATCH": ADM},
    # Refused to tokens in the view, after the id: another workspace's id stays 404.
    "api-tenant-switch": {"POST": ADM},
    "api-member-list": {"GET": ADM},
    "api-member-detail": {"GET": ADM, "PATCH": ADM, "DELETE": ADM},
    "api-invitation-list": {"GET": ADM, "POST": ADM},
    "api-invitation-detail": {"DELETE": ADM},
    "api-invitation-accept": {"POST": SESSION},
    "api-token-list": {"GET": ADM, "POST": ADM},
    "api-token-detail": {"GET": ADM, "DELETE": ADM},
    # gallery
    "api-asset-list": {"GET": A_R, "POST": A_W},
    "api-asset-bulk": {"POST": A_W},
    "api-trash-empty": {"POST": A_W},
    "api-asset-detail": {"GET": A_R, "PATCH": A_W, "DELETE": A_W},
    "api-asset-original": {"GET": A_R},
    "api-usage": {"GET": A_R},
    # search
    "api-search": {"GET": A_R},
    "api-search-facets": {"GET": A_R},
    "api-search-suggest": {"GET": A_R},
    "api-search-map": {"GET": A_R},
    "api-search-similar": {"GET": A_R},
    "api-search-duplicates": {"GET": A_R},
    "api-search-duplicates-resolve": {"POST": A_W},
    # albums: titles and structure need albums:*, anything showing images assets:read too
    "api-album-list": {"GET": L_R_A_R, "POST": L_W},
    "api-album-tree": {"GET": L_R},
    "api-album-detail": {"GET": L_R_A_R, "PATCH": L_W_A_R, "DELETE": L_W},
    "api-album-items": {"GET": L_R_A_R, "POST": L_W_A_R},
    "api-album-items-remove": {"POST": L_W},
    "api-album-items-reorder": {"POST": L_W},
    "api-album-upload": {"POST": L_W_A_W},
    "api-album-zip": {"GET": L_R_A_R},
    "api-album-shares": {"GET": L_R, "POST": L_W_A_R},
    "api-album-share-detail": {"PATCH": L_W_A_R, "DELETE": L_W},
    "api-zip-selection": {"POST": A_R},
    "api-share-link-list": {"GET": L_R, "POST": L_W_A_R},
    "api-share-link-detail": {"GET": L_R, "PATCH": L_W_A_R, "DELETE": L_W},
    "api-share-link-revoke": {"POST": L_W},
    "api-share-link-accesses": {"GET": L_R},
}
# API pages that are no operation on data (the root, the schema and its viewers).
PUBLIC = frozenset({"api-root", "api-schema", "api-docs", "api-redoc"})


def effective(scopes: list[str] | None) -> set[str]:
    granted = set(scopes or [])
    for scope in list(granted):
        granted |= IMPLIED.get(scope, set())
    return granted


def required(*, url_name: str | None, method: str) -> Needed | None:
    """What a token needs for this operation; ``None`` when the table has no line for
    it (refused)."""
    method = method.upper()
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return OPERATIONS.get(url_name or "", {}).get(method)


def validate(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        from lumina.core.errors import ValidationFailed

        raise ValidationFailed(
            f"Unknown scope(s): {', '.join(unknown)}.",
            code="invalid_scope",
            details={"field": "scopes", "allowed": list(SCOPES)},
        )
    return sorted(set(scopes))


def markdown_table() -> str:
    """The table in docs/security.md (kept equal by a test)."""
    rows = ["| Method | Path | A token needs |", "|---|---|---|"]
    for name, methods in OPERATIONS.items():
        path = _path_of(name)
        for method, needed in methods.items():
            if isinstance(needed, SessionOnly):
                text = "a session (tokens refused)"
            else:
                text = " + ".join(f"`{s}`" for s in sorted(needed)) or "any valid token"
            rows.append(f"| {method} | `{path}` | {text} |")
    return "\n".join(rows)


def _path_of(name: str) -> str:
    """``/api/v1/tenants/{tenant_id}/`` for a URL name."""
    from django.urls import get_resolver

    for possibility in get_resolver().reverse_dict.getlist(name):
        pattern, params = possibility[0][0]
        return "/" + str(pattern % {p: "{" + p + "}" for p in params})
    return name
