from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .logging import request_context

logger = logging.getLogger("lumina.request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives every request an id (kept from a sane X-Request-ID) for logs and replies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_context.set({"request_id": request_id})
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class AccessLogMiddleware:
    """One line per request: path, status, duration, user and tenant."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        ctx = request_context.get()
        user = getattr(request, "user", None)
        if ctx is not None and user is not None and user.is_authenticated:
            ctx["user_id"] = user.pk
        response = self.get_response(request)
        tenant = getattr(request, "_cached_tenant", None)
        user = getattr(request, "user", None)  # DRF may have authenticated it by now
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "tenant_id": tenant.pk if tenant is not None else None,
            },
        )
        return response


class ExactVaryMiddleware:
    """Lets a view fix its ``Vary`` header exactly (``response.exact_vary``).

    Content-addressed images do not depend on the language or the session; the
    locale and session middlewares would otherwise add ``Accept-Language, Cookie``
    and make every browser and CDN cache miss. Must come first in MIDDLEWARE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exact = getattr(response, "exact_vary", None)
        if exact is not None:
            if exact:
                response["Vary"] = exact
            elif "Vary" in response:
                del response["Vary"]
        return response


# Room for the multipart envelope and the other form fields around the file.
UPLOAD_ENVELOPE_BYTES = 64 * 1024


def request_body_limit() -> int:
    """The largest request body the site reads: one upload plus its envelope."""
    from django.conf import settings

    return int(settings.LUMINA_MAX_UPLOAD_BYTES) + UPLOAD_ENVELOPE_BYTES


class BodySizeLimitMiddleware:
    """Refuses a body larger than the upload cap from its ``Content-Length``, before
    anything reads it (the CSRF check and the upload handlers would otherwise stream
    it to disk first). Under WSGI Django never reads past ``Content-Length``, and
    reads nothing without one, so the cap also holds for lying or missing lengths.
    Must come before CsrfViewMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = request_body_limit()
        if declared > limit:
            return self._too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
        from django.http import JsonResponse
        from django.template.loader import render_to_string

        from .errors import envelope

        allowed = limit - UPLOAD_ENVELOPE_BYTES
        message = f"The upload is larger than the {allowed} bytes allowed."
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse(
                envelope("file_too_large", message, {"max_bytes": allowed}), status=413
            )
        else:
            body = render_to_string("413.html", {"message": message, "max_bytes": allowed})
            response = HttpResponse(body, status=413)
        # Inner middlewares (CommonMiddleware) never see this response: set the length
        # so that the client can read the answer while the body is still on its way.
        # No "Connection: close" (a hop-by-hop header is the server's business).
        response["Content-Length"] = str(len(response.content))
        return response
