"""Facet counts for a search (exact for small result sets, sampled above that)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection

from accounts.models import Membership
from gallery.models import Tag

from ..filters import SEARCH_FILTERS, SearchRequest
from ..query import Matches, build_tsquery
from .fulltext import documents_for

# --- facets --------------------------------------------------------------------------------


def _generation(tenant_id: int) -> int:
    return int(cache.get(f"search:generation:{tenant_id}") or 0)


def facets(*, membership: Membership, request: SearchRequest) -> dict[str, Any]:
    """Counts per year, tag, camera and country of what the search finds (no further
    than its text and filters: a facet does not widen its own filter). Exact up to
    ``FACET_EXACT_ROWS`` matches; above, counted on a sample and scaled, with
    ``"approximate": true``. Cached for ``LUMINA_SEARCH_FACET_CACHE_SECONDS`` per
    caller, search and index generation."""
    key_source = json.dumps(
        [
            membership.tenant_id,
            membership.user_id,
            request.text,
            request.prefix,
            request.filters.active(),
            _generation(membership.tenant_id),
        ],
        default=str,
        sort_keys=True,
    )
    key = "search:facets:" + hashlib.sha256(key_source.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _facets(membership, request)
        cache.set(key, found, settings.LUMINA_SEARCH_FACET_CACHE_SECONDS)
    return dict(found)


# Above this many matches (the planner's estimate), facets count a sample of about
# FACET_SAMPLE_ROWS of them and scale up: exact counts of a few hundred thousand rows
# take a second, a sample of a few thousand well under a tenth of that.
FACET_EXACT_ROWS = 20_000
FACET_SAMPLE_ROWS = 5_000

_FACETS = """
WITH d AS MATERIALIZED ({inner})
SELECT 'year', year::text, NULL, count(*) FROM d GROUP BY year
UNION ALL
SELECT 'camera', camera, NULL, count(*) FROM d WHERE camera <> '' GROUP BY camera
UNION ALL
SELECT 'country', country_code, max(place_country), count(*) FROM d
WHERE country_code <> '' GROUP BY country_code
UNION ALL
(SELECT 'tag', tag::text, NULL, count(*) FROM d, unnest(d.tag_ids) AS tag
 GROUP BY tag ORDER BY count(*) DESC, tag LIMIT %s)
"""


def _estimate(sql: str, params: Sequence[Any]) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        row = cursor.fetchone()
    plan = row[0] if row else None
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        return float(plan[0]["Plan"]["Plan Rows"])  # type: ignore[index]
    except (TypeError, LookupError, ValueError):
        return 0.0


def _facets(membership: Membership, request: SearchRequest) -> dict[str, Any]:
    size = max(1, settings.LUMINA_SEARCH_FACET_SIZE)
    matched = SEARCH_FILTERS.apply(documents_for(membership), request.filters, membership)
    if request.text:
        tsquery = build_tsquery(request.text, prefix=request.prefix)
        matched = matched.filter(Matches(tsquery)) if tsquery is not None else matched.none()
    result: dict[str, Any] = {
        "year": [],
        "tag": [],
        "camera": [],
        "country": [],
        "approximate": False,
    }
    try:
        inner, params = (
            matched.order_by()
            .values("year", "camera", "country_code", "place_country", "tag_ids")
            .query.sql_with_params()
        )
    except EmptyResultSet:
        return result
    scale = 1.0
    estimate = _estimate(inner, params)
    table = 'FROM "search_searchdocument"'
    if estimate > FACET_EXACT_ROWS and table in inner:
        # SYSTEM sampling reads whole pages: a few percent of the table, not all of it;
        # REPEATABLE keeps the counts steady from one call to the next.
        percent = max(0.5, min(100.0, 100.0 * FACET_SAMPLE_ROWS / estimate))
        inner = inner.replace(
            table, f"{table} TABLESAMPLE SYSTEM ({percent:.3f}) REPEATABLE (17)", 1
        )
        scale = 100.0 / percent
        result["approximate"] = True
    sql = _FACETS.format(inner=inner)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, size])
        rows = cursor.fetchall()

    def scaled(count: int) -> int:
        return round(count * scale) if scale != 1.0 else int(count)

    years, cameras, countries, tags = [], [], [], []
    for kind, value, label, count in rows:
        if kind == "year":
            years.append((int(value), scaled(count)))
        elif kind == "camera":
            cameras.append((value, scaled(count)))
        elif kind == "country":
            countries.append((value, label or value, scaled(count)))
        else:
            tags.append((int(value), scaled(count)))
    names = dict(
        Tag.objects.filter(tenant_id=membership.tenant_id, pk__in=[t for t, _ in tags]).values_list(
            "pk", "name"
        )
    )
    result["year"] = [
        {"value": year, "label": str(year), "count": count}
        for year, count in sorted(years, reverse=True)[:size]
    ]
    result["tag"] = [
        {"value": names[tag], "label": names[tag], "count": count}
        for tag, count in tags
        if tag in names
    ]
    result["camera"] = [
        {"value": camera, "label": camera, "count": count}
        for camera, count in sorted(cameras, key=lambda c: (-c[1], c[0]))[:size]
    ]
    result["country"] = [
        {"value": code, "label": country, "count": count}
        for code, country, count in sorted(countries, key=lambda c: (-c[2], c[1]))[:size]
    ]
    return result
