from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def signup_open(context: dict[str, Any]) -> bool:
    """Whether this visitor may sign up: the adapter's rule (LUMINA_SIGNUP_OPEN, or a
    pending invitation), so the sign-in page never invites where sign-up is closed."""
    request = context.get("request")
    return bool(request is not None and get_adapter(request).is_open_for_signup(request))
