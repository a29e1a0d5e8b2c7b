"""Web pages of account security: two-factor set-up and the sign-in step, API tokens,
the workspace's security settings and audit log, and privacy (export, deletion).
Thin: parse, call a service or a selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lumina.core.dates import parse_when
from lumina.core.errors import LuminaError
from lumina.core.net import client_ip
from lumina.core.redirects import redirect_next, safe_next_url
from lumina.core.web import form_errors

from . import audit, gate, gdpr, lockout, otp, selectors, services
from .models import DataExport, Membership, Role, User
from .scopes import SCOPES
from .tenancy import request_membership, request_user


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _safe_next(request: HttpRequest) -> str:
    return safe_next_url(request)


def _next(request: HttpRequest, default: str = "home") -> HttpResponse:
    return redirect_next(request, default)


@login_required
def security_home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    context = {
        "has_2fa": otp.has_two_factor(user),
        "required_2fa": otp.required_for(user),
        "devices": user.known_devices.order_by("-last_seen")[:20],
    }
    return render(request, "accounts/security/home.html", context)


# --- two-factor ---------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if otp.has_two_factor(user) and request.method == "GET":
        return redirect("security")
    device = otp.totp_begin(user=user)
    error = None
    if request.method == "POST":
        try:
            codes = otp.totp_confirm(user=user, code=request.POST.get("code", ""), request=request)
        except LuminaError as exc:  # the set-up page again (same secret, same QR), with why
            error = exc.message
        else:
            gate.set_flag(request, "otp", True)
            gate.clear(request, "enrol")
            messages.success(request, _("Two-factor authentication is on."))
            return _no_store(
                render(
                    request,
                    "accounts/security/recovery_codes.html",
                    {"codes": codes, "next": _safe_next(request)},
                )
            )
    context = {
        "qr_svg": otp.qr_svg(device),
        "secret": otp.secret_base32(device),
        "error": error,
        "next": _safe_next(request),
        "required": gate.flags(request).get("enrol"),
    }
    return _no_store(render(request, "accounts/security/setup.html", context))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.user.is_verified() or not gate.flags(request).get("otp"):  # type: ignore[union-attr]
        return _next(request)
    if lockout.is_locked(request, user.email):
        response = lockout.lockout_response(request, None, {"username": user.email})
        logout(request)
        return response
    error = None
    if request.method == "POST":
        try:
            otp.otp_verify(request=request, user=user, code=request.POST.get("code", ""))
        except LuminaError as exc:  # a lockout signs out; else the form again, at 400
            if getattr(request, "axes_locked_out", False) or lockout.is_locked(request, user.email):
                response = lockout.lockout_response(request, None, {"username": user.email})
                request.axes_locked_out = False  # type: ignore[attr-defined]
                logout(request)
                return response
            error = exc.message
        else:
            return _next(request)
    return render(
        request,
        "accounts/security/verify.html",
        {"error": error, "next": _safe_next(request)},
        status=400 if error else 200,
    )


@never_cache
@login_required
@require_POST
@form_errors("security")
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = otp.recovery_codes_regenerate(
        user=request_user(request), code=request.POST.get("code", ""), request=request
    )
    return _no_store(render(request, "accounts/security/recovery_codes.html", {"codes": codes}))


@login_required
@require_POST
@form_errors("security")
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    otp.otp_disable(user=request_user(request), code=request.POST.get("code", ""), request=request)
    gate.clear(request, "otp")
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("security")


# --- API tokens ---------------------------------------------------------------------


@never_cache
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    membership = request_membership(request)
    created_raw = None
    if request.method == "POST" and membership is not None:
        try:
            if request.POST.get("action") == "revoke":
                token = selectors.api_token_get(user=user, token_id=request.POST.get("token", ""))
                services.api_token_revoke(user=user, token=token)
                messages.success(request, _("Token revoked."))
                return redirect("security-tokens")
            _token, created_raw = services.api_token_create(
                user=user,
                tenant=membership.tenant,
                name=request.POST.get("name", ""),
                scopes=request.POST.getlist("scopes"),
                expires_at=parse_when(
                    request.POST.get("expires_at", ""),
                    "expires_at",
                    end_of_day=True,
                    message=_("Use a date like 2030-12-31."),
                ),
            )
        # Rendered, not redirected, either way: a new token is shown once, on this page.
        except LuminaError as exc:
            messages.error(request, exc.message)
    context = {
        "tokens": selectors.api_token_list(user=user),
        "scopes": SCOPES,
        "created_raw": created_raw,
        "membership": membership,
    }
    return _no_store(render(request, "accounts/security/tokens.html", context))


# --- workspace security and audit ----------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [p.strip() for p in text.replace(",", "\n").splitlines() if p.strip()]


@form_errors("security-workspace")
def _workspace_security_save(request: HttpRequest, membership: Membership) -> HttpResponse:
    services.tenant_security_update(
        membership=membership,
        require_2fa=request.POST.get("require_2fa") == "on",
        ip_allowlist=_lines(request.POST.get("ip_allowlist", "")),
        ip_blocklist=_lines(request.POST.get("ip_blocklist", "")),
        current_ip=client_ip(request),
    )
    messages.success(request, _("Workspace security settings saved."))
    return redirect("security-workspace")


@login_required
def workspace_security(request: HttpRequest) -> HttpResponse:
    membership = request_membership(request)
    if membership is None:
        return redirect("home")
    if request.method == "POST":
        return _workspace_security_save(request, membership)
    conf = membership.tenant.settings or {}
    context = {
        "membership": membership,
        "is_owner": membership.role == Role.OWNER,
        "require_2fa": bool(conf.get("require_2fa")),
        "ip_allowlist": "\n".join(conf.get("ip_allowlist") or []),
        "ip_blocklist": "\n".join(conf.get("ip_blocklist") or []),
        "your_ip": client_ip(request),
    }
    return render(request, "accounts/security/workspace.html", context)


AUDIT_PAGE_SIZE = 50


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The workspace's trail as sentences, 50 a page; ``?format=csv|json`` exports it
    whole with the raw detail (both withhold other members' private image titles)."""
    membership = request_membership(request)
    if membership is None:
        return redirect("home")
    try:
        entries = audit.audit_list(membership=membership)
    except LuminaError as exc:  # the audit page itself says why, at 403
        return render(request, "accounts/security/audit.html", {"error": exc.message}, status=403)
    viewer = membership.user
    fmt = request.GET.get("format", "")
    if fmt in audit.FORMATS:
        formatter, content_type = audit.FORMATS[fmt]
        audit.record(
            audit.AUDIT_EXPORTED,
            actor=viewer,
            target=membership.tenant,
            tenant_id=membership.tenant_id,
            request=request,
            data={"format": fmt},
        )
        response = HttpResponse(
            formatter(entries.iterator(), viewer=viewer), content_type=content_type
        )
        name = f"audit-{membership.tenant.slug}-{timezone.now():%Y%m%d}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return _no_store(response)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    lines = [audit.as_line(e, viewer=viewer) for e in page.object_list]
    return _no_store(
        render(request, "accounts/security/audit.html", {"lines": lines, "page": page})
    )


# --- privacy ------------------------------------------------------------------------


@form_errors("security-privacy")
def _privacy_action(request: HttpRequest, user: User) -> HttpResponse:
    action = request.POST.get("action")
    if action == "export":
        gdpr.data_export_request(user=user, ip=client_ip(request))
        messages.success(
            request, _("Your export is being prepared; we e-mail you when it is ready.")
        )
    elif action == "delete":
        plan = {
            k.removeprefix("plan-"): str(v)
            for k, v in request.POST.items()
            if k.startswith("plan-")
        }
        if request.POST.get("confirm", "").strip().lower() != user.email:
            raise LuminaError(_("Type your e-mail address to confirm."), code="invalid")
        gdpr.account_deletion_request(
            user=user,
            password=request.POST.get("password"),
            plan=plan,
            ip=client_ip(request),
        )
        messages.success(request, _("Your account is scheduled for deletion."))
    elif action == "cancel":
        gdpr.account_deletion_cancel(user=user, ip=client_ip(request))
        messages.success(request, _("The deletion is cancelled."))
    return redirect("security-privacy")


@never_cache
@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        return _privacy_action(request, user)
    context: dict[str, Any] = {
        "exports": selectors.data_export_list(user=user)[:10],
        "deletion": selectors.account_deletion_get(user=user),
        "sole_owned": selectors.sole_owned_tenants(user=user),
        "has_password": user.has_usable_password(),
    }
    return render(request, "accounts/security/privacy.html", context)


@never_cache
@login_required
def export_download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    user = request_user(request)
    export = selectors.data_export_get(user=user, export_id=export_id)  # else the 404 page
    return _export_file(request, user, export)


@form_errors("security-privacy")  # not ready, or expired: said on the privacy page
def _export_file(request: HttpRequest, user: User, export: DataExport) -> HttpResponseBase:
    fh = gdpr.data_export_open(user=user, export=export, ip=client_ip(request))
    response = FileResponse(
        fh,
        as_attachment=True,
        filename=f"lumina-export-{export.pk}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response
