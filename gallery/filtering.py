"""The asset list's filters, as one table (``lumina.core.filtering``).

``ASSET_FILTERS`` parses ``GET /api/v1/assets/``'s parameters into ``AssetFilters``,
applies them in ``selectors.asset_list`` and gives the OpenAPI parameters. Search builds
its own table on these entries (the dates and visibility mean the same on its index) and
plugs the rest into the list through ``lumina.core.plugins.asset_list_filters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from lumina.core.filtering import (
    Applier,
    Filter,
    FilterSet,
    Param,
    choice_filter,
    first,
    lookup,
    moment_filter,
    to_flag,
)

from .models import AssetQuerySet, Favorite, Status, Visibility


@dataclass(frozen=True)
class AssetFilters:
    tag: str | None = None
    favorite: bool | None = None
    visibility: str | None = None
    status: str | None = None
    uploaded_after: datetime | None = None
    uploaded_before: datetime | None = None
    taken_after: datetime | None = None
    taken_before: datetime | None = None
    trashed: bool = False


def _trashed(queryset: QuerySet[Any], trashed: bool, membership: Any) -> QuerySet[Any]:
    assert isinstance(queryset, AssetQuerySet)
    return queryset.trashed() if trashed else queryset.alive()


def _favorite(queryset: QuerySet[Any], favorite: bool, membership: Any) -> QuerySet[Any]:
    mine = Exists(Favorite.objects.filter(user=membership.user, asset=OuterRef("pk")))
    return queryset.filter(mine) if favorite else queryset.exclude(mine)


def _flag(field: str, apply: Applier, description: str) -> Filter:
    return Filter(
        field=field,
        params=(Param(field, bool, description),),
        parse=lambda params: to_flag(first(params, field)),
        apply=apply,
    )


# Shared with search (same parameter, same parsing, same field names on its documents).
TAKEN_AFTER = moment_filter(
    "taken_after",
    lookup("taken_at__gte"),
    description="ISO date or date-time (inclusive)",
    doc="date taken (EXIF)",
)
TAKEN_BEFORE = moment_filter(
    "taken_before",
    lookup("taken_at__lt"),
    description="ISO date or date-time (exclusive)",
    doc="date taken (EXIF)",
)
UPLOADED_AFTER = moment_filter(
    "uploaded_after",
    lookup("created_at__gte"),
    description="ISO date or date-time (inclusive)",
    doc="date uploaded",
)
UPLOADED_BEFORE = moment_filter(
    "uploaded_before",
    lookup("created_at__lt"),
    description="ISO date or date-time (exclusive)",
    doc="date uploaded",
)
VISIBILITY = choice_filter(
    "visibility",
    Visibility.values,
    lookup("visibility"),
    description="private, tenant or public",
    doc="`private`, `tenant` or `public`",
)
STATUS = choice_filter(
    "status",
    Status.values,
    lookup("status"),
    description="Processing state",
    doc="`processing`, `ready` or `failed`",
)

ASSET_FILTERS = FilterSet(
    AssetFilters,
    [
        # First: the list is either the trash or the living assets, never both.
        Filter(
            field="trashed",
            params=(Param("trashed", bool, "List the trash instead"),),
            parse=lambda params: bool(to_flag(first(params, "trashed"))),
            apply=_trashed,
        ),
        Filter(
            field="tag",
            params=(Param("tag", str, "Tag name (case-insensitive)"),),
            parse=lambda params: first(params, "tag") or None,
            apply=lookup("asset_tags__tag__name__iexact"),
        ),
        _flag("favorite", _favorite, "true: the caller's favourites; false: the others"),
        VISIBILITY,
        STATUS,
        UPLOADED_AFTER,
        UPLOADED_BEFORE,
        TAKEN_AFTER,
        TAKEN_BEFORE,
    ],
)
