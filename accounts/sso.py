"""Single sign-on through allauth's OpenID Connect provider (``LUMINA_OIDC_*``).

After each SSO sign-in the role claim (``LUMINA_OIDC_ROLE_CLAIM``, a string or a list)
is mapped through ``LUMINA_OIDC_ROLE_MAP`` (claim value → ``owner``/``admin``/
``editor``/``viewer`` or ``staff``): the highest workspace role found becomes the
user's role in ``LUMINA_OIDC_WORKSPACE``; ``staff`` opens the operator console. The
provider stays the source of truth: a value that disappears takes the role away again
(but never the workspace's last owner, and never a superuser's staff flag).
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from . import audit, services
from .models import ROLE_RANK, Role, Tenant, User

logger = logging.getLogger(__name__)
STAFF = "staff"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return bool(settings.LUMINA_OIDC_ALLOW_SIGNUP)


def claim_values(extra_data: dict[str, Any], claim: str) -> list[str]:
    for source in (extra_data.get("userinfo") or {}, extra_data.get("id_token") or {}, extra_data):
        if isinstance(source, dict) and claim in source:
            value = source[claim]
            if isinstance(value, str):
                return [v for v in value.replace(",", " ").split() if v]
            if isinstance(value, list | tuple):
                return [str(v) for v in value]
    return []


def mapped_roles(values: list[str]) -> tuple[str | None, bool]:
    """(highest workspace role or None, staff?) for the claim's values."""
    mapping = {str(k): str(v).strip().lower() for k, v in settings.LUMINA_OIDC_ROLE_MAP.items()}
    roles = [mapping[v] for v in values if v in mapping]
    workspace_roles = [r for r in roles if r in Role.values]
    best = max(workspace_roles, key=lambda r: ROLE_RANK[Role(r)]) if workspace_roles else None
    return best, STAFF in roles


@transaction.atomic
def apply_roles(*, user: User, extra_data: dict[str, Any], request: HttpRequest | None) -> None:
    claim = settings.LUMINA_OIDC_ROLE_CLAIM
    if not claim:
        return
    role, staff = mapped_roles(claim_values(extra_data, claim))
    if not user.is_superuser and user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    slug = settings.LUMINA_OIDC_WORKSPACE
    tenant = Tenant.objects.filter(slug=slug).first() if slug else None
    if tenant is None:
        if slug:
            logger.warning("LUMINA_OIDC_WORKSPACE %r does not exist", slug)
        return
    services.membership_sync_sso(user=user, tenant=tenant, role=role)
    audit.record(
        audit.SSO_SIGNIN,
        actor=user,
        request=request,
        tenant_id=tenant.pk,
        data={"role": role, "staff": staff},
    )
