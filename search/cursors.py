"""Opaque keyset cursors for search results.

A cursor holds where the last page ended (its sort key) and how the query was read
(exact, prefix or corrected), so every page of one search uses the same reading and
costs the same however deep it is. It grants nothing: the next page is scoped to the
caller like the first, so a forged cursor can only skip results the caller may see.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from lumina.core.errors import ValidationFailed


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"
    default_message = "The cursor is not valid; start again from the first page."


@dataclass(frozen=True)
class Cursor:
    order: str
    text: str  # the text actually searched (after correction)
    prefix: bool
    mode: str
    phase: str = "date"  # "rank": inside the ranked window; "date": newest (or oldest) first
    rank: float | None = None
    created: str | None = None  # ISO date-time of the last row
    id: int | None = None
    boundary_created: str | None = None  # oldest row of the ranked window
    boundary_id: int | None = None

    def encode(self) -> str:
        raw = json.dumps(asdict(self), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def decode(value: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            data: dict[str, Any] = json.loads(raw)
            cursor = Cursor(**data)
            for stamp in (cursor.created, cursor.boundary_created):
                if stamp is not None:
                    datetime.fromisoformat(stamp)
            if cursor.phase not in ("rank", "date"):
                raise ValueError(cursor.phase)
            for number in (cursor.id, cursor.boundary_id):
                if number is not None and not isinstance(number, int):
                    raise ValueError(number)
            if cursor.rank is not None and not isinstance(cursor.rank, int | float):
                raise ValueError(cursor.rank)
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InvalidCursor() from None
        return cursor

    @property
    def created_at(self) -> datetime | None:
        return datetime.fromisoformat(self.created) if self.created else None

    @property
    def boundary(self) -> tuple[datetime, int] | None:
        if self.boundary_created is None or self.boundary_id is None:
            return None
        return datetime.fromisoformat(self.boundary_created), self.boundary_id
