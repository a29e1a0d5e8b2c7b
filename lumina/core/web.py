"""The request toolkit of the web pages: one mapping from a `LuminaError` (raised by a
service or a selector) to what the visitor sees.

- A page (GET) that meets one shows the status page: Django's 404 page for a 404, its
  403 page for a 403, otherwise ``error.html`` with the message at the error's status.
  `ErrorPageMiddleware` does it for every web view, so a view need not catch anything.
- A form post wrapped in `form_errors` shows the message on the page it came from: a
  flash message, then a redirect to the form's (safe) ``next``, else to ``back``.

The API has its own mapping (`lumina.core.api`, the JSON error envelope).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from .errors import LuminaError
from .redirects import safe_next_url

V = TypeVar("V", bound=Callable[..., HttpResponseBase])

# Where a refused form goes: a URL name or path of this site, or a callable given the
# view's request and arguments that answers the redirect.
Back = str | Callable[..., HttpResponseBase]

# A refusal of the visitor's network is the 403 page, never a message: the page a
# message would redirect to refuses that network too.
NETWORK_REFUSED = "ip_not_allowed"


def error_response(request: HttpRequest, exc: LuminaError) -> HttpResponse:
    """The status page for ``exc``: 404 and 403 through Django's handlers (their
    templates), any other status as ``error.html`` showing the message."""
    if exc.status == 404:
        return response_for_exception(request, Http404(exc.message))
    if exc.status == 403:
        return response_for_exception(request, DjangoPermissionDenied(exc.message))
    return render(request, "error.html", {"message": exc.message}, status=exc.status)


class ErrorPageMiddleware:
    """A `LuminaError` a web view lets through becomes its status page (see
    `error_response`) instead of a 500. API views answer their own errors first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, LuminaError) and not request.path.startswith("/api/"):
            return error_response(request, exception)
        return None


def redirect_back(
    request: HttpRequest, back: Back, *args: Any, referer: bool = False, **kwargs: Any
) -> HttpResponseBase:
    """To the form's safe ``next`` (with ``referer``, else the Referer), else ``back``."""
    target = safe_next_url(request, referer=referer)
    if target:
        return HttpResponseRedirect(target)
    if callable(back):
        return back(request, *args, **kwargs)
    return redirect(back)


def form_errors(
    back: Back, *, not_found_page: bool = False, referer: bool = False
) -> Callable[[V], V]:
    """Decorate a form-post view: a `LuminaError` it raises becomes a flash message and
    a redirect back (`redirect_back`). Pages instead of a message: a refused network
    (403), and with ``not_found_page`` a 404 (what the form names does not exist or
    is not the visitor's to see)."""

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, *args, **kwargs)
            except LuminaError as exc:
                if exc.code == NETWORK_REFUSED or (not_found_page and exc.status == 404):
                    return error_response(request, exc)
                messages.error(request, exc.message)
                return redirect_back(request, back, *args, referer=referer, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
