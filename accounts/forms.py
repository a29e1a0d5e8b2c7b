"""Forms that replace allauth's where Lumina needs more than its settings give."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.core.validators import MaxLengthValidator

# An e-mail address fits 254 characters (RFC 5321); usernames are shorter. The lockout
# stores the login in a 255-character column, so a longer one must never reach it.
LOGIN_MAX_LENGTH = 254
# Long enough for any passphrase or password manager; short enough that hashing a
# posted megabyte is not a way to burn CPU.
PASSWORD_MAX_LENGTH = 4096


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form with bounded fields: an overlong login or password is a
    form error before anything authenticates, counts or stores it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, limit in (("login", LOGIN_MAX_LENGTH), ("password", PASSWORD_MAX_LENGTH)):
            field = self.fields.get(name)
            if field is None:
                continue
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
            field.widget.attrs["maxlength"] = str(limit)
