"""Helpers for tests of the security features (and for tests that need a session that
passed the second factor, such as the operator console)."""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code an authenticator app would show now (``offset`` steps away)."""
    key = device.bin_key
    return str(totp(key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)).zfill(
        device.digits
    )


def force_login_verified(client: Any, user: User) -> TOTPDevice:
    """Sign ``client`` in as ``user`` with a second factor already given."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def next_code(device: TOTPDevice) -> str:
    """A code for a later sign-in: as if the 30-second step had passed since the last
    code was used (django-otp refuses a step it has already seen)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return code_for(device)
