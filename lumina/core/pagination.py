from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.request import Request

from .errors import LuminaError


class InvalidCursor(LuminaError):
    code = "invalid_cursor"
    status = 400
    default_message = "The cursor is not valid; start again from the first page."


class CursorPagination(pagination.CursorPagination):
    """Stable, opaque cursors: deep pages cost the same as the first one.

    A cursor is client input: one that does not decode, or whose position is not a
    value of the ordering field, is a 400 ``invalid_cursor`` (DRF answers 404 for the
    first and lets the second reach PostgreSQL, where it became a 500).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering: Any = ("-created_at", "-id")

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        self._queryset_model = queryset.model if isinstance(queryset, QuerySet) else None
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except Exception:  # DRF raises NotFound; a bad cursor is bad input
            raise InvalidCursor() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(str(cursor.position))
        return cursor

    def _check_position(self, position: str) -> None:
        if "\x00" in position:
            raise InvalidCursor()
        model = getattr(self, "_queryset_model", None)
        ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        if model is None:
            return
        try:
            field = model._meta.get_field(ordering.lstrip("-"))
            value = field.to_python(position)
            # Field.to_python accepts what PostgreSQL may still refuse (out-of-range
            # integers, for one); the field's own validators know its range.
            field.run_validators(value)
        except FieldDoesNotExist:
            return
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            raise InvalidCursor() from None

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {
            "type": "string",
            "nullable": True,
            "format": "uri",
            "description": "The next (or previous) page; null at the end.",
        }
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    **link,
                    "example": f"https://photos.example.com/api/v1/assets/?{self.cursor_query_param}=cD0yMDI2",
                },
                "previous": link,
                "results": schema,
            },
        }
