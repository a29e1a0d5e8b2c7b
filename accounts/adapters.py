from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lumina.core.errors import LuminaError

from .models import Invitation
from .signals import INVITATION_SESSION_KEY


def pending_invitation(request: HttpRequest | None) -> Invitation | None:
    """The invitation whose link this session opened, while it is still pending
    (not withdrawn, expired or accepted)."""
    from . import services

    session = getattr(request, "session", None)
    token = session.get(INVITATION_SESSION_KEY) if session is not None else None
    if not token:
        return None
    try:
        return services.invitation_by_token(token=str(token))
    except LuminaError:
        return None


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Closed unless LUMINA_SIGNUP_OPEN, except for someone holding an invitation
        that is still pending (checked on every request, the form's post included)."""
        if settings.LUMINA_SIGNUP_OPEN:
            return True
        return pending_invitation(request) is not None

    def clean_email(self, email: str) -> str:
        """On a closed site an invitation opens sign-up for its own address only.
        (allauth cleans addresses in other forms too: adding an address while signed
        in, SSO; only the sign-up form is the invitation's business.)"""
        email = super().clean_email(email)
        request = getattr(self, "request", None)
        match = getattr(request, "resolver_match", None)
        if settings.LUMINA_SIGNUP_OPEN or match is None or match.url_name != "account_signup":
            return email
        invitation = pending_invitation(request)
        if invitation is None or invitation.email.strip().lower() != email.strip().lower():
            raise forms.ValidationError(
                _("Sign-up is by invitation: use the address the invitation was sent to.")
            )
        return email
