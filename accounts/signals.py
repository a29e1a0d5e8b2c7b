from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import user_signed_up
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from lumina.core.errors import LuminaError

from . import services
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
