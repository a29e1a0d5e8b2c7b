"""The OpenAPI schema tells what the API really answers, for every operation at once.

drf-spectacular documents what a view declares (its 2xx body). Everything an operation
can answer besides comes from layers the view never mentions: authentication (401),
permissions, scopes and IP lists (403), the workspace lookup (404), parsers and field
validation (400, 413, 415), services (409), throttles (429 with ``Retry-After``) and
the rate-limit headers on every throttled answer. This ``AutoSchema`` adds them from
the operation's shape, so a new endpoint is documented right without decorating it:

- every error answer is the one envelope ``{"error": {"code", "message", "details"}}``
  with the codes that status can carry (``ERROR_CODES``, kept complete against the
  code by ``tests/core/test_api_docs.py``);
- a ``GET`` whose response is a list is cursor-paginated (``{"next", "previous",
  "results"}``) unless the view sets ``pagination_class = None``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent, is_serializer

from .ratelimit import RATE_LIMIT_HEADERS

# Which error codes each status can carry. docs/api.md lists the same codes with when
# they happen; tests/core/test_api_docs.py fails when code raises one missing here.
ERROR_CODES: dict[int, tuple[str, ...]] = {
    400: (
        "invalid",
        "parse_error",
        "invalid_cursor",
        "bulk_too_large",
        "invalid_scope",
        "invalid_cidr",
        "ip_self_lockout",
        "album_too_deep",
        "not_in_album",
        "zip_too_many",
        "not_duplicates",
        "email_taken",
        "wrong_password",
        "invalid_otp",
        "otp_not_started",
        "deletion_plan_invalid",
        "invalid_text",
        "too_long",
        "invalid_pattern",
        "error",
    ),
    401: (
        "not_authenticated",
        "authentication_failed",
        "share_password_required",
        "share_password_wrong",
    ),
    403: (
        "not_authenticated",
        "permission_denied",
        "role_forbidden",
        "album_forbidden",
        "insufficient_scope",
        "ip_not_allowed",
        "invitation_email_mismatch",
        "two_factor_pending",
        "two_factor_required",
        "password_expired",
        "share_downloads_not_allowed",
        "session_required",
    ),
    404: ("not_found", "invitation_invalid", "share_link_unavailable", "unknown_rendition"),
    405: ("method_not_allowed",),
    406: ("not_acceptable",),
    409: (
        "conflict",
        "already_member",
        "last_owner",
        "export_pending",
        "album_cycle",
        "two_factor_required",
    ),
    410: ("share_download_limit",),
    413: (
        "request_too_large",
        "quota_exceeded",
        "file_too_large",
        "image_too_large",
        "metadata_too_large",
        "too_many_frames",
    ),
    415: ("unsupported_media_type", "unsupported_media"),
    422: ("corrupt_image", "render_failed"),
    429: ("rate_limited", "locked_out", "share_password_throttled"),
    500: ("server_error",),
}

STATUS_TEXT = {
    400: "Bad request: the input is malformed or not valid.",
    401: "No valid credentials (a bad, expired or revoked Bearer token).",
    403: "Not allowed: role, token scope, IP list or a pending second factor.",
    404: "Missing, or not yours to see (another workspace's objects look missing).",
    405: "This method is not allowed here.",
    406: "The Accept header asks for a format the API cannot give.",
    409: "The request conflicts with the current state.",
    410: "Gone: the share link's download limit is used up.",
    413: "The body, the file or the workspace quota is too large.",
    415: "The body's content type is not one this operation reads.",
    422: "The image could not be decoded.",
    429: "Too many requests: wait `Retry-After` seconds.",
    500: "Our fault; the server log has the details under the request id.",
}

ERROR_COMPONENT = "Error"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable."},
                "message": {"type": "string", "description": "For people; translated."},
                "details": {"type": "object", "additionalProperties": True},
            },
        }
    },
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}

_UNSET = object()


def all_error_codes() -> set[str]:
    return {code for codes in ERROR_CODES.values() for code in codes}


class AutoSchema(openapi.AutoSchema):
    def _get_paginator(self) -> Any:
        from .pagination import CursorPagination

        declared: Any = getattr(self.view, "pagination_class", _UNSET)
        if declared is _UNSET:
            declared = CursorPagination if self.method == "GET" else None
        return declared() if declared else None

    def _error_statuses(self) -> list[int]:
        statuses = [400, 401, 403, 404, 405, 406, 429, 500]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            statuses += [409, 413, 415]
        if self._takes_a_file():
            # Uploads: the decoder's verdict on the file.
            statuses.append(422)
        return sorted(statuses)

    def _takes_a_file(self) -> bool:
        from rest_framework import serializers

        if self.method != "POST":
            return False
        request = self.get_request_serializer()
        if isinstance(request, dict):
            request = next(iter(request.values()), None)
        if isinstance(request, type):
            request = request()
        fields = getattr(request, "fields", {})
        return any(isinstance(field, serializers.FileField) for field in fields.values())

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        declared = self.get_response_serializers()
        if self.method == "DELETE" and is_serializer(declared):
            # drf-spectacular documents every DELETE as 204; one that answers with the
            # object (a share link is revoked, not deleted) says so with its serializer.
            responses = {
                "200": self._get_response_for_code(  # type: ignore[no-untyped-call]
                    declared, "200", direction=direction
                )
            }
        else:
            responses = super()._get_response_bodies(direction)
        ref = self._error_component().ref
        for status in self._error_statuses():
            key = str(status)
            if key in responses:
                continue
            codes = ", ".join(f"`{code}`" for code in ERROR_CODES[status])
            responses[key] = {
                "content": {"application/json": {"schema": ref}},
                "description": f"{STATUS_TEXT[status]} Codes: {codes}.",
            }
            if status == 429:
                responses[key]["headers"] = dict(RETRY_AFTER)
        for key, response in responses.items():
            headers = response.setdefault("headers", {})
            if key != "500":
                for name, header in RATE_LIMIT_HEADERS.items():
                    headers.setdefault(name, header)
            if not headers:
                del response["headers"]
        return responses

    def _error_component(self) -> ResolvedComponent:
        component = ResolvedComponent(  # type: ignore[no-untyped-call]
            name=ERROR_COMPONENT,
            type=ResolvedComponent.SCHEMA,
            schema=ERROR_SCHEMA,
            object=ERROR_COMPONENT,
        )
        self.registry.register_on_missing(component)
        return component
