"""Reads of accounts data. Workspace scoping lives here: a caller only ever sees
workspaces they belong to, and anything else looks missing (404)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from lumina.core.errors import NotFound

from .errors import RoleForbidden
from .models import (
    AccountDeletion,
    ApiToken,
    DataExport,
    Invitation,
    Membership,
    Role,
    Tenant,
    User,
    hash_token,
)


def tenant_list(*, user: User) -> QuerySet[Tenant]:
    role = Membership.objects.filter(tenant=OuterRef("pk"), user=user).values("role")[:1]
    # Counted in a subquery: a Count over the join that `for_user` filters on would see
    # only the caller's own membership (always 1).
    members = (
        Membership.objects.filter(tenant=OuterRef("pk"))
        .order_by()
        .values("tenant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Tenant.objects.for_user(user)
        .annotate(
            my_role=Subquery(role),
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
        )
        .order_by("-personal", "name", "id")
    )


def membership_get(*, user: User, tenant_id: int | str) -> Membership:
    """The caller's own membership in ``tenant_id``; 404 when they have none."""
    try:
        return Membership.objects.select_related("tenant", "user").get(
            user=user, tenant_id=int(tenant_id)
        )
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise NotFound("Workspace not found.") from None


def member_list(*, membership: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant_id=membership.tenant_id)
        .select_related("user")
        .order_by("created_at", "id")
    )


def member_get(*, membership: Membership, user_id: int | str) -> Membership:
    try:
        return member_list(membership=membership).get(user_id=int(user_id))
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise NotFound("Member not found.") from None


def invitation_list(*, membership: Membership) -> QuerySet[Invitation]:
    """Pending invitations, for owners and admins only (the ones who manage them): the
    API and the members page both ask here, so they cannot disagree."""
    if not membership.at_least(Role.ADMIN):
        raise RoleForbidden()
    return (
        Invitation.objects.pending()
        .filter(tenant_id=membership.tenant_id)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_get(*, membership: Membership, invitation_id: int | str) -> Invitation:
    try:
        return invitation_list(membership=membership).get(pk=int(invitation_id))
    except (Invitation.DoesNotExist, ValueError, TypeError, RoleForbidden):
        raise NotFound("Invitation not found.") from None


def default_membership(*, user: User) -> Membership | None:
    """The workspace a user lands in: their personal one, else the oldest."""
    return (
        Membership.objects.select_related("tenant")
        .filter(user=user)
        .order_by("-tenant__personal", "created_at", "id")
        .first()
    )


def api_token_by_raw(*, raw: str) -> ApiToken | None:
    return (
        ApiToken.objects.usable()
        .select_related("user", "tenant")
        .filter(token_hash=hash_token(raw), user__is_active=True)
        .first()
    )


def api_token_list(*, user: User, tenant: Tenant | None = None) -> QuerySet[ApiToken]:
    """The user's own tokens (revoked ones too, newest first), optionally of one workspace."""
    tokens = ApiToken.objects.filter(user=user).select_related("tenant")
    if tenant is not None:
        tokens = tokens.filter(tenant=tenant)
    return tokens.order_by("-created_at", "-id")


def api_token_get(*, user: User, token_id: int | str) -> ApiToken:
    try:
        return api_token_list(user=user).get(pk=int(token_id))
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise NotFound("Token not found.") from None


def data_export_list(*, user: User) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user).order_by("-created_at", "-id")


def data_export_get(*, user: User, export_id: int | str) -> DataExport:
    try:
        return data_export_list(user=user).get(pk=int(export_id))
    except (DataExport.DoesNotExist, ValueError, TypeError):
        raise NotFound("Export not found.") from None


def account_deletion_get(*, user: User) -> AccountDeletion | None:
    return AccountDeletion.objects.filter(user=user).first()


def sole_owned_tenants(*, user: User) -> list[Tenant]:
    """Workspaces where the user is the only owner, with their other members prefetched."""
    owned = Tenant.objects.filter(memberships__user=user, memberships__role=Role.OWNER)
    result = []
    for tenant in owned.prefetch_related("memberships__user").order_by("name", "id"):
        owners = [m for m in tenant.memberships.all() if m.role == Role.OWNER]
        if len(owners) == 1:
            tenant.other_members = [  # type: ignore[attr-defined]
                m for m in tenant.memberships.all() if m.user_id != user.pk
            ]
            result.append(tenant)
    return result
