from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import password_changed, password_reset, password_set, user_signed_up
from allauth.account.signals import user_logged_in as allauth_user_logged_in
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from lumina.core.errors import LuminaError
from lumina.core.net import client_ip

from . import audit, services
from .models import User
from .tenancy import SESSION_KEY

INVITATION_SESSION_KEY = "lumina_invitation"


@receiver(post_save, sender=User, dispatch_uid="accounts_personal_tenant")
def give_personal_tenant(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    """Every user gets a personal workspace, however they were made (sign-up, admin,
    createsuperuser, import)."""
    if created and not kwargs.get("raw"):
        services.tenant_create_personal(user=instance)


@receiver(user_signed_up, dispatch_uid="accounts_accept_invitation_on_signup")
def accept_pending_invitation(request: HttpRequest, user: User, **kwargs: Any) -> None:
    token = request.session.pop(INVITATION_SESSION_KEY, None) if request else None
    if not token:
        return
    try:
        membership = services.invitation_accept(user=user, token=token)
    except LuminaError:
        return
    # The invitation link reached this address: that proves the address.
    with transaction.atomic():
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    request.session[SESSION_KEY] = membership.tenant_id


# --- security events ---------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="accounts_security_on_login")
def on_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Decide what the session must do first (2FA, enrolment, password), note the
    device (mail on a new one) and audit the sign-in."""
    if request is None or not hasattr(request, "session"):
        return
    from . import gate

    gate.store(request, user)
    ip = client_ip(request) if request.META else ""
    agent = request.META.get("HTTP_USER_AGENT", "")
    services.device_seen(user=user, ip=ip, user_agent=agent)
    audit.record(audit.SIGNIN, actor=user, ip=ip or None)


@receiver(user_login_failed, dispatch_uid="accounts_audit_failed_login")
def on_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    from .lockout import BEARER, username_from

    name = username_from(request, credentials)
    if not name or name.startswith(BEARER) or sender == "lumina.otp":
        return  # token guesses and wrong codes are counted, and audited where they happen
    found = User.objects.filter(email__iexact=name).first()
    if found is not None:
        audit.record(
            audit.SIGNIN_FAILED, actor=found, ip=(client_ip(request) or None) if request else None
        )


@receiver(user_locked_out, dispatch_uid="accounts_audit_lockout")
def on_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    found = User.objects.filter(email__iexact=username).first() if username else None
    if found is not None:
        audit.record(audit.LOCKOUT, actor=found, ip=ip_address)


@receiver(password_changed, dispatch_uid="accounts_password_changed")
@receiver(password_reset, dispatch_uid="accounts_password_reset")
@receiver(password_set, dispatch_uid="accounts_password_set")
def on_password_changed(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    from . import gate

    if request is not None and hasattr(request, "session"):
        gate.clear(request, "pw")
    audit.record(audit.PASSWORD_CHANGED, actor=user, request=request)


@receiver(allauth_user_logged_in, dispatch_uid="accounts_sso_roles")
def on_allauth_signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is None or sociallogin.account.provider != settings.LUMINA_OIDC_PROVIDER_ID:
        return
    from . import sso

    sso.apply_roles(user=user, extra_data=sociallogin.account.extra_data or {}, request=request)
