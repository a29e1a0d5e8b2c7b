from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from .signals import INVITATION_SESSION_KEY


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Closed unless LUMINA_SIGNUP_OPEN, except for someone holding an invitation."""
        if settings.LUMINA_SIGNUP_OPEN:
            return True
        return bool(request.session.get(INVITATION_SESSION_KEY)) if request else False
