"""Search filters: one table (``SEARCH_FILTERS``), parsed from query parameters and
applied to the search documents; the OpenAPI parameters and the table in docs/search.md
come from it too.

The same filters serve ``/api/v1/search/``, the web search and map pages, and (through
the ``asset_list_filters`` registry, see ``AssetListSearch``) gallery's
``/api/v1/assets/``. Every filter combines with the others and with the text query
(AND); lists inside one filter are explained per filter. The dates, ``visibility`` and
``status`` are gallery's own entries (``gallery.filtering``): one definition for both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from accounts.models import Membership
from gallery.filtering import (
    ASSET_FILTERS,
    STATUS,
    TAKEN_AFTER,
    TAKEN_BEFORE,
    UPLOADED_AFTER,
    UPLOADED_BEFORE,
    VISIBILITY,
)
from gallery.models import Favorite, Tag
from lumina.core.filtering import (
    Filter,
    FilterSet,
    Param,
    bool_filter,
    first,
    int_filter,
    invalid,
    lookup,
    many,
    text_filter,
    to_bool,
    to_choice,
    to_floats,
)

from .models import SearchDocument
from .query import DocSQL

ORIENTATIONS = ("landscape", "portrait", "square")
FORMAT_ALIASES = {"jpg": "jpeg", "tif": "tiff", "heic": "heif"}
KM_PER_DEGREE = 111.195
DEFAULT_RADIUS_KM = 10.0


class Circle(NamedTuple):
    latitude: float
    longitude: float
    radius_km: float


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
    near: Circle | None = None  # latitude, longitude and radius

    @property
    def radius_km(self) -> float | None:
        return self.near.radius_km if self.near is not None else None

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


# The text parameters, read by ``search_request_from`` and gallery's list (as a filter).
TEXT_PARAMS = (
    Param("q", str, 'Web search syntax: words, "a phrase", -exclude, a or b'),
    Param("prefix", bool, "Complete the last word (type-ahead)"),
)


def search_request_from(params: Mapping[str, Any]) -> SearchRequest:
    """``q``, ``prefix``, ``order`` and the filters, from query parameters."""
    return SearchRequest(
        q=first(params, "q")[:500],
        prefix=bool(to_bool(first(params, "prefix"), "prefix")),
        order=first(params, "order").lower(),
        filters=SEARCH_FILTERS.parse(params),
    )


# --- parsers and appliers of the filters that are search's own ----------------------------


def _orientation(params: Mapping[str, Any]) -> str | None:
    return to_choice(first(params, "orientation").lower(), "orientation", ORIENTATIONS)


def _by_orientation(docs: QuerySet[Any], orientation: str, membership: Any) -> QuerySet[Any]:
    if orientation == "landscape":
        return docs.filter(width__gt=F("height"))
    if orientation == "portrait":
        return docs.filter(width__lt=F("height"))
    return docs.filter(width=F("height"))


def _formats(params: Mapping[str, Any]) -> tuple[str, ...]:
    formats = []
    for raw in many(params, "format"):
        name = raw.lower()
        if not re.fullmatch(r"[a-z0-9]{2,8}", name):
            raise invalid("format", f"unknown format {raw!r}.")
        formats.append(FORMAT_ALIASES.get(name, name))
    return tuple(dict.fromkeys(formats))


def _tags(*names: str) -> Any:
    def parse(params: Mapping[str, Any]) -> tuple[str, ...]:
        found = [tag for name in names for tag in many(params, name)]
        return tuple(dict.fromkeys(t[:64] for t in found))

    return parse


def _tag_ids(tenant_id: int, names: tuple[str, ...]) -> dict[str, int]:
    lowered = [n.lower() for n in names]
    found = Tag.objects.annotate(lname=Lower("name")).filter(tenant_id=tenant_id, lname__in=lowered)
    return dict(found.values_list("lname", "pk"))


def _all_tags(docs: QuerySet[Any], tags: tuple[str, ...], membership: Any) -> QuerySet[Any]:
    ids = _tag_ids(membership.tenant_id, tags)
    if len(ids) < len({t.lower() for t in tags}):
        return docs.none()
    return docs.filter(tag_ids__contains=sorted(ids.values()))


def _any_tag(docs: QuerySet[Any], tags: tuple[str, ...], membership: Any) -> QuerySet[Any]:
    ids = _tag_ids(membership.tenant_id, tags)
    if not ids:
        return docs.none()
    return docs.filter(tag_ids__overlap=sorted(ids.values()))


def _favorite(docs: QuerySet[Any], favorite: bool, membership: Any) -> QuerySet[Any]:
    mine = Exists(
        Favorite.objects.filter(user_id=membership.user_id, asset_id=OuterRef("asset_id"))
    )
    return docs.filter(mine) if favorite else docs.exclude(mine)


def _place(docs: QuerySet[Any], place: str, membership: Any) -> QuerySet[Any]:
    return docs.filter(
        DocSQL("{doc}.place_terms @> ARRAY[lower(lumina_unaccent(%s))]::varchar[]", [place])
    )


def _country(params: Mapping[str, Any]) -> str | None:
    country = first(params, "country").upper() or None
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise invalid("country", "use a two-letter ISO country code.")
    return country


def _bbox(params: Mapping[str, Any]) -> tuple[float, ...] | None:
    bbox = to_floats(first(params, "bbox"), "bbox", 4)
    if bbox is not None:
        west, south, east, north = bbox
        if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
            raise invalid("bbox", "west,south,east,north in degrees, south <= north.")
    return bbox


def _near(params: Mapping[str, Any]) -> Circle | None:
    near = to_floats(first(params, "near"), "near", 2)
    if near is not None and not (-90 <= near[0] <= 90 and -180 <= near[1] <= 180):
        raise invalid("near", "latitude,longitude in degrees.")
    radius = first(params, "radius_km")
    radius_km = DEFAULT_RADIUS_KM
    if radius:
        try:
            radius_km = float(radius)
        except ValueError:
            raise invalid("radius_km", "use a number of kilometres.") from None
        if not (0 < radius_km <= 20000):
            raise invalid("radius_km", "between 0 and 20000 km.")
    return Circle(near[0], near[1], radius_km) if near is not None else None


def _size(field: str, lookup_name: str, doc: str) -> Filter:
    bound = "At least" if field.startswith("min_") else "At most"
    unit = "bytes" if field.endswith("bytes") else f"pixels of {field[4:]}"
    return int_filter(field, lookup(lookup_name), description=f"{bound} this many {unit}", doc=doc)


# Search's filters, in the order they narrow the documents (and the docs table's order).
SEARCH_FILTERS = FilterSet(
    SearchFilters,
    [
        TAKEN_AFTER,
        TAKEN_BEFORE,
        UPLOADED_AFTER,
        UPLOADED_BEFORE,
        int_filter(
            "year",
            lookup("year"),
            low=1800,
            high=2200,
            description="Year taken (else uploaded)",
            doc="the year taken, else the year uploaded (what the year facet counts)",
        ),
        _size("min_bytes", "bytes__gte", "file size"),
        _size("max_bytes", "bytes__lte", "file size"),
        _size("min_width", "width__gte", "pixels"),
        _size("max_width", "width__lte", "pixels"),
        _size("min_height", "height__gte", "pixels"),
        _size("max_height", "height__lte", "pixels"),
        Filter(
            field="orientation",
            params=(Param("orientation", str, "Width against height", ORIENTATIONS),),
            parse=_orientation,
            apply=_by_orientation,
            doc="`landscape`, `portrait` or `square`",
        ),
        Filter(
            field="formats",
            params=(Param("format", str, "Comma-separated: jpeg,png,webp,..."),),
            parse=_formats,
            apply=lookup("format__in"),
            doc="comma-separated: `jpeg,png,webp,avif,heif,gif,tiff` "
            "(`jpg`, `tif`, `heic` accepted)",
        ),
        Filter(
            field="tags_all",
            params=(
                Param("tag", str, "A tag; repeat for more (all of them, with `tags`)"),
                Param("tags", str, "Comma-separated; all of them (also `tag`)"),
            ),
            parse=_tags("tag", "tags"),
            apply=_all_tags,
            doc="all of these tags (comma-separated, case-insensitive)",
            label="`tags` (or repeated `tag`)",
        ),
        Filter(
            field="tags_any",
            params=(Param("tags_any", str, "Comma-separated; any of them"),),
            parse=_tags("tags_any"),
            apply=_any_tag,
            doc="any of these tags",
        ),
        int_filter(
            "album",
            lambda docs, album, membership: docs.filter(album_ids__contains=[album]),
            low=1,
            description="Album id, sub-albums included",
            doc="an album id, its sub-albums included (once albums feed the index, see below)",
        ),
        text_filter(
            "camera",
            lookup("camera__iexact"),
            max_length=201,
            description="Make and model as in the camera facet",
            doc="make and model as the camera facet shows them (`Canon EOS R5`)",
        ),
        text_filter(
            "camera_make",
            lookup("camera_make__iexact"),
            max_length=100,
            description="As written by the camera, case-insensitive",
            doc="as written by the camera, case-insensitive",
        ),
        text_filter(
            "camera_model",
            lookup("camera_model__iexact"),
            max_length=100,
            description="As written by the camera, case-insensitive",
            doc="as written by the camera, case-insensitive",
        ),
        bool_filter(
            "favorite",
            _favorite,
            description="true: the caller's favourites; false: the others",
            doc="`true`: the caller's favourites; `false`: the others",
        ),
        VISIBILITY,
        STATUS.applied_by(lookup("asset__status")),
        bool_filter(
            "has_gps",
            lambda docs, has_gps, membership: docs.filter(latitude__isnull=not has_gps),
            description="With a position (true) or without (false)",
            doc="`true` or `false`",
        ),
        text_filter(
            "place",
            _place,
            max_length=200,
            description="City, region or country name",
            doc="a city, region or country name (accents and case ignored): `Bandung`, `France`",
        ),
        Filter(
            field="country",
            params=(Param("country", str, "ISO 3166 two-letter code"),),
            parse=_country,
            apply=lookup("country_code"),
            doc="ISO 3166 code: `FR`",
        ),
        Filter(
            field="bbox",
            params=(Param("bbox", str, "west,south,east,north in degrees"),),
            parse=_bbox,
            apply=lambda docs, bbox, membership: docs.filter(within_bbox(bbox)),
            doc="`west,south,east,north` in degrees "
            "(may cross the antimeridian: `170,-20,-170,-10`)",
        ),
        Filter(
            field="near",
            params=(
                Param("near", str, "latitude,longitude"),
                Param("radius_km", float, "Around `near` (default 10)"),
            ),
            parse=_near,
            apply=lambda docs, near, membership: docs.filter(
                within_radius((near.latitude, near.longitude), near.radius_km)
            ),
            doc="`lat,lon` and a radius (default 10 km), great-circle distance",
        ),
    ],
)

# Every parameter the filters read, for forms and links that carry a search along.
PARAMS = SEARCH_FILTERS.names()
# The parameters gallery's asset list reads itself; ``AssetListSearch`` leaves them to it.
GALLERY_PARAMS = frozenset(ASSET_FILTERS.names())


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


def asset_list_filter(
    queryset: QuerySet[Any], *, membership: Membership, params: Mapping[str, Any]
) -> QuerySet[Any]:
    """The search filters (and ``q``, as a filter) on gallery's asset list, leaving the
    parameters gallery reads itself to it. ``queryset`` is gallery's scoped asset
    QuerySet; its order and annotations are kept."""
    from .query import Matches, build_tsquery

    filters = SEARCH_FILTERS.parse(params, ignore=GALLERY_PARAMS)
    text = first(params, "q")[:500]
    if filters.is_empty() and not text:
        return queryset
    docs = SEARCH_FILTERS.apply(
        SearchDocument.objects.filter(tenant_id=membership.tenant_id), filters, membership
    )
    if text:
        tsquery = build_tsquery(text, prefix=bool(to_bool(first(params, "prefix"), "prefix")))
        docs = docs.filter(Matches(tsquery)) if tsquery is not None else docs.none()
    return queryset.filter(pk__in=docs.values("asset_id"))


class AssetListSearch:
    """Search's entry in ``lumina.core.plugins.asset_list_filters`` (registered in
    ``SearchConfig.ready()``): its filters and ``q`` on gallery's asset list."""

    @property
    def parameters(self) -> Sequence[Any]:
        return [
            *(p.openapi() for p in TEXT_PARAMS),
            *SEARCH_FILTERS.openapi_parameters(ignore=GALLERY_PARAMS),
        ]

    def apply(
        self, queryset: QuerySet[Any], *, membership: Any, params: Mapping[str, Any]
    ) -> QuerySet[Any]:
        return asset_list_filter(queryset, membership=membership, params=params)


ASSET_LIST_SEARCH = AssetListSearch()
