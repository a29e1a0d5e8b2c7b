"""Public pages of share links: what a visitor with the link (and the password, if any)
sees. No account; the link is the capability."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from gallery import downloads
from lumina.core.errors import LuminaError
from lumina.core.net import client_ip

from .. import exports
from ..errors import ShareLinkUnavailable
from ..models import LinkState, ShareLink
from ..views import PAGE_SIZE
from . import selectors, services

_SESSION = "albums.share.{}"


def _gone(request: HttpRequest) -> HttpResponse:
    response = render(request, "albums/share_gone.html", status=404)
    _private(response)
    return response


def _private(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The URL holds the token: other sites get no Referer at all. Not "no-referrer":
    # browsers then send `Origin: null` on the password form, which CSRF refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def _ip(request: HttpRequest) -> str:
    return client_ip(request)


def _agent(request: HttpRequest) -> str:
    return str(request.headers.get("User-Agent", ""))


def _state(request: HttpRequest, link: ShareLink) -> dict[str, Any]:
    found = request.session.get(_SESSION.format(link.pk))
    return dict(found) if isinstance(found, dict) else {}


def _save_state(request: HttpRequest, link: ShareLink, state: dict[str, Any]) -> None:
    request.session[_SESSION.format(link.pk)] = state


def _unlocked(request: HttpRequest, link: ShareLink) -> bool:
    return not link.password or _state(request, link).get(
        "unlock"
    ) == services.password_fingerprint(link)


def public(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Resolve the link (404 page when unknown, expired, revoked or used up), require
    the password when it has one, and count the visitor's first view."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            link = selectors.share_link_by_token(token=token, used_up=True)
            state = _state(request, link)
            # A visitor counted already keeps reloading and opening sub-albums once
            # the link reached max_views; anyone else finds it gone.
            if not state.get("viewed") and link.state == LinkState.EXHAUSTED:
                raise ShareLinkUnavailable()
            if not _unlocked(request, link):
                if request.method == "POST" and "password" in request.POST:
                    return _private(_password_post(request, link, token))
                return _private(_password_page(request, link, token))
            # HEAD (link previews, scanners) looks without using up a view.
            if not state.get("viewed") and request.method != "HEAD":
                services.share_link_count_view(
                    link=link, ip=_ip(request), user_agent=_agent(request)
                )
                state["viewed"] = True
                _save_state(request, link, state)
            response = view(request, link, token, *args, **kwargs)
        except ShareLinkUnavailable:
            return _gone(request)
        # The visitors' own mapping (they have no account and no messages): the link's
        # error page at the error's status, instead of lumina.core.web's.
        except LuminaError as exc:
            if exc.status == 404:
                raise Http404 from None
            response = render(
                request,
                "albums/share_error.html",
                {"message": exc.message, "token": token},
                status=exc.status,
            )
        return _private(response)

    return wrapper


def _password_page(
    request: HttpRequest, link: ShareLink, token: str, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "albums/share_password.html",
        {"link": link, "token": token, "error": error},
        status=status,
    )


def _password_post(request: HttpRequest, link: ShareLink, token: str) -> HttpResponse:
    try:
        services.share_password_check(
            link=link,
            password=request.POST.get("password", ""),
            ip=_ip(request),
            user_agent=_agent(request),
        )
    except LuminaError as exc:  # the password form again, with Retry-After when throttled
        response = _password_page(request, link, token, error=exc.message, status=exc.status)
        if exc.status == 429:
            response["Retry-After"] = str(settings.LUMINA_SHARE_PASSWORD_WINDOW)
        return response
    request.session.cycle_key()  # a fresh session id once the password is known
    state = _state(request, link)
    state["unlock"] = services.password_fingerprint(link)
    _save_state(request, link, state)
    return redirect(request.get_full_path())


def _share_context(link: ShareLink, token: str) -> dict[str, Any]:
    return {"link": link, "token": token, "can_download": link.can_download}


@public
def share_link(request: HttpRequest, link: ShareLink, token: str) -> HttpResponseBase:
    if link.asset_id is not None:
        asset = selectors.link_asset(link=link, asset_id=link.asset_id)
        return render(
            request, "albums/share_asset.html", {**_share_context(link, token), "asset": asset}
        )
    assert link.album is not None
    return _share_album(request, link, token, link.album.pk)


@public
def share_album(
    request: HttpRequest, link: ShareLink, token: str, album_id: int
) -> HttpResponseBase:
    return _share_album(request, link, token, album_id)


def _share_album(request: HttpRequest, link: ShareLink, token: str, album_id: int) -> HttpResponse:
    album = selectors.link_album(link=link, album_id=album_id)
    page = Paginator(selectors.link_items(link=link, album=album), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "albums/share_album.html",
        {
            **_share_context(link, token),
            "album": album,
            "page": page,
            "children": selectors.link_children(link=link, album=album),
        },
    )


@public
def share_download(
    request: HttpRequest, link: ShareLink, token: str, asset_id: int
) -> HttpResponseBase:
    asset = selectors.link_asset(link=link, asset_id=asset_id)
    if request.method == "HEAD":
        return _download_head(link, asset.mime)
    services.share_link_count_download(
        link=link, asset=asset, ip=_ip(request), user_agent=_agent(request)
    )
    return downloads.original_response(asset, strip=link.strip_metadata)


def _download_head(link: ShareLink, content_type: str) -> HttpResponse:
    """What a download would answer, without counting it nor reading any file."""
    services.share_link_check_download(link=link)
    return HttpResponse(content_type=content_type)


@public
def share_zip(request: HttpRequest, link: ShareLink, token: str) -> HttpResponseBase:
    if request.method == "HEAD":
        if link.asset_id is not None:
            selectors.link_asset(link=link, asset_id=link.asset_id)
        else:
            selectors.link_album(link=link, album_id=request.GET.get("album") or link.album_id)
        return _download_head(link, "application/zip")
    if link.asset_id is not None:
        asset = selectors.link_asset(link=link, asset_id=link.asset_id)
        services.share_link_count_download(
            link=link, album=None, ip=_ip(request), user_agent=_agent(request)
        )
        members = exports.selection_members([asset], strip=link.strip_metadata)
        return exports.zip_response(members, exports.archive_name(asset.display_title))
    album_id = request.GET.get("album") or link.album_id
    album = selectors.link_album(link=link, album_id=album_id)
    services.share_link_count_download(
        link=link, album=album, ip=_ip(request), user_agent=_agent(request)
    )
    members = exports.album_members(
        album, visible=selectors.link_visibility(link), strip=link.strip_metadata
    )
    return exports.zip_response(members, exports.archive_name(album.title))
