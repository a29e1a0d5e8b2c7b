"""Errors of albums and sharing (codes are listed in docs/albums.md)."""

from __future__ import annotations

from lumina.core.errors import Conflict, LuminaError, NotFound, PermissionDenied, ValidationFailed


class AlbumCycle(Conflict):
    code = "album_cycle"
    default_message = "An album cannot be moved into itself or one of its own sub-albums."


class AlbumForbidden(PermissionDenied):
    code = "album_forbidden"
    default_message = "Your access to this album does not allow that."


class NotInAlbum(ValidationFailed):
    code = "not_in_album"
    default_message = "Some of these assets are not in the album."


class ShareLinkUnavailable(NotFound):
    """Unknown, expired, revoked or used-up links all look the same to visitors."""

    code = "share_link_unavailable"
    default_message = "This link does not exist, has expired or was withdrawn."


class SharePasswordWrong(LuminaError):
    code = "share_password_wrong"
    status = 401
    default_message = "That password is not right."


class SharePasswordThrottled(LuminaError):
    code = "share_password_throttled"
    status = 429
    default_message = "Too many wrong passwords. Try again later."


class DownloadsNotAllowed(PermissionDenied):
    code = "share_downloads_not_allowed"
    default_message = "Downloads are not allowed through this link."


class DownloadLimitReached(LuminaError):
    code = "share_download_limit"
    status = 410
    default_message = "This link has no downloads left."


class ZipTooLarge(ValidationFailed):
    code = "zip_too_many"
    default_message = "Too many assets for one ZIP."
