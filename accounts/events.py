"""Events of workspaces, members and users (the catalogue: docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass

from lumina.core.events import Event


@dataclass(frozen=True, kw_only=True)
class TenantCreated(Event):
    name = "tenant.created"
    version = 1
    description = "A workspace was created (a personal one at sign-up, or a team one)."

    tenant_id: int
    owner_id: int


@dataclass(frozen=True, kw_only=True)
class TenantDeleted(Event):
    name = "tenant.deleted"
    version = 1
    description = (
        "A workspace was deleted with its rows (its sole owner's account was deleted); "
        "its files are still to be removed."
    )

    tenant_id: int


@dataclass(frozen=True, kw_only=True)
class MemberInvited(Event):
    name = "member.invited"
    version = 1
    description = "An admin invited someone to a workspace by email."

    tenant_id: int
    invitation_id: int


@dataclass(frozen=True, kw_only=True)
class MemberAdded(Event):
    name = "member.added"
    version = 1
    description = "A user joined a workspace (an invitation accepted, or single sign-on)."

    tenant_id: int
    user_id: int
    role: str


@dataclass(frozen=True, kw_only=True)
class MemberRoleChanged(Event):
    name = "member.role_changed"
    version = 1
    description = (
        "A member's role changed (by an admin, single sign-on, or an owner's account "
        "deletion handing the workspace over)."
    )

    tenant_id: int
    user_id: int
    old_role: str
    new_role: str
    actor_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class MemberRemoved(Event):
    name = "member.removed"
    version = 1
    description = "A member left, was removed by an admin, or lost access through single sign-on."

    tenant_id: int
    user_id: int


@dataclass(frozen=True, kw_only=True)
class UserDeleted(Event):
    name = "user.deleted"
    version = 1
    description = "A user account was deleted (after its grace period), with its memberships."

    user_id: int
