"""The one rule for "all of these ids, or none": a request naming several objects is
refused whole (404) when any of them is not reachable, and the answer names the ones
missing, exactly as if they did not exist."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from .errors import NotFound, ValidationFailed

M = TypeVar("M", bound=Model)

MAX_NAMED = 100  # the most missing ids an error names


def int_ids(values: Iterable[Any], field: str, *, noun: str = "Asset") -> list[int]:
    """``values`` as integers, duplicates dropped, order kept; `ValidationFailed` naming
    ``field`` when one is not an integer."""
    try:
        return list(dict.fromkeys(int(v) for v in values))
    except (TypeError, ValueError):
        raise ValidationFailed(f"{noun} ids must be integers.", details={"field": field}) from None


def all_or_404(
    queryset: QuerySet[M],
    ids: Iterable[Any],
    *,
    field: str = "ids",
    noun: str = "asset",
) -> list[M]:
    """The objects of ``queryset`` (already scoped to what the caller may reach) with
    these ids, in the order given, duplicates dropped. Any id outside ``queryset`` —
    absent, or another workspace's, or hidden — raises `NotFound` with
    ``details={"missing": [...]}`` (the first 100); ids found elsewhere are never named
    as found. A non-integer id raises `ValidationFailed` naming ``field``."""
    wanted = int_ids(ids, field, noun=noun.capitalize())
    found = {obj.pk: obj for obj in queryset.filter(pk__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"Some {noun}s were not found.", details={"missing": missing[:MAX_NAMED]})
    return [found[i] for i in wanted]
