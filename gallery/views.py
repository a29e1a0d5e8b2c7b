"""Web pages of the gallery: the timeline, the trash, one asset, the upload page, and the
PWA files (web manifest, service worker) served from the site root.

Pages are rendered on the server (the first page of assets, in full); the scripts in
static/js/ then page on through the API's cursor, upload, and drive the lightbox."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from accounts.models import Membership, Role
from accounts.tenancy import require_membership
from lumina.core.errors import LuminaError
from lumina.core.pagination import CursorPagination, InvalidCursor
from lumina.core.web import form_errors

from . import downloads, selectors, services, signing
from .filtering import ASSET_FILTERS, AssetFilters
from .forms import AssetEditForm
from .models import Asset, Status, Visibility
from .renditions.specs import UnknownRendition, get_variant, negotiate_format
from .templatetags.gallery import TILE_SIZES


@require_GET
def rendition(request: HttpRequest, asset_id: int, spec: str, fmt: str) -> HttpResponseBase:
    """Serve one rendition through its signed URL; make on-demand specs on first use."""
    found_query = signing.canonical(dict(request.GET.lists()))
    # One spelling per image: no "e=+0", "e=00", "/r/007/" nor a parameter twice.
    if found_query is None or request.path != reverse(
        "rendition", kwargs={"asset_id": asset_id, "spec": spec, "fmt": fmt}
    ):
        raise Http404
    version, expires, signature = found_query
    asset = selectors.asset_for_rendition(asset_id=asset_id)
    if asset is None or asset.sha256[:12] != version:
        raise Http404
    if not signing.verify(
        asset_id, version, spec, fmt, expires, signature, url_version=asset.url_version
    ):
        raise Http404
    auto = fmt == "auto"
    chosen = (
        negotiate_format(request.headers.get("Accept"), avif=settings.LUMINA_AVIF) if auto else fmt
    )
    try:
        wanted = get_variant(f"{spec}.{chosen}")
    except UnknownRendition:
        raise Http404 from None
    if asset.status != Status.READY:
        response = HttpResponse(status=503)
        response["Retry-After"] = "2"
        response["Cache-Control"] = "no-store"
        return response
    from .processing import rendition_ensure

    try:
        found = rendition_ensure(asset=asset, variant=wanted)
    except LuminaError:  # a public capability URL: whatever went wrong, nothing is here
        raise Http404 from None
    return downloads.rendition_response(request, asset, found, vary_accept=auto)


# --- helpers ----------------------------------------------------------------------------


# The asset list's filters the gallery page offers (its sidebar links and switches).
PAGE_FILTERS = ("favorite", "tag")


def _filters(params: Any, *, trashed: bool) -> tuple[AssetFilters, dict[str, str]]:
    """The page's filters (its favourites switch and tag), read by the asset list's own
    table so they mean what the API's do, and the same filters as API query parameters
    (for the scripts' next page)."""
    api = {name: value for name in PAGE_FILTERS if (value := str(params.get(name) or ""))}
    if trashed:
        api["trashed"] = "1"
    return ASSET_FILTERS.parse(api), api


def _first_page(
    request: HttpRequest, membership: Membership, filters: AssetFilters
) -> tuple[list[Asset], str]:
    """One page through the API's own cursor paginator, so that the cursor the page
    hands to the scripts is exactly the one the API continues from."""
    paginator = CursorPagination()
    page = paginator.paginate_queryset(
        selectors.asset_list(membership=membership, filters=filters), Request(request)
    )
    link = paginator.get_next_link()
    cursor = parse_qs(urlsplit(link).query).get("cursor", [""])[0] if link else ""
    return list(page or []), cursor


def _gallery(request: HttpRequest, *, trashed: bool) -> HttpResponse:
    membership = require_membership(request)
    try:
        filters, api_params = _filters(request.GET, trashed=trashed)
        assets, cursor = _first_page(request, membership, filters)
    except (InvalidCursor, APIException):  # a cursor not of ours: start from the newest
        messages.error(request, _("That page no longer exists; here are the newest images."))
        return redirect(request.path)
    except LuminaError as exc:  # a malformed filter: the page again, unfiltered
        messages.error(request, exc.message)
        return redirect(request.path)
    page_size = request.GET.get("page_size")
    next_api = next_page = ""
    if cursor:
        query = {**api_params, "cursor": cursor}
        if page_size:
            query["page_size"] = page_size
        next_api = f"{reverse('api-asset-list')}?{urlencode(query)}"
        keep = {k: v for k, v in request.GET.items() if k not in ("cursor", "asset")}
        next_page = f"?{urlencode({**keep, 'cursor': cursor})}"
    can_edit = membership.at_least(Role.EDITOR)
    config = {
        "kind": "trash" if trashed else "gallery",
        "next": next_api,
        "canEdit": can_edit,
        "filtered": bool(api_params.get("favorite") or api_params.get("tag")),
        "icons": static("img/icons.svg"),
        "sizes": TILE_SIZES,
        "api": {
            "list": reverse("api-asset-list"),
            "bulk": reverse("api-asset-bulk"),
            "trashEmpty": reverse("api-trash-empty"),
            "usage": reverse("api-usage"),
        },
        "detail": reverse("asset-detail", kwargs={"asset_id": 0}),
    }
    context = {
        "membership": membership,
        "assets": assets,
        "usage": selectors.usage_get(membership=membership),
        "is_trash": trashed,
        "can_edit": can_edit,
        "favorite_only": filters.favorite is True,
        "tag": filters.tag or "",
        "next_page": next_page,
        "first_page": bool(request.GET.get("cursor")),
        "trash_days": settings.LUMINA_TRASH_DAYS,
        "visibility_choices": Visibility.choices,
        "config": config,
    }
    return render(request, "gallery/home.html", context)


# --- pages ------------------------------------------------------------------------------


@login_required
def gallery_home(request: HttpRequest) -> HttpResponse:
    return _gallery(request, trashed=False)


@login_required
def trash(request: HttpRequest) -> HttpResponse:
    return _gallery(request, trashed=True)


def _exif_rows(asset: Asset) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    camera = " ".join(p for p in (asset.camera_make, asset.camera_model) if p).strip()
    if camera:
        rows.append((_("Camera"), camera))
    if asset.lens:
        rows.append((_("Lens"), asset.lens))
    if asset.exposure_time:
        value = asset.exposure_time
        shown = f"1/{round(1 / value)} s" if value < 1 else f"{value:g} s"
        rows.append((_("Exposure"), shown))
    if asset.f_number:
        rows.append((_("Aperture"), f"f/{asset.f_number:g}"))
    if asset.iso:
        rows.append((_("ISO"), str(asset.iso)))
    if asset.focal_length:
        rows.append((_("Focal length"), f"{asset.focal_length:g} mm"))
    return rows


def _raw_exif(asset: Asset, limit: int = 200) -> list[tuple[str, str]]:
    """The stored EXIF, flattened one level, values shortened for display."""
    flat: list[tuple[str, str]] = []

    def add(key: str, value: Any) -> None:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        flat.append((key, text if len(text) <= 120 else text[:117] + "…"))

    for key, value in sorted((asset.exif or {}).items()):
        if isinstance(value, dict):
            for sub, inner in sorted(value.items()):
                add(f"{key} · {sub}", inner)
        else:
            add(str(key), value)
    return flat[:limit]


def _to_detail(request: HttpRequest, membership: Membership, asset: Asset) -> HttpResponse:
    return redirect("asset-detail", asset_id=asset.pk)


@form_errors(_to_detail)
def _detail_action(request: HttpRequest, membership: Membership, asset: Asset) -> HttpResponse:
    action = request.POST.get("action", "save")
    if action == "save":
        form = AssetEditForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return _to_detail(request, membership, asset)
        services.asset_update(membership=membership, asset=asset, data=form.cleaned_data)
        messages.success(request, _("Changes saved."))
    elif action in ("favorite", "unfavorite"):
        services.favorite_set(membership=membership, assets=[asset], on=action == "favorite")
    elif action == "trash":
        services.asset_delete(membership=membership, assets=[asset])
        messages.success(request, _("Moved to the trash."))
        return redirect("home")
    elif action == "restore":
        services.asset_restore(membership=membership, assets=[asset])
        messages.success(request, _("Restored from the trash."))
    else:
        messages.error(request, _("Unknown action."))
    return _to_detail(request, membership, asset)


@login_required
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    membership = require_membership(request)
    asset = selectors.asset_get(membership=membership, asset_id=asset_id)
    if request.method == "POST":
        return _detail_action(request, membership, asset)
    tags = sorted(at.tag.name for at in asset.asset_tags.all())
    form = AssetEditForm(
        initial={
            "title": asset.title,
            "description": asset.description,
            "tags": ", ".join(tags),
            "visibility": asset.visibility,
        }
    )
    has_gps = asset.latitude is not None and asset.longitude is not None
    context = {
        "asset": asset,
        "form": form,
        "tags": tags,
        "can_edit": membership.at_least(Role.EDITOR),
        "exif_rows": _exif_rows(asset),
        "raw_exif": _raw_exif(asset),
        "has_gps": has_gps,
        "map_url": (
            f"https://www.openstreetmap.org/?mlat={asset.latitude:.6f}&mlon={asset.longitude:.6f}"
            f"#map=15/{asset.latitude:.6f}/{asset.longitude:.6f}"
            if has_gps
            else ""
        ),
        "is_favorite": bool(getattr(asset, "is_favorite", False)),
        "original_url": reverse("api-asset-original", kwargs={"asset_id": asset.pk}),
    }
    return render(request, "gallery/detail.html", context)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """The upload page (drop zone and pickers, driven by static/js/upload.js); its form
    also posts here without scripts, one request for all files."""
    membership = require_membership(request)
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
            except LuminaError as exc:  # one refused file: say so, go on with the others
                messages.error(request, exc.message)
                continue
            if duplicate:
                messages.info(request, _("%(name)s is already here.") % {"name": item.name})
            else:
                messages.success(request, _("%(name)s uploaded.") % {"name": item.name})
        return redirect("home")
    config = {
        "kind": "upload",
        "canEdit": membership.at_least(Role.EDITOR),
        "icons": static("img/icons.svg"),
        "api": {"list": reverse("api-asset-list")},
        "detail": reverse("asset-detail", kwargs={"asset_id": 0}),
    }
    return render(
        request,
        "gallery/upload.html",
        {"membership": membership, "config": config, "can_edit": config["canEdit"]},
    )


def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page it has no copy of."""
    return render(request, "gallery/offline.html")


# --- PWA: manifest and service worker at the root scope ---------------------------------


@cache_control(max_age=3600)
def web_manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("img/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    manifest = {
        "name": "Lumina Host",
        "short_name": "Lumina",
        "description": _("Your photos, in your own workspace."),
        "lang": get_language() or "en",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#0b0f1a",
        "theme_color": "#4f46e5",
        "icons": icons,
        "shortcuts": [{"name": _("Upload"), "url": reverse("upload")}],
    }
    return JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


SHELL_STATIC = (
    "css/lumina.css",
    "js/theme.js",
    "js/gallery.js",
    "js/lightbox.js",
    "js/upload.js",
    "img/icons.svg",
    "img/icon.svg",
    "img/icon-192.png",
)


def _shell_signature() -> tuple[tuple[str, int, int], ...]:
    """Where the worker and the shell files are, with their modification times: the
    worker's version changes with any of them, also where static names are not hashed."""
    found = []
    for name in ("js/sw.js", *SHELL_STATIC):
        path = finders.find(name)
        if path:
            stat = Path(str(path)).stat()
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


@lru_cache(maxsize=4)
def _service_worker_body(
    signature: tuple[tuple[str, int, int], ...], shell: tuple[str, ...], offline_url: str
) -> str:
    if not signature or not signature[0][0].endswith("sw.js"):
        raise Http404
    source = Path(signature[0][0]).read_text()
    version = hashlib.sha256(repr((signature, shell)).encode()).hexdigest()[:12]
    prelude = "self.LUMINA = " + json.dumps(
        {"version": version, "shell": list(shell), "offline": offline_url}
    )
    return f"{prelude};\n{source}"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/js/sw.js with the shell's (hashed) URLs, served at /sw.js so that its scope
    is the whole site. The version changes whenever a shell file or the worker does."""
    shell = tuple(static(name) for name in SHELL_STATIC)
    body = _service_worker_body(_shell_signature(), shell, reverse("offline"))
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response
