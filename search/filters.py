"""Search filters: parsed from query parameters, applied to the search documents.

The same filters serve ``/api/v1/search/``, the web search and map pages, and (through
``asset_list_filter``) gallery's ``/api/v1/assets/``. Every filter combines with the
others and with the text query (AND); lists inside one filter are explained per filter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, time
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import Membership
from gallery.models import Favorite, Status, Tag, Visibility
from lumina.core.errors import ValidationFailed

from .models import SearchDocument
from .query import DocSQL

ORIENTATIONS = ("landscape", "portrait", "square")
FORMAT_ALIASES = {"jpg": "jpeg", "tif": "tiff", "heic": "heif"}
MAX_LIST = 50
KM_PER_DEGREE = 111.195


@dataclass(frozen=True)
class SearchFilters:
    taken_after: datetime | None = None
    taken_before: datetime | None = None
    uploaded_after: datetime | None = None
    uploaded_before: datetime | None = None
    year: int | None = None
    min_bytes: int | None = None
    max_bytes: int | None = None
    min_width: int | None = None
    max_width: int | None = None
    min_height: int | None = None
    max_height: int | None = None
    orientation: str | None = None
    formats: tuple[str, ...] = ()
    tags_all: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    album: int | None = None
    camera: str | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    favorite: bool | None = None
    visibility: str | None = None
    status: str | None = None
    has_gps: bool | None = None
    place: str | None = None
    country: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    near: tuple[float, float] | None = None  # latitude, longitude
    radius_km: float | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, ()) for f in fields(self))

    def active(self) -> dict[str, Any]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) not in (None, ())}


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    prefix: bool = False
    order: str = ""  # "relevance" (the default with text), "newest" or "oldest"
    filters: SearchFilters = field(default_factory=SearchFilters)

    @property
    def text(self) -> str:
        return self.q.strip()[:500]


def search_request_from(params: Mapping[str, Any]) -> SearchRequest:
    """``q``, ``prefix``, ``order`` and the filters, from query parameters."""
    return SearchRequest(
        q=_get(params, "q")[:500],
        prefix=bool(parse_bool(_get(params, "prefix"), "prefix")),
        order=_get(params, "order").lower(),
        filters=filters_from_params(params),
    )


# Parameters gallery's asset list reads itself; `asset_list_filter` leaves them to it.
GALLERY_PARAMS = frozenset(
    {
        "tag",
        "favorite",
        "visibility",
        "status",
        "uploaded_after",
        "uploaded_before",
        "taken_after",
        "taken_before",
        "trashed",
    }
)

# Every parameter the filters read, for forms and links that carry a search along.
PARAMS = (
    "taken_after",
    "taken_before",
    "uploaded_after",
    "uploaded_before",
    "year",
    "min_bytes",
    "max_bytes",
    "min_width",
    "max_width",
    "min_height",
    "max_height",
    "orientation",
    "format",
    "tag",
    "tags",
    "tags_any",
    "album",
    "camera",
    "camera_make",
    "camera_model",
    "favorite",
    "visibility",
    "status",
    "has_gps",
    "place",
    "country",
    "bbox",
    "near",
    "radius_km",
)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", details={"field": field})


def _get(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    return str(value).strip() if value is not None else ""


def _getlist(params: Any, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        value = params.get(name)
        values = value if isinstance(value, list | tuple) else ([] if value is None else [value])
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    if len(out) > MAX_LIST:
        raise _invalid(name, f"at most {MAX_LIST} values.")
    return out


def parse_when(value: str, field: str) -> datetime | None:
    """An ISO date (midnight) or date-time; naive ones are in the server's time zone."""
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        day = None if moment else parse_date(value)
    except ValueError:
        moment = day = None
    if moment is None and day is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise _invalid(field, "use an ISO date or date-time.")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def parse_bool(value: str, field: str = "") -> bool | None:
    if value == "":
        return None
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise _invalid(field, "use true or false.")


def _int(value: str, field: str, *, low: int = 0, high: int = 2**62) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise _invalid(field, "use a whole number.") from None
    if not low <= number <= high:
        raise _invalid(field, f"must lie between {low} and {high}.")
    return number


def _floats(value: str, field: str, count: int) -> tuple[float, ...] | None:
    if not value:
        return None
    try:
        numbers = tuple(float(part) for part in value.split(","))
    except ValueError:
        raise _invalid(field, f"use {count} comma-separated numbers.") from None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        raise _invalid(field, f"use {count} comma-separated numbers.")
    return numbers


def filters_from_params(params: Mapping[str, Any]) -> SearchFilters:
    """Parse and check the filter parameters (see ``PARAMS``); errors name the field."""
    orientation = _get(params, "orientation").lower() or None
    if orientation and orientation not in ORIENTATIONS:
        raise _invalid("orientation", f"one of {', '.join(ORIENTATIONS)}.")
    formats = []
    for raw in _getlist(params, "format"):
        name = raw.lower()
        if not re.fullmatch(r"[a-z0-9]{2,8}", name):
            raise _invalid("format", f"unknown format {raw!r}.")
        formats.append(FORMAT_ALIASES.get(name, name))
    visibility = _get(params, "visibility") or None
    if visibility and visibility not in Visibility.values:
        raise _invalid("visibility", f"one of {', '.join(Visibility.values)}.")
    status = _get(params, "status") or None
    if status and status not in Status.values:
        raise _invalid("status", f"one of {', '.join(Status.values)}.")
    country = _get(params, "country").upper() or None
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise _invalid("country", "use a two-letter ISO country code.")

    bbox = _floats(_get(params, "bbox"), "bbox", 4)
    if bbox is not None:
        west, south, east, north = bbox
        if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
            raise _invalid("bbox", "west,south,east,north in degrees, south <= north.")
    near = _floats(_get(params, "near"), "near", 2)
    if near is not None and not (-90 <= near[0] <= 90 and -180 <= near[1] <= 180):
        raise _invalid("near", "latitude,longitude in degrees.")
    radius = _get(params, "radius_km")
    radius_km: float | None = None
    if radius:
        try:
            radius_km = float(radius)
        except ValueError:
            raise _invalid("radius_km", "use a number of kilometres.") from None
        if not (0 < radius_km <= 20000):
            raise _invalid("radius_km", "between 0 and 20000 km.")
    if near is not None and radius_km is None:
        radius_km = 10.0

    tags_all = [*_getlist(params, "tag"), *_getlist(params, "tags")]
    return SearchFilters(
        taken_after=parse_when(_get(params, "taken_after"), "taken_after"),
        taken_before=parse_when(_get(params, "taken_before"), "taken_before"),
        uploaded_after=parse_when(_get(params, "uploaded_after"), "uploaded_after"),
        uploaded_before=parse_when(_get(params, "uploaded_before"), "uploaded_before"),
        year=_int(_get(params, "year"), "year", low=1800, high=2200),
        min_bytes=_int(_get(params, "min_bytes"), "min_bytes"),
        max_bytes=_int(_get(params, "max_bytes"), "max_bytes"),
        min_width=_int(_get(params, "min_width"), "min_width"),
        max_width=_int(_get(params, "max_width"), "max_width"),
        min_height=_int(_get(params, "min_height"), "min_height"),
        max_height=_int(_get(params, "max_height"), "max_height"),
        orientation=orientation,
        formats=tuple(dict.fromkeys(formats)),
        tags_all=tuple(dict.fromkeys(t[:64] for t in tags_all)),
        tags_any=tuple(dict.fromkeys(t[:64] for t in _getlist(params, "tags_any"))),
        album=_int(_get(params, "album"), "album", low=1),
        camera=_get(params, "camera")[:201] or None,
        camera_make=_get(params, "camera_make")[:100] or None,
        camera_model=_get(params, "camera_model")[:100] or None,
        favorite=parse_bool(_get(params, "favorite"), "favorite"),
        visibility=visibility,
        status=status,
        has_gps=parse_bool(_get(params, "has_gps"), "has_gps"),
        place=_get(params, "place")[:200] or None,
        country=country,
        bbox=bbox,  # type: ignore[arg-type]
        near=near,  # type: ignore[arg-type]
        radius_km=radius_km if near is not None else None,
    )


def _tag_ids(tenant_id: int, names: tuple[str, ...]) -> dict[str, int]:
    lowered = [n.lower() for n in names]
    found = Tag.objects.annotate(lname=Lower("name")).filter(tenant_id=tenant_id, lname__in=lowered)
    return dict(found.values_list("lname", "pk"))


def apply_filters(
    docs: QuerySet[SearchDocument], *, membership: Membership, filters: SearchFilters
) -> QuerySet[SearchDocument]:
    """Narrow scoped documents by ``filters``. A filter no asset can meet (an unknown
    tag among "all of") gives an empty result, not an error."""
    f = filters
    if f.taken_after:
        docs = docs.filter(taken_at__gte=f.taken_after)
    if f.taken_before:
        docs = docs.filter(taken_at__lt=f.taken_before)
    if f.uploaded_after:
        docs = docs.filter(created_at__gte=f.uploaded_after)
    if f.uploaded_before:
        docs = docs.filter(created_at__lt=f.uploaded_before)
    if f.year is not None:
        docs = docs.filter(year=f.year)
    for name, lookup in (
        ("min_bytes", "bytes__gte"),
        ("max_bytes", "bytes__lte"),
        ("min_width", "width__gte"),
        ("max_width", "width__lte"),
        ("min_height", "height__gte"),
        ("max_height", "height__lte"),
    ):
        value = getattr(f, name)
        if value is not None:
            docs = docs.filter(**{lookup: value})
    if f.orientation == "landscape":
        docs = docs.filter(width__gt=F("height"))
    elif f.orientation == "portrait":
        docs = docs.filter(width__lt=F("height"))
    elif f.orientation == "square":
        docs = docs.filter(width=F("height"))
    if f.formats:
        docs = docs.filter(format__in=f.formats)
    if f.tags_all:
        ids = _tag_ids(membership.tenant_id, f.tags_all)
        if len(ids) < len({t.lower() for t in f.tags_all}):
            return docs.none()
        docs = docs.filter(tag_ids__contains=sorted(ids.values()))
    if f.tags_any:
        ids = _tag_ids(membership.tenant_id, f.tags_any)
        if not ids:
            return docs.none()
        docs = docs.filter(tag_ids__overlap=sorted(ids.values()))
    if f.album is not None:
        docs = docs.filter(album_ids__contains=[f.album])
    if f.camera:
        docs = docs.filter(camera__iexact=f.camera)
    if f.camera_make:
        docs = docs.filter(camera_make__iexact=f.camera_make)
    if f.camera_model:
        docs = docs.filter(camera_model__iexact=f.camera_model)
    if f.favorite is not None:
        favorite = Exists(
            Favorite.objects.filter(user_id=membership.user_id, asset_id=OuterRef("asset_id"))
        )
        docs = docs.filter(favorite) if f.favorite else docs.exclude(favorite)
    if f.visibility:
        docs = docs.filter(visibility=f.visibility)
    if f.status:
        docs = docs.filter(asset__status=f.status)
    if f.has_gps is not None:
        docs = docs.filter(latitude__isnull=not f.has_gps)
    if f.place:
        docs = docs.filter(
            DocSQL("{doc}.place_terms @> ARRAY[lower(lumina_unaccent(%s))]::varchar[]", [f.place])
        )
    if f.country:
        docs = docs.filter(country_code=f.country)
    if f.bbox is not None:
        docs = docs.filter(within_bbox(f.bbox))
    if f.near is not None and f.radius_km is not None:
        docs = docs.filter(within_radius(f.near, f.radius_km))
    return docs


def within_bbox(bbox: tuple[float, float, float, float]) -> Q:
    west, south, east, north = bbox
    q = Q(latitude__gte=south, latitude__lte=north)
    if west <= east:
        return q & Q(longitude__gte=west, longitude__lte=east)
    # The box crosses the antimeridian.
    return q & (Q(longitude__gte=west) | Q(longitude__lte=east))


def within_radius(point: tuple[float, float], radius_km: float) -> Q:
    """A bounding box the index can use, then the exact great-circle distance."""
    lat, lon = point
    dlat = radius_km / KM_PER_DEGREE
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    q = Q(latitude__gte=south, latitude__lte=north)
    cos_lat = math.cos(math.radians(lat))
    if north < 90 and south > -90 and cos_lat > 1e-6:
        dlon = radius_km / (KM_PER_DEGREE * cos_lat)
        if dlon < 180:
            west, east = lon - dlon, lon + dlon
            if west < -180 or east > 180:
                west = (west + 540) % 360 - 180
                east = (east + 540) % 360 - 180
                q &= Q(longitude__gte=west) | Q(longitude__lte=east)
            else:
                q &= Q(longitude__gte=west, longitude__lte=east)
    distance = DocSQL(
        "2 * 6371.0088 * asin(least(1.0, sqrt("
        "power(sin(radians({doc}.latitude - %s) / 2), 2) + cos(radians(%s)) "
        "* cos(radians({doc}.latitude)) "
        "* power(sin(radians({doc}.longitude - %s) / 2), 2)))) <= %s",
        [lat, lat, lon, radius_km],
    )
    return q & Q(distance)


def asset_list_filter(queryset: Any, *, membership: Membership, params: Mapping[str, Any]) -> Any:
    """The search filters (and ``q``, as a filter) on gallery's asset list, leaving the
    parameters gallery reads itself to it. ``queryset`` is gallery's scoped asset
    QuerySet; its order and annotations are kept."""
    from .query import Matches, build_tsquery

    own = {k: v for k, v in _items(params) if k not in GALLERY_PARAMS}
    filters = filters_from_params(_Params(own))
    text = _get(params, "q")[:500]
    if filters.is_empty() and not text:
        return queryset
    docs = apply_filters(
        SearchDocument.objects.filter(tenant_id=membership.tenant_id),
        membership=membership,
        filters=filters,
    )
    if text:
        tsquery = build_tsquery(text, prefix=bool(parse_bool(_get(params, "prefix"), "prefix")))
        docs = docs.filter(Matches(tsquery)) if tsquery is not None else docs.none()
    return queryset.filter(pk__in=docs.values("asset_id"))


class _Params(dict[str, list[str]]):
    """A plain dict that answers ``getlist`` like a QueryDict."""

    def get(self, key: str, default: Any = None) -> Any:
        values = super().get(key)
        return values[-1] if values else default

    def getlist(self, key: str) -> list[str]:
        return list(super().get(key) or [])


def _items(params: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    if hasattr(params, "lists"):
        return list(params.lists())
    return [(k, v if isinstance(v, list) else [v]) for k, v in params.items()]
