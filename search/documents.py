"""How an asset becomes a search document: the SQL that (re)builds documents, the
vocabulary and the place list, for one asset or a batch of thousands alike.

What is searched, with its weight (title highest):

====  =======================================================
A     title
B     tag names, album names
C     description, original filename (split at ``_ - .``)
D     place (city, region, country and its other names), camera make, model and lens
====  =======================================================

Stemming is English (``lumina`` text search configuration) with accents folded by
``unaccent``: "Cafés" is found by "cafe", "São Paulo" by "sao paulo".

Album names come from ``album_terms`` (the albums holding the asset and their
ancestors); albums' events (``album.*`` with ``asset_ids`` or ``album_id``) re-index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from gallery.models import Asset

from . import places
from .models import SearchDocument


@dataclass(frozen=True)
class AlbumTerms:
    album_ids: list[int] = field(default_factory=list)  # the albums and all their ancestors
    names: list[str] = field(default_factory=list)


def album_terms(asset_ids: Sequence[int]) -> dict[int, AlbumTerms]:
    """Albums of each asset for the index: the albums holding it plus all their
    ancestors (so that ``album=X`` finds sub-albums' assets too), and their titles.
    Two queries for any batch: the memberships, then the albums of those workspaces."""
    from albums.models import Album, AlbumItem

    pairs = list(
        AlbumItem.objects.filter(asset_id__in=list(asset_ids)).values_list("asset_id", "album_id")
    )
    if not pairs:
        return {}
    tenants = Album.objects.filter(pk__in={album for _, album in pairs}).values("tenant_id")
    tree = {
        pk: (parent, title)
        for pk, parent, title in Album.objects.filter(tenant_id__in=tenants).values_list(
            "pk", "parent_id", "title"
        )
    }
    found: dict[int, AlbumTerms] = {}
    for asset_id, album_id in pairs:
        terms = found.setdefault(asset_id, AlbumTerms())
        current: int | None = album_id
        seen: set[int] = set()
        while current is not None and current in tree and current not in seen:
            seen.add(current)
            if current not in terms.album_ids:
                terms.album_ids.append(current)
                terms.names.append(tree[current][1])
            current = tree[current][0]
    return found


def album_asset_ids(album_id: int) -> list[int]:
    """Assets in an album or its sub-albums, to re-index when it is renamed or moved."""
    from albums.models import AlbumItem
    from albums.selectors import descendant_ids

    return list(
        AlbumItem.objects.filter(album_id__in=descendant_ids(album_id))
        .values_list("asset_id", flat=True)
        .distinct()
    )


# One statement for a batch: derive every column from the asset, its tags and the
# extras computed in Python (place, albums), upsert the documents, and add the words to
# the workspace's vocabulary. Unknown asset ids are skipped (deleted meanwhile).
_UPSERT = r"""
WITH src AS (
    SELECT
        a.id AS asset_id, a.tenant_id, a.owner_id, a.visibility, a.deleted_at, a.created_at,
        a.taken_at,
        EXTRACT(YEAR FROM COALESCE(a.taken_at, a.created_at) AT TIME ZONE 'UTC')::smallint
            AS year,
        a.bytes, a.width, a.height, a.format, a.camera_make, a.camera_model, a.lens,
        CASE
            WHEN a.camera_model = '' THEN a.camera_make
            WHEN a.camera_make = ''
                OR starts_with(lower(a.camera_model), split_part(lower(a.camera_make), ' ', 1))
                THEN a.camera_model
            ELSE a.camera_make || ' ' || a.camera_model
        END AS camera,
        a.latitude, a.longitude, a.phash, a.title, a.description, a.original_filename,
        COALESCE(x.value->>'city', '') AS place_city,
        COALESCE(x.value->>'region', '') AS place_region,
        COALESCE(x.value->>'country', '') AS place_country,
        COALESCE(x.value->>'cc', '') AS country_code,
        COALESCE(x.value->>'aliases', '') AS place_aliases,
        ARRAY(
            SELECT DISTINCT lower(lumina_unaccent(t))
            FROM jsonb_array_elements_text(x.value->'terms') t
        )::varchar(200)[] AS place_terms,
        ARRAY(SELECT jsonb_array_elements_text(x.value->'album_ids'))::bigint[] AS album_ids,
        COALESCE(x.value->>'albums', '') AS album_names,
        COALESCE(t.ids, '{}') AS tag_ids,
        COALESCE(t.names, '') AS tag_names
    FROM gallery_asset a
    LEFT JOIN LATERAL (
        SELECT array_agg(g.id ORDER BY g.id) AS ids, string_agg(g.name, ' ; ') AS names
        FROM gallery_assettag at JOIN gallery_tag g ON g.id = at.tag_id
        WHERE at.asset_id = a.id
    ) t ON true
    LEFT JOIN jsonb_each(%(extras)s::jsonb) x ON x.key = a.id::text
    WHERE a.id = ANY(%(ids)s::bigint[])
),
up AS (
    INSERT INTO search_searchdocument (
        asset_id, tenant_id, owner_id, visibility, deleted_at, created_at, taken_at, year,
        bytes, width, height, format, camera_make, camera_model, camera, latitude, longitude,
        place_city, place_region, place_country, country_code, place_terms, tag_ids,
        album_ids, phash, phash_b0, phash_b1, phash_b2, phash_b3, vector, indexed_at
    )
    SELECT
        asset_id, tenant_id, owner_id, visibility, deleted_at, created_at, taken_at, year,
        bytes, width, height, format, camera_make, camera_model, camera, latitude, longitude,
        place_city, place_region, place_country, country_code, place_terms, tag_ids,
        album_ids, phash,
        (phash & 65535)::int, ((phash >> 16) & 65535)::int,
        ((phash >> 32) & 65535)::int, ((phash >> 48) & 65535)::int,
        setweight(to_tsvector('lumina', title), 'A')
        || setweight(to_tsvector('lumina', tag_names || ' ; ' || album_names), 'B')
        || setweight(to_tsvector('lumina', description || ' '
            || regexp_replace(original_filename, '[_.\-]+', ' ', 'g')), 'C')
        || setweight(to_tsvector('lumina', concat_ws(' ; ', place_city, place_region,
            place_country, place_aliases, camera_make, camera_model, lens)), 'D'),
        now()
    FROM src
    ON CONFLICT (asset_id) DO UPDATE SET
        owner_id = EXCLUDED.owner_id, visibility = EXCLUDED.visibility,
        deleted_at = EXCLUDED.deleted_at, created_at = EXCLUDED.created_at,
        taken_at = EXCLUDED.taken_at, year = EXCLUDED.year, bytes = EXCLUDED.bytes,
        width = EXCLUDED.width, height = EXCLUDED.height, format = EXCLUDED.format,
        camera_make = EXCLUDED.camera_make, camera_model = EXCLUDED.camera_model,
        camera = EXCLUDED.camera, latitude = EXCLUDED.latitude,
        longitude = EXCLUDED.longitude, place_city = EXCLUDED.place_city,
        place_region = EXCLUDED.place_region, place_country = EXCLUDED.place_country,
        country_code = EXCLUDED.country_code, place_terms = EXCLUDED.place_terms,
        tag_ids = EXCLUDED.tag_ids, album_ids = EXCLUDED.album_ids, phash = EXCLUDED.phash,
        phash_b0 = EXCLUDED.phash_b0, phash_b1 = EXCLUDED.phash_b1,
        phash_b2 = EXCLUDED.phash_b2, phash_b3 = EXCLUDED.phash_b3,
        vector = EXCLUDED.vector, indexed_at = EXCLUDED.indexed_at
    RETURNING asset_id
),
vocabulary AS (
    -- Sorted, so that concurrent batches take the unique index's locks in one order.
    INSERT INTO search_searchterm (tenant_id, term)
    SELECT DISTINCT s.tenant_id, w.word
    FROM src s, unnest(tsvector_to_array(to_tsvector('lumina_simple', concat_ws(' ',
        s.title, s.tag_names, s.album_names, s.description, s.place_city, s.place_region,
        s.place_country, s.camera_make, s.camera_model)))) AS w(word)
    WHERE length(w.word) BETWEEN 3 AND 64 AND w.word !~ '[0-9_]'
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING
),
place_list AS (
    INSERT INTO search_searchplace (tenant_id, city, region, country, country_code, norm)
    SELECT DISTINCT s.tenant_id, s.place_city, s.place_region, s.place_country,
        s.country_code,
        lower(lumina_unaccent(concat_ws(', ', s.place_city, s.place_region, s.place_country)))
    FROM src s
    WHERE s.country_code <> ''
    ORDER BY 1, 2, 3, 5
    ON CONFLICT DO NOTHING
)
SELECT count(*) FROM up
"""


@dataclass
class _Known:
    latitude: float | None
    longitude: float | None
    place: places.Place | None
    phash: int | None


def _extras(asset_ids: Sequence[int], *, geocode_all: bool) -> tuple[dict[str, Any], list[int]]:
    """Per asset: the place (looked up only when the position changed since the last
    indexing, or always with ``geocode_all``) and the albums. Also returns the ids
    whose perceptual hash changed, whose near duplicates must be found again."""
    known = {
        doc["asset_id"]: _Known(
            doc["latitude"],
            doc["longitude"],
            places.Place(
                doc["place_city"], doc["place_region"], doc["place_country"], doc["country_code"]
            )
            if doc["country_code"]
            else None,
            doc["phash"],
        )
        for doc in SearchDocument.objects.filter(asset_id__in=asset_ids).values(
            "asset_id",
            "latitude",
            "longitude",
            "place_city",
            "place_region",
            "place_country",
            "country_code",
            "phash",
        )
    }
    rows = list(
        Asset.objects.filter(pk__in=asset_ids).values_list("pk", "latitude", "longitude", "phash")
    )
    resolved: dict[int, places.Place | None] = {}
    to_lookup: list[tuple[int, float, float]] = []
    phash_changed: list[int] = []
    for pk, lat, lon, phash in rows:
        before = known.get(pk)
        if before is None or before.phash != phash:
            phash_changed.append(pk)
        if lat is None or lon is None or not places.valid_point(lat, lon):
            resolved[pk] = None
        elif (
            not geocode_all
            and before is not None
            and (before.latitude, before.longitude) == (lat, lon)
        ):
            resolved[pk] = before.place
        else:
            to_lookup.append((pk, lat, lon))
    if to_lookup:
        found = places.lookup([(lat, lon) for _, lat, lon in to_lookup])
        for (pk, _, _), place in zip(to_lookup, found, strict=True):
            resolved[pk] = place
    albums = album_terms([pk for pk, *_ in rows])
    extras: dict[str, Any] = {}
    for pk, *_ in rows:
        entry: dict[str, Any] = {}
        place = resolved.get(pk)
        if place is not None:
            entry.update(
                city=place.city,
                region=place.region,
                country=place.country,
                cc=place.country_code,
                aliases=" ; ".join(place.aliases),
                terms=place.terms(),
            )
        album = albums.get(pk)
        if album is not None:
            entry.update(album_ids=album.album_ids, albums=" ; ".join(album.names))
        if entry:
            extras[str(pk)] = entry
    return extras, phash_changed


def upsert(asset_ids: Sequence[int], *, geocode_all: bool = False) -> tuple[int, list[int]]:
    """Build or rebuild the documents of these assets. Returns how many were written
    and the ids whose perceptual hash changed."""
    ids = sorted({int(i) for i in asset_ids})
    if not ids:
        return 0, []
    extras, phash_changed = _extras(ids, geocode_all=geocode_all)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, {"ids": ids, "extras": json.dumps(extras)})
        row = cursor.fetchone()
    return (int(row[0]) if row else 0), phash_changed
