"""DRF plumbing: one error envelope for every API error.

``{"error": {"code": "...", "message": "...", "details": {...}}}``
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import LuminaError, RequestTooLarge, envelope

__all__ = ["JSONParser", "envelope", "exception_handler", "json_error_view"]

# Deeper JSON than this is refused before anything walks it: no request body of this
# API nests more than a few levels, and recursive code (validation, error rendering)
# must never meet a 100,000-level document.
# A serializer of plain data (request bodies, dicts, dataclasses): DRF types the instance a
# serializer wraps, which for these is whatever the view hands over. The one place strict
# typing takes an ``Any`` for them (docs/adr/0011).
DataSerializer = serializers.Serializer[Any]

MAX_JSON_DEPTH = 64


def _too_deep(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what it lets through to the views as a 400
    ``parse_error``: nesting that recursion cannot survive, lone UTF-16 surrogates
    (``"\\ud800"`` is valid JSON but no text: every later encode of it fails), and
    bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413, as Django does for forms)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        from django.conf import settings

        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = int(getattr(request, "META", {}).get("CONTENT_LENGTH") or 0)
        if limit is not None and declared > limit:
            raise RequestTooLarge(details={"max_bytes": limit})
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
        if _too_deep(data):
            raise exceptions.ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH}.")
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise exceptions.ParseError(
                "JSON parse error - a string is not valid Unicode."
            ) from None
        return data


logger = logging.getLogger(__name__)

_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}


def _message(detail: Any) -> str:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list) and detail:
        return _message(detail[0])
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        text = _message(value)
        return text if key in ("non_field_errors", "detail") else f"{key}: {text}"
    return "The request could not be completed."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, LuminaError):
        reply = Response(envelope(exc.code, exc.message, exc.details), status=exc.status)
        retry_after = exc.details.get("retry_after")
        if isinstance(retry_after, int):
            reply["Retry-After"] = str(retry_after)
        return reply
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return exception_handler(RequestTooLarge(), context)
    elif isinstance(exc, SuspiciousOperation):
        # Django's own refusals while parsing a body (more than DATA_UPLOAD_MAX_NUMBER_FIELDS
        # fields or files, a malformed multipart): a 400, as Django answers them itself.
        exc = exceptions.ParseError(str(exc) or "The request body could not be parsed.")
    elif isinstance(exc, DataError):
        # PostgreSQL refused a value the validation let through (an integer past the
        # column's range, a NUL byte, an impossible date): the client's input, not a
        # fault of ours. lumina.core.input does the same for the web pages.
        logger.warning("Input refused by the database: %s", exc)
        return exception_handler(
            LuminaError("A value is out of range or not valid.", code="invalid"), context
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            envelope("server_error", "Something went wrong on our side."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    assert isinstance(exc, exceptions.APIException)
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    details: Any = {}
    if isinstance(exc, exceptions.ValidationError):
        details = {"fields": exc.detail} if isinstance(exc.detail, dict) else {"errors": exc.detail}
        message = _message(exc.detail)
    else:
        message = _message(exc.detail)
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        details = {"retry_after": int(wait)}
    response.data = envelope(code, message, details)
    return response


def json_error_view(code: str, message: str, status_code: int) -> Callable[..., JsonResponse]:
    """A plain Django view for API paths that never reached DRF (404, 500)."""

    def view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
        return JsonResponse(envelope(code, message), status=status_code)

    return view
