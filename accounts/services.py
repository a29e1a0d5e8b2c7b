"""Every write to accounts, tenants and memberships goes through here."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from lumina.core import events
from lumina.core.errors import ValidationFailed
from lumina.core.text import clean_email, clean_text, single_line

from . import audit
from . import scopes as token_scopes
from .errors import (
    AlreadyMember,
    InvitationEmailMismatch,
    InvitationInvalid,
    LastOwner,
    RoleForbidden,
)
from .events import MemberAdded, MemberInvited, MemberRemoved, MemberRoleChanged, TenantCreated
from .models import (
    ApiToken,
    Invitation,
    KnownDevice,
    Membership,
    Role,
    Tenant,
    User,
    hash_token,
)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:48] or "workspace"
    slug = base
    while Tenant.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    username: str = "",
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    email_verified: bool = True,
) -> User:
    """Create a user with a verified (or not) primary e-mail and a personal workspace."""
    email = email.strip().lower()
    display_name = clean_text(display_name, field="display_name", max_length=150)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(
            "A user with this e-mail address already exists.", code="email_taken"
        )
    user = User.objects.create_user(
        email=email,
        password=password,
        username=username,
        display_name=display_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": email_verified, "primary": True}
    )
    audit.record("user.created", target=user, data={"staff": is_staff})
    return user


@transaction.atomic
def tenant_create(*, name: str, owner: User, personal: bool = False) -> Tenant:
    if personal:
        # Made from the user's name, which may predate the text rule: cleaned, not refused.
        name = single_line(name, max_length=120)
    name = clean_text(name, field="name", max_length=120, required=True, label="Workspace name")
    tenant = Tenant.objects.create(
        name=name,
        slug=_unique_slug(name),
        personal=personal,
        quota_bytes=settings.LUMINA_DEFAULT_QUOTA_BYTES,
    )
    Membership.objects.create(user=owner, tenant=tenant, role=Role.OWNER)
    audit.record("workspace.created", actor=owner, target=tenant, tenant=tenant)
    events.emit(TenantCreated(tenant_id=tenant.pk, owner_id=owner.pk))
    return tenant


def tenant_create_personal(*, user: User) -> Tenant:
    if Membership.objects.filter(user=user, tenant__personal=True, role=Role.OWNER).exists():
        return Tenant.objects.get(
            memberships__user=user, personal=True, memberships__role=Role.OWNER
        )
    label = user.display_name or user.username or user.email.split("@")[0]
    return tenant_create(name=f"{label}'s photos", owner=user, personal=True)


def _require(membership: Membership, role: str) -> None:
    if not membership.at_least(role):
        raise RoleForbidden()


@transaction.atomic
def tenant_update(*, membership: Membership, name: str) -> Tenant:
    _require(membership, Role.ADMIN)
    tenant = membership.tenant
    before = audit.snapshot(tenant, "name")
    tenant.name = clean_text(
        name, field="name", max_length=120, required=True, label="Workspace name"
    )
    tenant.save(update_fields=["name", "updated_at"])
    audit.record(
        "workspace.renamed",
        actor=membership.user,
        target=tenant,
        tenant=tenant,
        changes=audit.diff(before, tenant),
    )
    return tenant


@transaction.atomic
def invitation_create(
    *, membership: Membership, email: str, role: str, base_url: str = ""
) -> tuple[Invitation, str]:
    """Invite ``email`` with ``role``; send the link by e-mail. Returns the invitation
    and the raw token (only ever shown in the e-mail)."""
    _require(membership, Role.ADMIN)
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", details={"field": "role"})
    if role == Role.OWNER and membership.role != Role.OWNER:
        raise RoleForbidden("Only owners can invite owners.")
    email = clean_email(email)
    tenant = membership.tenant
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise AlreadyMember()
    # A new invitation replaces any pending one for the same address.
    Invitation.objects.pending().filter(tenant=tenant, email__iexact=email).update(
        revoked_at=timezone.now()
    )
    raw = Invitation.new_token()
    invitation = Invitation.objects.create(
        tenant=tenant,
        email=email,
        role=role,
        token_hash=hash_token(raw),
        invited_by=membership.user,
        expires_at=timezone.now() + timedelta(days=settings.LUMINA_INVITATION_DAYS),
    )
    link = f"{base_url.rstrip('/')}/invitations/{raw}/"
    context = {"invitation": invitation, "link": link, "inviter": membership.user}
    transaction.on_commit(
        lambda: send_mail(
            subject=f"[Lumina Host] You are invited to {single_line(tenant.name)}",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    )
    audit.record(
        "invitation.created",
        actor=membership.user,
        target=invitation,
        tenant=tenant,
        data={"role": role},
    )
    events.emit(MemberInvited(tenant_id=tenant.pk, invitation_id=invitation.pk))
    return invitation, raw


def invitation_by_token(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.pending()
        .select_related("tenant")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationInvalid()
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, token: str) -> Membership:
    invitation = invitation_by_token(token=token)
    if invitation.email.lower() != user.email.lower():
        raise InvitationEmailMismatch()
    membership, created = Membership.objects.get_or_create(
        user=user, tenant=invitation.tenant, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        "invitation.accepted",
        actor=user,
        target=membership,
        tenant=invitation.tenant_id,
        data={"role": membership.role},
    )
    if created:
        events.emit(
            MemberAdded(tenant_id=invitation.tenant_id, user_id=user.pk, role=membership.role)
        )
    return membership


@transaction.atomic
def invitation_revoke(*, membership: Membership, invitation: Invitation) -> Invitation:
    _require(membership, Role.ADMIN)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        "invitation.revoked",
        actor=membership.user,
        target=invitation,
        tenant=invitation.tenant_id,
    )
    return invitation


# --- memberships ---------------------------------------------------------------------
#
# Members change memberships through ``membership_change_role`` and ``membership_remove``
# (their role is checked). Two system paths change them without an acting member, each
# for one narrow purpose and called only from its module (a test keeps views and the API
# away from them): ``membership_sync_sso`` (accounts.sso: the identity provider is the
# authority) and ``membership_hand_over`` (accounts.gdpr: a deletion the owner asked
# for). All of them go through the helpers below: one lock, one event shape.


def _lock_owners(tenant_id: int, *, also: int | None = None) -> list[Membership]:
    """Lock the workspace's owner rows (and membership ``also``) in primary-key order.

    Every membership change takes this lock before it looks at the owners, so two
    concurrent changes queue and the second sees what the first did, instead of both
    passing the last-owner check; one order for everyone means no deadlock."""
    rows = Q(tenant_id=tenant_id, role=Role.OWNER)
    if also is not None:
        rows |= Q(pk=also)
    return list(Membership.objects.select_for_update().filter(rows).order_by("pk"))


def _other_owners_exist(membership: Membership) -> bool:
    """Under the owners' lock: whether someone else owns the workspace. Refreshes
    ``membership.role`` from the locked row (it may have changed meanwhile)."""
    others = False
    for row in _lock_owners(membership.tenant_id, also=membership.pk):
        if row.pk == membership.pk:
            membership.role = row.role
        elif row.role == Role.OWNER:
            others = True
    return others


def _role_set(
    membership: Membership,
    role: str,
    *,
    actor: User,
    verb: str = "member.role_changed",
    data: dict[str, str] | None = None,
) -> Membership:
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(
        verb,
        actor=actor,
        target=membership,
        tenant=membership.tenant_id,
        changes={"role": [old, role]},
        data=data,
    )
    events.emit(
        MemberRoleChanged(
            tenant_id=membership.tenant_id,
            user_id=membership.user_id,
            old_role=old,
            new_role=role,
            actor_id=actor.pk,
        )
    )
    return membership


def _member_add(*, user: User, tenant: Tenant, role: str, actor: User, verb: str) -> Membership:
    membership = Membership.objects.create(user=user, tenant=tenant, role=role)
    audit.record(verb, actor=actor, target=membership, tenant=tenant.pk, data={"role": role})
    events.emit(MemberAdded(tenant_id=tenant.pk, user_id=user.pk, role=role))
    return membership


def _member_delete(membership: Membership, *, actor: User, verb: str) -> None:
    audit.record(verb, actor=actor, target=membership, tenant=membership.tenant_id)
    membership.delete()
    # The deleted instance keeps its field values (only the primary key is cleared).
    events.emit(MemberRemoved(tenant_id=membership.tenant_id, user_id=membership.user_id))


@transaction.atomic
def membership_change_role(*, membership: Membership, target: Membership, role: str) -> Membership:
    """Owners may change any role; admins may change editors and viewers (and make
    admins) but never touch an owner nor make one. The last owner stays an owner."""
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", details={"field": "role"})
    _require(membership, Role.ADMIN)
    others = _other_owners_exist(target)
    is_owner_actor = membership.role == Role.OWNER
    if (target.role == Role.OWNER or role == Role.OWNER) and not is_owner_actor:
        raise RoleForbidden("Only owners can change owners or make new ones.")
    if target.role == Role.OWNER and role != Role.OWNER and not others:
        raise LastOwner()
    return _role_set(target, role, actor=membership.user)


@transaction.atomic
def membership_remove(*, membership: Membership, target: Membership) -> None:
    """Leave (``target`` is your own membership) or remove someone (admins; owners only
    by owners)."""
    leaving = target.pk == membership.pk
    if not leaving:
        _require(membership, Role.ADMIN)
    others = _other_owners_exist(target)
    if not leaving and target.role == Role.OWNER and membership.role != Role.OWNER:
        raise RoleForbidden("Only owners can remove owners.")
    if target.role == Role.OWNER and not others:
        raise LastOwner()
    _member_delete(
        target,
        actor=membership.user,
        verb="member.left" if leaving else "member.removed",
    )


# The operator console (accounts/admin.py actions only): roles one step at a time.
_ROLES_UP = [Role.VIEWER, Role.EDITOR, Role.ADMIN, Role.OWNER]


@transaction.atomic
def membership_operator_step(*, operator: User, targets: Sequence[Membership], step: int) -> int:
    """The operator console (``accounts.admin`` only): move each member one role up
    (``step=1``) or down (``step=-1``), under the owners' lock like every membership
    change. A workspace's last owner stays an owner: ``LastOwner`` and nothing changes.
    Returns how many roles changed (a member already at the top or bottom is left)."""
    changed = 0
    for target in targets:
        others = _other_owners_exist(target)
        rank = _ROLES_UP.index(Role(target.role)) + step
        if not 0 <= rank < len(_ROLES_UP):
            continue
        if target.role == Role.OWNER and not others:
            raise LastOwner()
        _role_set(target, _ROLES_UP[rank], actor=operator)
        changed += 1
    return changed


@transaction.atomic
def membership_operator_remove(*, operator: User, targets: Sequence[Membership]) -> int:
    """The operator console (``accounts.admin`` only): take members out of their
    workspaces, as ``membership_remove`` does; the last owner stays (``LastOwner``,
    nothing removed)."""
    for target in targets:
        others = _other_owners_exist(target)  # locks, and refreshes target.role
        if target.role == Role.OWNER and not others:
            raise LastOwner()
        _member_delete(target, actor=operator, verb="member.removed")
    return len(targets)


@transaction.atomic
def membership_sync_sso(*, user: User, tenant: Tenant, role: str | None) -> Membership | None:
    """Single sign-on (``accounts.sso`` only): give ``user`` the role the provider's
    claim maps to in ``tenant``; ``None`` takes the membership away. The workspace's
    last owner stays an owner (silently: a sign-in does not fail over it). Returns the
    membership, or None when there is none."""
    membership = Membership.objects.filter(user=user, tenant=tenant).first()
    if membership is None:
        if role is None:
            return None
        return _member_add(user=user, tenant=tenant, role=role, actor=user, verb="member.sso_added")
    others = _other_owners_exist(membership)
    if membership.role == role or (membership.role == Role.OWNER and not others):
        return membership
    if role is None:
        _member_delete(membership, actor=user, verb="member.sso_removed")
        return None
    return _role_set(membership, role, actor=user, verb="member.sso_role_changed")


@transaction.atomic
def membership_hand_over(*, leaving: User, tenant: Tenant, heir_user_id: int | None) -> bool:
    """Account deletion (``accounts.gdpr`` only): ``leaving`` goes; unless someone else
    owns ``tenant`` already, the member ``heir_user_id`` becomes its owner. Returns
    whether the workspace keeps an owner; False (deletion was chosen, or the heir left
    meanwhile) leaves the workspace to the caller to delete."""
    heir_pk = (
        Membership.objects.filter(tenant=tenant, user_id=heir_user_id)
        .values_list("pk", flat=True)
        .first()
        if heir_user_id is not None
        else None
    )
    rows = _lock_owners(tenant.pk, also=heir_pk)
    if any(row.role == Role.OWNER and row.user_id != leaving.pk for row in rows):
        return True  # someone else became an owner meanwhile: nothing to decide
    heir = next((row for row in rows if row.pk == heir_pk), None)
    if heir is None:
        return False
    _role_set(heir, Role.OWNER, actor=leaving, data={"reason": "account deletion"})
    return True


@transaction.atomic
def api_token_create(
    *,
    user: User,
    tenant: Tenant,
    name: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    actor_token: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and only its hash is kept.

    ``scopes=None`` grants every scope (operators and scripts); the page and the API
    ask for an explicit list. Scopes narrow what the user's role allows, never widen
    it. A token creating a token cannot grant more than it has, nor for another
    workspace.
    """
    name = clean_text(name, field="name", max_length=100, label="Token name")
    if not Membership.objects.filter(user=user, tenant=tenant).exists():
        raise RoleForbidden("You are not a member of this workspace.")
    chosen = list(token_scopes.SCOPES) if scopes is None else token_scopes.validate(scopes)
    if actor_token is not None:
        if actor_token.tenant_id != tenant.pk:
            raise RoleForbidden("A token can only create tokens for its own workspace.")
        beyond = set(chosen) - token_scopes.effective(actor_token.scopes)
        if beyond:
            raise RoleForbidden(
                "A token cannot grant scopes it does not have.",
                details={"scopes": sorted(beyond)},
            )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed("The expiry must be in the future.", details={"field": "expires_at"})
    raw = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        tenant=tenant,
        name=name.strip()[:100] or "token",
        token_hash=hash_token(raw),
        public_prefix=raw[: len(ApiToken.PREFIX) + 6],
        scopes=chosen,
        expires_at=expires_at,
    )
    audit.record(
        audit.TOKEN_CREATED,
        actor=user,
        target=token,
        tenant_id=tenant.pk,
        data={"name": token.name, "prefix": token.public_prefix, "scopes": chosen},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens (the selector only hands out those)."""
    if token.user_id != user.pk:
        raise RoleForbidden()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            audit.TOKEN_REVOKED,
            actor=user,
            target=token,
            tenant_id=token.tenant_id,
            data={"name": token.name, "prefix": token.public_prefix},
        )
    return token


def api_token_touch(*, token: ApiToken, ip: str | None) -> None:
    """Record use, at most once a minute per token to keep writes off the hot path; a
    use from an address the token has not used last is an audit entry."""
    now = timezone.now()
    if (
        token.last_used_at
        and (now - token.last_used_at) < timedelta(minutes=1)
        and (token.last_used_ip == ip)
    ):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip or None)
    if ip and token.last_used_ip != ip:
        audit.record(
            audit.TOKEN_NEW_IP,
            actor=token.user,
            target=token,
            tenant_id=token.tenant_id,
            ip=ip,
            data={"prefix": token.public_prefix, "previous_ip": token.last_used_ip},
        )
    token.last_used_at = now
    token.last_used_ip = ip or None


def ensure_operator(*, email: str, password: str) -> tuple[User, bool]:
    """Create the first operator account when no staff user exists. Returns (user, created)."""
    existing = User.objects.filter(is_staff=True, is_superuser=True).order_by("pk").first()
    if existing is not None:
        return existing, False
    user = user_create(
        email=email, password=password, username="admin", is_staff=True, is_superuser=True
    )
    return user, True


@transaction.atomic
def invitations_purge(*, older_than_days: int) -> int:
    cutoff = timezone.now() - timedelta(days=older_than_days)
    ended = Q(expires_at__lt=cutoff) | Q(accepted_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    deleted, _ = Invitation.objects.filter(ended).delete()
    if deleted:
        audit.record("invitations.purged", data={"count": deleted})
    return deleted


# --- sign-in devices -----------------------------------------------------------------


def device_fingerprint(*, ip: str, user_agent: str) -> str:
    return hashlib.sha256(f"{user_agent.strip()}|{ip}".encode()).hexdigest()


@transaction.atomic
def device_seen(*, user: User, ip: str, user_agent: str) -> tuple[KnownDevice, bool]:
    """Note a sign-in from this browser and IP; returns (device, new). The first device
    of a user is not "new" (there is nothing to compare with). A new one gets an e-mail
    to the user and an audit entry."""
    fingerprint = device_fingerprint(ip=ip, user_agent=user_agent)
    now = timezone.now()
    had_any = KnownDevice.objects.filter(user=user).exists()
    device, created = KnownDevice.objects.get_or_create(
        user=user,
        fingerprint=fingerprint,
        defaults={"ip": ip or None, "user_agent": user_agent[:300], "first_seen": now},
    )
    if not created:
        KnownDevice.objects.filter(pk=device.pk).update(last_seen=now)
        return device, False
    if not had_any:
        return device, False
    audit.record(
        audit.SIGNIN_NEW_DEVICE, actor=user, ip=ip or None, data={"user_agent": user_agent[:300]}
    )
    context = {
        "user": user,
        "ip": ip or "unknown",
        "user_agent": user_agent or "unknown",
        "when": now,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject="[Lumina Host] New sign-in to your account",
            message=render_to_string("accounts/email/new_device.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return device, True


# --- workspace security settings ---------------------------------------------------------


@transaction.atomic
def tenant_security_update(
    *,
    membership: Membership,
    require_2fa: bool,
    ip_allowlist: list[str],
    ip_blocklist: list[str],
    current_ip: str = "",
) -> Tenant:
    """Owners set the workspace's 2FA requirement and IP lists. An allow list must keep
    the owner's own address in (no locking yourself out)."""
    from lumina.core.ipfilter import ip_allowed, parse_networks

    from .ipfilter import refresh_tenants_with_rules

    if membership.role != Role.OWNER:
        raise RoleForbidden("Only owners can change the workspace's security settings.")
    lists = {"ip_allowlist": ip_allowlist, "ip_blocklist": ip_blocklist}
    for field, values in lists.items():
        try:
            networks = parse_networks(values)
        except ValueError as exc:
            raise ValidationFailed(
                f"{field}: {exc}", code="invalid_cidr", details={"field": field}
            ) from None
        lists[field] = [str(n) for n in networks]
    if current_ip and not ip_allowed(
        current_ip, allow=lists["ip_allowlist"], block=lists["ip_blocklist"]
    ):
        raise ValidationFailed(
            "These lists would lock you out: your address must stay allowed.",
            code="ip_self_lockout",
        )
    tenant = Tenant.objects.select_for_update().get(pk=membership.tenant_id)
    before = {k: tenant.settings.get(k) for k in ("require_2fa", *lists)}
    tenant.settings = {**tenant.settings, "require_2fa": bool(require_2fa), **lists}
    tenant.save(update_fields=["settings", "updated_at"])
    transaction.on_commit(refresh_tenants_with_rules)
    audit.record(
        audit.WORKSPACE_SECURITY_CHANGED,
        actor=membership.user,
        target=tenant,
        tenant_id=tenant.pk,
        data={"before": before, "after": {k: tenant.settings.get(k) for k in before}},
    )
    return tenant


@transaction.atomic
def operator_password_reset(*, email: str, password: str) -> User:
    """Give an operator (staff) account a new password: `manage.py lumina_operator`."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError as DjangoValidationError

    user = User.objects.filter(email__iexact=email.strip(), is_staff=True).first()
    if user is None:
        raise ValidationFailed("No operator account has this e-mail address.", code="not_found")
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), details={"field": "password"}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(audit.PASSWORD_CHANGED, target=user, data={"by": "manage.py lumina_operator"})
    return user
