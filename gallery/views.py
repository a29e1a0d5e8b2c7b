"""Web endpoints of the gallery: signed renditions, the simple grid and the upload form."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.tenancy import request_membership
from lumina.core.errors import LuminaError

from . import downloads, selectors, services, signing
from .models import Status
from .renditions.specs import UnknownRendition, get_spec, negotiate_format


@require_GET
def rendition(request: HttpRequest, asset_id: int, spec: str, fmt: str) -> HttpResponseBase:
    """Serve one rendition through its signed URL; make on-demand specs on first use."""
    params = request.GET
    try:
        expires = int(params.get("e", ""))
    except ValueError:
        raise Http404 from None
    version = params.get("v", "")
    if not signing.verify(asset_id, version, spec, fmt, expires, params.get("s", "")):
        raise Http404
    asset = selectors.asset_for_rendition(asset_id=asset_id)
    if asset is None or asset.sha256[:12] != version:
        raise Http404
    auto = fmt == "auto"
    chosen = (
        negotiate_format(request.headers.get("Accept"), avif=settings.LUMINA_AVIF) if auto else fmt
    )
    try:
        wanted = get_spec(f"{spec}.{chosen}")
    except UnknownRendition:
        raise Http404 from None
    if asset.status != Status.READY:
        response = HttpResponse(status=503)
        response["Retry-After"] = "2"
        response["Cache-Control"] = "no-store"
        return response
    from .processing import rendition_ensure

    try:
        found = rendition_ensure(asset=asset, spec=wanted)
    except LuminaError:
        raise Http404 from None
    return downloads.rendition_response(request, asset, found, vary_accept=auto)


@login_required
def gallery_home(request: HttpRequest) -> HttpResponse:
    membership = request_membership(request)
    if membership is None:
        raise Http404
    assets = list(selectors.asset_list(membership=membership)[:60])
    usage = selectors.usage_get(membership=membership)
    return render(
        request,
        "gallery/home.html",
        {"membership": membership, "assets": assets, "usage": usage},
    )


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    membership = request_membership(request)
    if membership is None:
        raise Http404
    if request.method == "POST":
        files = request.FILES.getlist("files")
        if not files:
            messages.error(request, _("Choose at least one image."))
        for item in files:
            try:
                __, duplicate = services.asset_upload(
                    membership=membership,
                    fileobj=item,
                    filename=item.name or "upload",
                    tags=request.POST.get("tags", ""),
                    visibility=request.POST.get("visibility") or None,
                )
            except LuminaError as exc:
                messages.error(request, exc.message)
                continue
            if duplicate:
                messages.info(request, _("%(name)s is already here.") % {"name": item.name})
            else:
                messages.success(request, _("%(name)s uploaded.") % {"name": item.name})
        return redirect("home")
    return render(request, "gallery/upload.html", {"membership": membership})
