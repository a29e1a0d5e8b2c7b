from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The current workspace and the switcher's list, evaluated only when a template uses them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def workspaces() -> list[Any]:
        from .selectors import tenant_list

        return list(tenant_list(user=user))

    return {
        "current_tenant": getattr(request, "tenant", None),
        "workspaces": workspaces,
    }
