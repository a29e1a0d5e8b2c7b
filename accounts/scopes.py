"""API token scopes and which endpoints need which.

A view may declare ``required_scopes = {"GET": "albums:read", "POST": "albums:write"}``
(or one string for every method); otherwise the scope comes from the URL below
``/api/v1/`` and the method. An endpoint no rule covers is refused to tokens (fail
closed): a new API area needs a line in ``RULES`` or a declaration on its views.
``*:write`` includes ``*:read``. Session users are not limited by scopes; their role is.
"""

from __future__ import annotations

from typing import Any

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
NO_SCOPE = ""  # endpoints any valid token may use

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# (first path segment below /api/v1/, read scope, write scope)
RULES: tuple[tuple[str, str, str], ...] = (
    ("me", NO_SCOPE, NO_SCOPE),
    ("assets", ASSETS_READ, ASSETS_WRITE),
    ("usage", ASSETS_READ, ASSETS_READ),
    ("tags", ASSETS_READ, ASSETS_WRITE),
    ("search", ASSETS_READ, ASSETS_READ),
    ("albums", ALBUMS_READ, ALBUMS_WRITE),
    ("share-links", ALBUMS_READ, ALBUMS_WRITE),
    ("tenants", ADMIN, ADMIN),
    ("invitations", ADMIN, ADMIN),
    ("tokens", ADMIN, ADMIN),
    ("audit", ADMIN, ADMIN),
    ("webhooks", ADMIN, ADMIN),
)
API_PREFIX = "/api/v1/"


def effective(scopes: list[str] | None) -> set[str]:
    granted = set(scopes or [])
    for scope in list(granted):
        granted |= IMPLIED.get(scope, set())
    return granted


def required_scope(*, method: str, path: str, view: Any = None) -> str | None:
    """The scope this request needs; ``""`` for none, ``None`` when no rule covers it."""
    declared = getattr(view, "required_scopes", None)
    if isinstance(declared, str):
        return declared
    if isinstance(declared, dict) and method.upper() in declared:
        return str(declared[method.upper()])
    if not path.startswith(API_PREFIX):
        return None
    segment = path[len(API_PREFIX) :].split("/", 1)[0]
    for name, read, write in RULES:
        if segment == name:
            return read if method.upper() in SAFE_METHODS else write
    return None


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
