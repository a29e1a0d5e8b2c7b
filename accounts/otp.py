"""Two-factor authentication with django-otp: one TOTP app per user and ten single-use
recovery codes. Every write here is a service (keyword-only, atomic, audited)."""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lumina.core.errors import LuminaError, ValidationFailed

from . import audit, lockout
from .models import Membership, User

PENDING_NAME = "pending"
APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class InvalidCode(LuminaError):
    code = "invalid_otp"
    status = 400
    default_message = "That code is not valid. Check your app's clock and try again."


class TwoFactorRequired(LuminaError):
    code = "two_factor_required"
    status = 409
    default_message = "A workspace you belong to requires two-factor authentication."


def has_two_factor(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def required_for(user: User) -> bool:
    """Whether any workspace of the user requires 2FA (Tenant.settings["require_2fa"])."""
    return Membership.objects.filter(user=user, tenant__settings__require_2fa=True).exists()


@transaction.atomic
def totp_begin(*, user: User) -> TOTPDevice:
    """The unconfirmed device of an enrolment in progress (made once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=PENDING_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name=PENDING_NAME)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The shared secret for manual entry in an authenticator app."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG (drawn here: no third party sees the secret)."""
    image = qrcode.make(
        provisioning_uri(device), image_factory=qrcode.image.svg.SvgPathImage, box_size=8
    )
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    for _ in range(settings.LUMINA_RECOVERY_CODES):
        token = StaticToken.random_token()
        device.token_set.create(token=token)
        codes.append(token)
    return codes


@transaction.atomic
def totp_confirm(*, user: User, code: str, request: HttpRequest | None = None) -> list[str]:
    """Confirm enrolment with a code from the app; returns the recovery codes (shown once)."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False, name=PENDING_NAME)
        .first()
    )
    if device is None:
        raise ValidationFailed("Start the set-up again.", code="otp_not_started")
    if not device.verify_token(_clean(code)):
        raise InvalidCode()
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.name = APP_NAME
    device.save(update_fields=["confirmed", "name"])
    codes = _new_recovery_codes(user)
    if request is not None:
        otp_login(request, device)
    audit.record(audit.OTP_ENABLED, actor=user, request=request)
    return codes


def _match(user: User, code: str) -> Device | None:
    code = _clean(code)
    if not code:
        return None
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


@transaction.atomic
def recovery_codes_regenerate(
    *, user: User, code: str, request: HttpRequest | None = None
) -> list[str]:
    """New recovery codes (the old ones stop working); needs a current code."""
    if _match(user, code) is None:
        raise InvalidCode()
    codes = _new_recovery_codes(user)
    audit.record(audit.OTP_CODES_REGENERATED, actor=user, request=request)
    return codes


@transaction.atomic
def otp_disable(*, user: User, code: str, request: HttpRequest | None = None) -> None:
    """Turn 2FA off with a fresh code; refused while a workspace requires it."""
    if required_for(user):
        raise TwoFactorRequired()
    if _match(user, code) is None:
        raise InvalidCode()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(audit.OTP_DISABLED, actor=user, request=request)


def otp_verify(*, request: HttpRequest, user: User, code: str) -> Device:
    """The sign-in step: a TOTP code or a recovery code (used up). Failures count towards
    the same lockout as wrong passwords."""
    if lockout.is_locked(request, user.email):
        raise lockout.LockedOut()
    with transaction.atomic():
        device = _match(user, code)
    if device is None:
        audit.record(audit.OTP_FAILED, actor=user, request=request)
        lockout.record_failure(request, user.email, sender="lumina.otp")
        raise InvalidCode()
    otp_login(request, device)
    lockout.reset(request, user.email)
    if isinstance(device, StaticDevice):
        remaining = StaticToken.objects.filter(device=device).count()
        audit.record(
            audit.OTP_RECOVERY_USED, actor=user, request=request, data={"remaining": remaining}
        )
    return device
