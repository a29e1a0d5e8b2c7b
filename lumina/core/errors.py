"""The one error type of the domain. Services raise these; the API handler and the
web error pages turn them into responses."""

from __future__ import annotations

from typing import Any


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one error body of the API: ``{"error": {"code", "message", "details"}}``."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


class LuminaError(Exception):
    code = "error"
    status = 400
    default_message = "The request could not be completed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details or {}
        super().__init__(self.message)


class NotFound(LuminaError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class PermissionDenied(LuminaError):
    code = "permission_denied"
    status = 403
    default_message = "You do not have permission to do that."


class ValidationFailed(LuminaError):
    code = "invalid"
    status = 400
    default_message = "The data is not valid."


class Conflict(LuminaError):
    code = "conflict"
    status = 409
    default_message = "The request conflicts with the current state."


class QuotaExceeded(LuminaError):
    code = "quota_exceeded"
    status = 413
    default_message = "The workspace storage quota would be exceeded."


class UnsupportedMedia(LuminaError):
    code = "unsupported_media"
    status = 415
    default_message = "This file type is not supported."


class RequestTooLarge(LuminaError):
    code = "request_too_large"
    status = 413
    default_message = "The request body is too large."
