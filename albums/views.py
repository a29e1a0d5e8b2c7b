"""Web pages: the album tree and album pages (members and people an album is shared
with), and the public pages of share links."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gallery import selectors as gallery_selectors
from lumina.core.dates import parse_when
from lumina.core.errors import ValidationFailed
from lumina.core.lookup import int_ids
from lumina.core.web import form_errors

from . import exports, selectors, services
from .actors import actor_for
from .errors import ZipTooLarge
from .models import Album, ShareRole, SortDirection, SortMode
from .selectors import CONTRIBUTOR, EDITOR, Actor, TreeNode
from .sharing import selectors as sharing_selectors
from .sharing import services as sharing_services

PAGE_SIZE = 120


# --- helpers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeRow:
    node: TreeNode
    opens: bool
    closes: range


def tree_rows(nodes: Iterable[TreeNode]) -> list[TreeRow]:
    """The tree flattened for a template that nests lists without recursion: after each
    row, open a sub-list or close as many levels as the next row climbs."""
    flat = list(selectors.flatten(nodes))
    rows = []
    for index, node in enumerate(flat):
        following = flat[index + 1].depth if index + 1 < len(flat) else 0
        rows.append(
            TreeRow(
                node=node,
                opens=following > node.depth,
                closes=range(max(node.depth - following, 0)),
            )
        )
    return rows


def _actor(request: HttpRequest) -> Actor:
    return actor_for(request)


def _sidebar(
    actor: Actor, current: Album | None = None, rows: list[TreeRow] | None = None
) -> dict[str, Any]:
    can_edit = actor.membership is not None and actor.membership.at_least(EDITOR)
    return {
        "tree": rows if rows is not None else tree_rows(selectors.album_tree(actor=actor)),
        "current_album_id": current.pk if current else None,
        "can_edit_tree": can_edit,
        "shared_albums": list(selectors.shared_album_list(actor=actor)[:50]),
    }


def _int_or_none(value: Any) -> int | None:
    if value in (None, "", "none", "null"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Not a number.") from None


def _ids(request: HttpRequest) -> list[int]:
    return int_ids((v for v in request.POST.getlist("asset_ids") if v), "asset_ids")


def _album_back(request: HttpRequest, album_id: int | None = None, **kwargs: Any) -> HttpResponse:
    if album_id is not None:
        return redirect("album", album_id=album_id)
    return redirect("albums")


# Form posts: a refused action becomes a message on the page it came from; an album
# (or image) that is missing or not the visitor's is the 404 page.
_friendly = form_errors(_album_back, not_found_page=True)


# --- albums of the workspace ---------------------------------------------------------------


@login_required
def album_index(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    albums = list(selectors.album_list(actor=actor, roots_only=True))
    covers = selectors.cover_for(albums, actor.user)
    for album in albums:
        album.resolved_cover = covers.get(album.pk)  # type: ignore[attr-defined]
    recent: list[Any] = []
    if actor.membership is not None:
        page = Paginator(gallery_selectors.asset_list(membership=actor.membership), PAGE_SIZE)
        recent = list(page.get_page(request.GET.get("page")).object_list)
    return render(
        request,
        "albums/index.html",
        {
            **_sidebar(actor),
            "albums": albums,
            "recent": recent,
            "membership": actor.membership,
            "sort_modes": SortMode.choices,
        },
    )


@login_required
def album_page(request: HttpRequest, album_id: int) -> HttpResponse:
    actor = _actor(request)
    album = selectors.album_get(actor=actor, album_id=album_id)
    return _render_album(request, actor, album)


def _render_album(
    request: HttpRequest, actor: Actor, album: Album, *, new_link: str = "", status: int = 200
) -> HttpResponse:
    access = album.access  # type: ignore[attr-defined]
    items = selectors.album_items(actor=actor, album=album)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    children = selectors.album_children(actor=actor, album=album)
    covers = selectors.cover_for([album, *children], actor.user)
    for each in [album, *children]:
        each.resolved_cover = covers.get(each.pk)  # type: ignore[attr-defined]
    editor = access == EDITOR
    rows = tree_rows(selectors.album_tree(actor=actor))
    inside = set(selectors.descendant_ids(album.pk)) if editor else set()
    context = {
        **_sidebar(actor, album, rows),
        "album": album,
        "access": access,
        "can_edit": editor,
        "can_add": selectors.at_least(access, CONTRIBUTOR),
        "can_reorder": editor,
        "page": page,
        "children": children,
        "sort_modes": SortMode.choices,
        "sort_directions": SortDirection.choices,
        "share_roles": ShareRole.choices,
        "links": list(sharing_selectors.share_link_list(actor=actor, album_id=album.pk))
        if editor
        else [],
        "shares": list(selectors.album_share_list(album=album)) if editor else [],
        "new_link": new_link,
        # Anywhere but into itself or its own sub-albums.
        "move_targets": [row for row in rows if row.node.id not in inside] if editor else [],
    }
    return render(request, "albums/album.html", context, status=status)


@login_required
@require_POST
@_friendly
def album_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    parent_id = _int_or_none(request.POST.get("parent"))
    parent = (
        selectors.album_get(actor=actor, album_id=parent_id, needed=EDITOR) if parent_id else None
    )
    album = services.album_create(
        actor=actor,
        title=request.POST.get("title", ""),
        description=request.POST.get("description", ""),
        parent=parent,
        sort_mode=request.POST.get("sort_mode") or SortMode.MANUAL,
        sort_direction=request.POST.get("sort_direction") or SortDirection.ASC,
    )
    messages.success(request, _("Album “%(title)s” created.") % {"title": album.title})
    return redirect("album", album_id=album.pk)


@login_required
@require_POST
@_friendly
def album_edit(request: HttpRequest, album_id: int) -> HttpResponse:
    actor = _actor(request)
    album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
    data: dict[str, Any] = {}
    for field in ("title", "description", "sort_mode", "sort_direction"):
        if field in request.POST:
            data[field] = request.POST[field]
    if "cover" in request.POST:
        data["cover"] = _int_or_none(request.POST.get("cover"))
    if "parent" in request.POST:
        parent_id = _int_or_none(request.POST.get("parent"))
        data["parent"] = (
            selectors.album_get(actor=actor, album_id=parent_id, needed=EDITOR)
            if parent_id
            else None
        )
    services.album_update(actor=actor, album=album, data=data)
    messages.success(request, _("Album saved."))
    return redirect("album", album_id=album.pk)


@login_required
@require_POST
@_friendly
def album_delete(request: HttpRequest, album_id: int) -> HttpResponse:
    actor = _actor(request)
    album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
    parent_id = album.parent_id
    count = services.album_delete(
        actor=actor, album=album, children=request.POST.get("children", services.CHILDREN_MOVE_UP)
    )
    messages.success(
        request, _("Deleted %(n)s album(s); the images are still in the gallery.") % {"n": count}
    )
    if parent_id:
        return redirect("album", album_id=parent_id)
    return redirect("albums")


@login_required
@require_POST
@_friendly
def album_items(request: HttpRequest, album_id: int) -> HttpResponse:
    actor = _actor(request)
    album = selectors.album_get(actor=actor, album_id=album_id)
    ids = _ids(request)
    if not ids:
        messages.error(request, _("Select at least one image."))
        return redirect("album", album_id=album.pk)
    if request.POST.get("action") == "remove":
        count = services.album_items_remove(actor=actor, album=album, asset_ids=ids)
        messages.success(request, _("%(n)s image(s) taken out of the album.") % {"n": count})
    else:
        assets = selectors.addable_assets(actor=actor, album=album, ids=ids)
        result = services.album_items_add(actor=actor, album=album, assets=assets)
        messages.success(
            request,
            _("%(n)s image(s) added to “%(title)s”.")
            % {"n": len(result.added), "title": album.title},
        )
    return redirect("album", album_id=album.pk)


@login_required
def album_pick(request: HttpRequest, album_id: int) -> HttpResponse:
    """Choose images of the workspace to add to the album."""
    actor = _actor(request)
    album = selectors.album_get(actor=actor, album_id=album_id, needed=CONTRIBUTOR)
    page = Paginator(selectors.picker_assets(actor=actor, album=album), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "albums/pick.html", {**_sidebar(actor, album), "album": album, "page": page}
    )


@login_required
@require_GET
def album_zip(request: HttpRequest, album_id: int) -> HttpResponseBase:
    actor = _actor(request)
    album = selectors.album_get(actor=actor, album_id=album_id)
    members = exports.album_members(
        album, visible=selectors.asset_visibility(actor.user, "asset__"), strip=False
    )
    return exports.zip_response(members, exports.archive_name(album.title))


@login_required
@require_POST
@form_errors("albums", not_found_page=True)
def selection_zip(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    limit = int(settings.LUMINA_ZIP_MAX_SELECTION)
    ids = _ids(request)
    if not ids:
        raise ValidationFailed("Select at least one image.")
    if len(ids) > limit:
        raise ZipTooLarge(f"At most {limit} images in one ZIP.")
    assets = selectors.selection_assets(actor=actor, ids=ids)
    return exports.zip_response(exports.selection_members(assets, strip=False), "images.zip")


@login_required
@require_POST
@_friendly
def album_link_new(request: HttpRequest, album_id: int) -> HttpResponse:
    actor = _actor(request)
    album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
    max_views = _int_or_none(request.POST.get("max_views"))
    max_downloads = _int_or_none(request.POST.get("max_downloads"))
    __, token = sharing_services.share_link_create(
        actor=actor,
        album=album,
        name=request.POST.get("name", ""),
        expires_at=parse_when(request.POST.get("expires_at", ""), "expires_at", end_of_day=True),
        password=request.POST.get("password", ""),
        max_views=max_views,
        max_downloads=max_downloads,
        allow_download=request.POST.get("allow_download") == "on",
        strip_metadata=request.POST.get("strip_metadata") == "on",
    )
    url = request.build_absolute_uri(reverse("share-link", kwargs={"token": token}))
    messages.success(request, _("Share link made. Copy it now: it is shown only once."))
    # Rendered, not redirected: the token is never stored, not even in a message.
    album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
    return _render_album(request, actor, album, new_link=url)


@login_required
@require_POST
@_friendly
def album_link_revoke(request: HttpRequest, album_id: int, link_id: int) -> HttpResponse:
    actor = _actor(request)
    selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
    link = sharing_selectors.share_link_get(actor=actor, link_id=link_id)
    sharing_services.share_link_revoke(actor=actor, link=link)
    messages.success(request, _("Link revoked."))
    return redirect("album", album_id=album_id)


@login_required
@require_POST
@_friendly
def album_share(request: HttpRequest, album_id: int) -> HttpResponse:
    actor = _actor(request)
    album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
    if request.POST.get("action") == "remove":
        share = selectors.album_share_get(album=album, share_id=request.POST.get("share"))
        services.album_share_delete(actor=actor, album=album, share=share)
        messages.success(request, _("No longer shared with that person."))
    else:
        services.album_share_create(
            actor=actor,
            album=album,
            email=request.POST.get("email", ""),
            role=request.POST.get("role", ShareRole.VIEWER),
            ends_at=parse_when(request.POST.get("ends_at", ""), "ends_at", end_of_day=True),
            base_url=request.build_absolute_uri("/"),
        )
        messages.success(request, _("Album shared."))
    return redirect("album", album_id=album.pk)
