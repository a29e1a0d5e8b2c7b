"""Malformed input is the client's error everywhere: a 400 (or 413), never a 500.

One middleware for the API and the web pages, so that no view has to think of it:

- a NUL byte anywhere in the query string or in a form body: PostgreSQL cannot store or
  compare text with NUL, so such a value would fail deep inside a query;
- a non-file body (JSON, form) longer than ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413 before
  it is read (Django refuses forms only when ``request.POST`` is first touched, by then
  often inside a view);
- a ``DataError`` from PostgreSQL that escapes a web view (an integer past the column's
  range, an impossible date): the input was wrong, the answer is a 400 page. The API's
  exception handler (``lumina.core.api``) does the same in the envelope.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request

from .errors import envelope

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
FORM_TYPE = "application/x-www-form-urlencoded"


def _has_nul(encoded: bytes) -> bool:
    return b"\x00" in encoded or b"\x00" in unquote_to_bytes(encoded.replace(b"+", b" "))


def refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(envelope(code, message), status=status)
    if status == 400:
        return bad_request(request, exception=None)  # type: ignore[arg-type]
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class InputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._check(request)
        if refused is not None:
            return refused
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in query or "%00" in query:
            return refuse(request, 400, "invalid", "The address contains a NUL character.")
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/"):
            return None  # files have their own limits; text fields are validated by forms
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refuse(request, 400, "parse_error", "Content-Length is not a number.")
        if limit is not None and declared > limit:
            return refuse(
                request, 413, "request_too_large", f"The request body is over {limit} bytes."
            )
        if content_type.startswith(FORM_TYPE) and declared:
            try:
                body = request.body
            except RequestDataTooBig:
                return refuse(request, 413, "request_too_large", "The request body is too large.")
            if _has_nul(body):
                return refuse(request, 400, "invalid", "A form field contains a NUL character.")
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DataError):
            logger.warning("Input refused by the database: %s", exception)
            return refuse(request, 400, "invalid", "A value is out of range or not valid.")
        return None
