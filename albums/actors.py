"""The ``Actor`` of a request (user, current workspace, whether shares from elsewhere
count)."""

from __future__ import annotations

from typing import Any

from accounts.models import ApiToken
from accounts.tenancy import request_membership, request_user
from lumina.core.net import client_ip

from .selectors import Actor


def actor_for(request: Any) -> Actor:
    """Workspace-bound API tokens do not reach albums shared from other workspaces:
    a token acts within its own workspace only."""
    token = getattr(request, "auth", None)
    return Actor(
        user=request_user(request),
        membership=request_membership(request),
        shared=not isinstance(token, ApiToken),
        ip=client_ip(getattr(request, "_request", request)),
    )
