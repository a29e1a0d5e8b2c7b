"""Web pages of search: results with filters and facets, the map, near duplicates.

The search lives in the URL (a GET form): a search can be bookmarked and shared, and
the back button returns to the previous one. Facets and suggestions are fetched by
`static/js/search.js` from the API, off the page's own request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Membership, Role
from accounts.tenancy import require_membership
from lumina.core.errors import LuminaError, ValidationFailed
from lumina.core.web import form_errors

from . import selectors, services
from .filters import PARAMS, SearchRequest, search_request_from

PAGE_SIZE = 48
# How each filter reads on its chip ("Tag: beach"); the rest show the parameter name.
LABELS = {
    "q": gettext_lazy("Text"),
    "tag": gettext_lazy("Tag"),
    "tags": gettext_lazy("Tags"),
    "tags_any": gettext_lazy("Any tag"),
    "year": gettext_lazy("Year"),
    "camera": gettext_lazy("Camera"),
    "camera_make": gettext_lazy("Make"),
    "camera_model": gettext_lazy("Model"),
    "country": gettext_lazy("Country"),
    "place": gettext_lazy("Place"),
    "format": gettext_lazy("Format"),
    "orientation": gettext_lazy("Orientation"),
    "favorite": gettext_lazy("Favourites"),
    "visibility": gettext_lazy("Visibility"),
    "has_gps": gettext_lazy("Has GPS"),
    "taken_after": gettext_lazy("Taken from"),
    "taken_before": gettext_lazy("Taken before"),
    "uploaded_after": gettext_lazy("Uploaded from"),
    "uploaded_before": gettext_lazy("Uploaded before"),
    "bbox": gettext_lazy("Map area"),
    "near": gettext_lazy("Near"),
    "radius_km": gettext_lazy("Radius (km)"),
    "album": gettext_lazy("Album"),
}


def _search_params(get: QueryDict) -> QueryDict:
    """The query string that defines a search (no cursor, no empty values)."""
    kept = QueryDict(mutable=True)
    for key in ("q", "prefix", "order", *PARAMS):
        for value in get.getlist(key):
            if value.strip():
                kept.appendlist(key, value.strip())
    return kept


def _chips(params: QueryDict) -> list[dict[str, str]]:
    """One removable chip per active filter value."""
    chips = []
    for key in ("q", *PARAMS):
        for value in params.getlist(key):
            rest = params.copy()
            rest.setlist(key, [v for v in params.getlist(key) if v != value])
            chips.append(
                {
                    "label": str(LABELS.get(key, key.replace("_", " ").capitalize())),
                    "value": value,
                    "remove": "?" + rest.urlencode(),
                }
            )
    return chips


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    params = _search_params(request.GET)
    error = None
    try:
        search = search_request_from(params)
        page = selectors.search(
            membership=membership,
            request=search,
            cursor=request.GET.get("cursor") or None,
            page_size=PAGE_SIZE,
        )
    except LuminaError as exc:  # shown above the form, which keeps what was typed
        error = exc.message
        search = SearchRequest()
        page = selectors.search(membership=membership, request=search, page_size=PAGE_SIZE)
    next_url = None
    if page.next_cursor:
        following = params.copy()
        following["cursor"] = page.next_cursor
        next_url = "?" + following.urlencode()
    context: dict[str, Any] = {
        "membership": membership,
        "page": page,
        "error": error,
        "params": params,
        "query_string": params.urlencode(),
        "chips": _chips(params),
        # The panel opens by itself only for filters that are not chips of their own
        # making (text, a suggestion, a facet).
        "open_filters": any(
            params.get(key)
            for key in PARAMS
            if key not in ("tag", "tags", "place", "year", "camera", "country", "bbox")
        ),
        "next_url": next_url,
        "first_page": not request.GET.get("cursor"),
        "form": {key: params.get(key, "") for key in ("q", "order", *PARAMS)},
        "formats": ("jpeg", "png", "webp", "avif", "heif", "gif", "tiff"),
        "api": {
            "suggest": reverse("api-search-suggest"),
            "facets": reverse("api-search-facets"),
        },
        # Words the page's script shows, in the visitor's language.
        "labels": {
            "tag": _("Tags"),
            "place": _("Places"),
            "album": _("Albums"),
            "year": _("Year"),
            "tags": _("Tag"),
            "camera": _("Camera"),
            "country": _("Country"),
        },
    }
    return render(request, "search/search.html", context)


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    params = _search_params(request.GET)
    params.pop("bbox", None)
    context = {
        "membership": membership,
        "params": params,
        "query_string": params.urlencode(),
        "map_config": {
            "tiles": settings.LUMINA_MAP_TILE_URL,
            "attribution": settings.LUMINA_MAP_ATTRIBUTION,
            "clusters": reverse("api-search-map"),
            "search": reverse("search"),
            "query": params.urlencode(),
        },
    }
    return render(request, "search/map.html", context)


def _same_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    return redirect(request.get_full_path())


@form_errors(_same_page)
def _duplicates_resolve(request: HttpRequest, membership: Membership) -> HttpResponse:
    try:
        keep = int(request.POST.get("keep", ""))
        trash = [int(i) for i in request.POST.getlist("trash") if int(i) != keep]
    except ValueError:
        raise ValidationFailed(_("Choose the copy to keep.")) from None
    count = services.duplicates_resolve(membership=membership, keep_id=keep, trash_ids=trash)
    messages.success(
        request,
        ngettext(
            "Kept one copy; %(n)d moved to the trash.",
            "Kept one copy; %(n)d moved to the trash.",
            count,
        )
        % {"n": count},
    )
    return _same_page(request, membership)


@login_required
def duplicates_page(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    if request.method == "POST":
        return _duplicates_resolve(request, membership)
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    groups, has_next, total = selectors.duplicate_groups(membership=membership, page=page_number)
    return render(
        request,
        "search/duplicates.html",
        {
            "membership": membership,
            "groups": groups,
            "page_number": page_number,
            "has_next": has_next,
            "total": total,
            "can_edit": membership.at_least(Role.EDITOR),
        },
    )
