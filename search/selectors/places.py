"""The map: clusters of geotagged photos, and the place of one asset."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection

from accounts.models import Membership
from gallery import selectors as gallery_selectors
from gallery.models import Asset

from ..filters import SEARCH_FILTERS, SearchRequest, within_bbox
from ..models import SearchDocument
from ..query import Matches, build_tsquery
from .fulltext import documents_for

# --- map -------------------------------------------------------------------------------------


@dataclass
class Cluster:
    latitude: float
    longitude: float
    count: int
    asset: Asset | None  # the newest asset of the cluster, for its thumbnail
    bounds: tuple[float, float, float, float]  # west, south, east, north


MAX_CLUSTERS = 1000


def map_clusters(
    *,
    membership: Membership,
    request: SearchRequest,
    bbox: tuple[float, float, float, float],
    zoom: int,
) -> list[Cluster]:
    """Assets with a position inside ``bbox``, grouped in cells of about 60 screen
    pixels at ``zoom`` (Web Mercator tiles of 256 px), one marker per cell."""
    zoom = max(0, min(int(zoom), 22))
    matched = SEARCH_FILTERS.apply(documents_for(membership), request.filters, membership)
    if request.text:
        tsquery = build_tsquery(request.text, prefix=request.prefix)
        matched = matched.filter(Matches(tsquery)) if tsquery is not None else matched.none()
    matched = matched.filter(within_bbox(bbox))
    cell = 360.0 / (2**zoom) / 4
    try:
        sql, params = (
            matched.order_by().values("asset_id", "latitude", "longitude").query.sql_with_params()
        )
    except EmptyResultSet:
        return []
    grouped = f"""
        SELECT count(*), avg(d.latitude), avg(d.longitude), max(d.asset_id),
               min(d.longitude), min(d.latitude), max(d.longitude), max(d.latitude)
        FROM ({sql}) d
        GROUP BY floor(d.longitude / %s), floor(d.latitude / %s)
        ORDER BY count(*) DESC
        LIMIT %s
    """  # noqa: S608  # nosec B608  # the inner SQL is Django's, with its parameters passed apart
    with connection.cursor() as cursor:
        cursor.execute(grouped, [*params, cell, cell, MAX_CLUSTERS])
        rows = cursor.fetchall()
    # Through gallery's scope, but only what a marker shows (title, thumbnail URL):
    # a city at street level can have hundreds of markers.
    samples = {
        asset.pk: asset
        for asset in gallery_selectors.asset_list(membership=membership)
        .filter(pk__in=[row[3] for row in rows])
        .select_related(None)
        .prefetch_related(None)
        .only(
            "id", "sha256", "visibility", "title", "original_filename", "url_version", "deleted_at"
        )
        .order_by()
    }
    return [
        Cluster(
            latitude=float(lat),
            longitude=float(lon),
            count=int(count),
            asset=samples.get(sample),
            bounds=(float(w), float(s), float(e), float(n)),
        )
        for count, lat, lon, sample, w, s, e, n in rows
    ]


def place_of(asset: Asset) -> dict[str, str] | None:
    """The place stored for an asset (from its document), or None."""
    try:
        doc = asset.search_document
    except SearchDocument.DoesNotExist:
        return None
    if not doc.country_code:
        return None
    return {
        "city": doc.place_city,
        "region": doc.place_region,
        "country": doc.place_country,
        "country_code": doc.country_code,
    }
