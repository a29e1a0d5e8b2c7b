"""Web pages for workspaces: home, switcher, members and invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lumina.core.errors import LuminaError
from lumina.core.web import form_errors, redirect_back

from . import selectors, services
from .errors import RoleForbidden
from .models import Invitation, Membership, Role
from .signals import INVITATION_SESSION_KEY
from .tenancy import request_user, switch_tenant


@login_required
@require_POST
@form_errors("home", referer=True)
def workspace_switch(request: HttpRequest) -> HttpResponseBase:
    membership = selectors.membership_get(
        user=request_user(request), tenant_id=request.POST.get("tenant", "")
    )
    switch_tenant(request, membership.tenant)
    messages.success(request, _("Now working in %(name)s.") % {"name": membership.tenant.name})
    return redirect_back(request, "home", referer=True)


@login_required
def members(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    if request.method == "POST":
        return _members_action(request, membership)
    context = {
        "membership": membership,
        "members": selectors.member_list(membership=membership),
        "invitations": _invitations(membership),
        "roles": Role.choices,
        "can_manage": membership.at_least(Role.ADMIN),
    }
    return render(request, "accounts/members.html", context)


def _invitations(membership: Membership) -> list[Invitation]:
    try:
        return list(selectors.invitation_list(membership=membership))
    except RoleForbidden:
        return []


@form_errors("workspace-members")
def _members_action(request: HttpRequest, membership: Membership) -> HttpResponse:
    action = request.POST.get("action")
    if action == "invite":
        services.invitation_create(
            membership=membership,
            email=request.POST.get("email", ""),
            role=request.POST.get("role", Role.VIEWER),
            base_url=request.build_absolute_uri("/"),
        )
        messages.success(request, _("Invitation sent."))
    elif action == "role":
        target = selectors.member_get(membership=membership, user_id=request.POST.get("user", ""))
        services.membership_change_role(
            membership=membership,
            target=target,
            role=request.POST.get("role", ""),
        )
        messages.success(request, _("Role changed."))
    elif action == "remove":
        target = selectors.member_get(membership=membership, user_id=request.POST.get("user", ""))
        services.membership_remove(membership=membership, target=target)
        messages.success(request, _("Member removed."))
    elif action == "revoke":
        invitation = selectors.invitation_get(
            membership=membership,
            invitation_id=request.POST.get("invitation", ""),
        )
        services.invitation_revoke(membership=membership, invitation=invitation)
        messages.success(request, _("Invitation withdrawn."))
    else:
        messages.error(request, _("Unknown action."))
    return redirect("workspace-members")


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = services.invitation_by_token(token=token)
    except LuminaError as exc:  # the invitation page says why, at 404
        return render(request, "accounts/invitation.html", {"error": exc.message}, status=404)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = services.invitation_accept(user=request_user(request), token=token)
        except LuminaError as exc:  # the invitation page again, with why, at 403
            return render(
                request,
                "accounts/invitation.html",
                {"invitation": found, "error": exc.message},
                status=403,
            )
        switch_tenant(request, membership.tenant)
        messages.success(request, _("Welcome to %(name)s.") % {"name": membership.tenant.name})
        return redirect("home")
    if not request.user.is_authenticated:
        # Keeps the invitation across sign-in or sign-up (which it opens even when closed).
        request.session[INVITATION_SESSION_KEY] = token
    return render(request, "accounts/invitation.html", {"invitation": found, "token": token})
