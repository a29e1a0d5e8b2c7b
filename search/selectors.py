"""Reads of the search index. Scoping lives here: every read starts from
``documents_for(membership)`` (the caller's workspace, not trashed, private assets
only for their owner), and the assets of a page are fetched again through gallery's
scoped selector, which has the last word on what the caller may see.

Ordering: by rank then date when there is text, by date otherwise. Ranking every match
of a common word in a large workspace is slow by nature (every match is visited), so a
ranked search ranks the newest ``LUMINA_SEARCH_RANK_WINDOW`` matches (all of them when
there are fewer) and then lists the older matches newest first.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, FloatField, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Membership
from gallery import selectors as gallery_selectors
from gallery.models import Asset, AssetTag, Tag, Visibility, visible_q
from lumina.core.errors import NotFound, ValidationFailed

from . import duplicates
from .cursors import Cursor
from .filters import SearchRequest, apply_filters, within_bbox
from .models import DuplicatePair, SearchDocument, SearchPlace
from .query import CONFIG, DocSQL, Matches, build_tsquery, plain_words, replace_words

ORDERS = ("relevance", "newest", "oldest")
MAX_PAGE_SIZE = 200
MARK_START, MARK_END = "\x01", "\x02"
_MARKERS = re.compile("([\x01\x02])")


@dataclass
class SearchPage:
    results: list[Asset]
    next_cursor: str | None
    order: str
    mode: str  # "none" (no text), "exact", "prefix" (last word completed), "corrected"
    text: str  # the text searched: the query, or its correction
    prefix: bool
    count: int | None = None  # capped at LUMINA_SEARCH_COUNT_CAP; None on later pages
    count_capped: bool = False
    ids: list[int] = field(default_factory=list)  # the page, before hydration
    ranks: dict[int, float | None] = field(default_factory=dict)


class _Row(NamedTuple):
    asset_id: int
    created_at: datetime
    rank: float | None


def documents_for(membership: Membership) -> QuerySet[SearchDocument]:
    """The documents the caller may see: their workspace, alive, not others' private."""
    return SearchDocument.objects.filter(
        tenant_id=membership.tenant_id, deleted_at__isnull=True
    ).filter(~Q(visibility=Visibility.PRIVATE) | Q(owner_id=membership.user_id))


def _keyset(op: str, created: datetime, asset_id: int) -> DocSQL:
    # A row comparison (the index reads it as one range); op is "<", ">" or ">=".
    assert op in ("<", ">", ">=")
    return DocSQL(f"({{doc}}.created_at, {{doc}}.asset_id) {op} (%s, %s)", [created, asset_id])


# --- the search --------------------------------------------------------------------------


def search(
    *,
    membership: Membership,
    request: SearchRequest,
    cursor: str | None = None,
    page_size: int = 50,
    with_count: bool = True,
    hydrate: bool = True,
) -> SearchPage:
    """One page of results. Without a cursor, a text that finds nothing is tried again
    with its last word as a prefix, then with misspelt words corrected from the
    workspace's vocabulary; the reading that found something is kept in the cursor.

    ``hydrate=False`` leaves ``results`` empty and returns the page as ``ids`` (and
    ``ranks``): the search's own work, without loading the assets."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    # Type-ahead (``prefix``) lists the newest matches of what is typed so far.
    order = request.order or ("newest" if request.prefix or not request.text else "relevance")
    if order not in ORDERS:
        raise ValidationFailed(f"order: one of {', '.join(ORDERS)}.", details={"field": "order"})
    base = apply_filters(documents_for(membership), membership=membership, filters=request.filters)
    state = Cursor.decode(cursor) if cursor else None
    if state is not None:
        tsquery = build_tsquery(state.text, prefix=state.prefix) if state.text else None
        return _page(
            membership, base, tsquery, state.order, state, page_size, False, state, hydrate
        )
    text = request.text
    if not text:
        order = "oldest" if order == "oldest" else "newest"
        probe = Cursor(order=order, text="", prefix=False, mode="none")
        return _page(membership, base, None, order, None, page_size, with_count, probe, hydrate)

    readings = [(text, request.prefix, "exact")]
    if not request.prefix:
        readings.append((text, True, "prefix"))
    empty: SearchPage | None = None
    for reading, prefix, mode in readings:
        tsquery = build_tsquery(reading, prefix=prefix)
        if tsquery is None:
            continue
        probe = Cursor(order=order, text=reading, prefix=prefix, mode=mode)
        page = _page(membership, base, tsquery, order, None, page_size, with_count, probe, hydrate)
        if page.ids:
            return page
        empty = empty or page
    corrected = correct(membership=membership, text=text)
    if corrected is not None:
        tsquery = build_tsquery(corrected, prefix=request.prefix)
        if tsquery is not None:
            probe = Cursor(order=order, text=corrected, prefix=request.prefix, mode="corrected")
            page = _page(
                membership, base, tsquery, order, None, page_size, with_count, probe, hydrate
            )
            if page.ids:
                return page
    if empty is not None:
        return empty
    return SearchPage([], None, order, "exact", text, request.prefix, 0 if with_count else None)


def _page(
    membership: Membership,
    base: QuerySet[SearchDocument],
    tsquery: SearchQuery | None,
    order: str,
    state: Cursor | None,
    page_size: int,
    with_count: bool,
    reading: Cursor,
    hydrate: bool = True,
) -> SearchPage:
    matched = base.filter(Matches(tsquery)) if tsquery is not None else base
    # Matches seen by the ranked window: all of them, or at least the window's size.
    seen: tuple[int, bool] | None = None
    if order == "relevance" and tsquery is not None:
        rows, next_cursor, seen = _ranked(matched, tsquery, state, page_size, reading)
    else:
        rows, next_cursor = _by_date(matched, order, state, page_size, reading)
    page = SearchPage(
        results=_hydrate(membership, rows, tsquery) if hydrate else [],
        next_cursor=next_cursor.encode() if next_cursor else None,
        order=order,
        mode=reading.mode,
        text=reading.text,
        prefix=reading.prefix,
        ids=[row.asset_id for row in rows],
        ranks={row.asset_id: row.rank for row in rows},
    )
    if with_count and state is None:
        cap = settings.LUMINA_SEARCH_COUNT_CAP
        if seen is not None and seen[1] and seen[0] <= cap:
            page.count = seen[0]  # the window held every match
        elif seen is not None and not seen[1] and seen[0] >= cap:
            # A full window holds at least the cap ("1,000+" even for exactly 1,000).
            page.count, page.count_capped = cap, True
        else:
            page.count, page.count_capped = capped_count(matched, cap)
    return page


def capped_count(matched: QuerySet[SearchDocument], cap: int) -> tuple[int, bool]:
    """How many match, counting no further than ``cap`` ("1,000+")."""
    # Newest first: the recent part of the table is the part most likely in memory.
    found = matched.order_by("-created_at", "-asset_id").values("asset_id")[: cap + 1].count()
    return min(found, cap), found > cap


def _by_date(
    matched: QuerySet[SearchDocument],
    order: str,
    state: Cursor | None,
    limit: int,
    reading: Cursor,
    after: tuple[datetime, int] | None = None,
) -> tuple[list[_Row], Cursor | None]:
    newest = order != "oldest"
    qs = matched
    start = after
    if state is not None and state.phase == "date" and state.created_at and state.id is not None:
        start = (state.created_at, state.id)
    if start is not None:
        qs = qs.filter(_keyset("<" if newest else ">", *start))
    ordering = ("-created_at", "-asset_id") if newest else ("created_at", "asset_id")
    found = [
        _Row(pk, created, None)
        for pk, created in qs.order_by(*ordering).values_list("asset_id", "created_at")[: limit + 1]
    ]
    page = found[:limit]
    if len(found) <= limit or not page:
        return page, None
    last = page[-1]
    return page, Cursor(
        order=reading.order,
        text=reading.text,
        prefix=reading.prefix,
        mode=reading.mode,
        phase="date",
        created=last.created_at.isoformat(),
        id=last.asset_id,
    )


def _rank_key(row: _Row) -> tuple[float, datetime, int]:
    return (row.rank or 0.0, row.created_at, row.asset_id)


def _ranked(
    matched: QuerySet[SearchDocument],
    tsquery: SearchQuery,
    state: Cursor | None,
    limit: int,
    reading: Cursor,
) -> tuple[list[_Row], Cursor | None, tuple[int, bool] | None]:
    """Rank then date inside the window of the newest matches, then date after it.
    Returns the page, the next cursor, and (matches in the window, whether that is
    all of them) on a first page."""
    if state is not None and state.phase == "date":
        rows, next_cursor = _by_date(matched, "newest", state, limit, reading)
        return rows, next_cursor, None
    window = max(1, settings.LUMINA_SEARCH_RANK_WINDOW)
    boundary = state.boundary if state is not None else None
    key = None
    if state is not None and state.created_at is not None and state.id is not None:
        key = (state.rank or 0.0, state.created_at, state.id)
    ordered, in_window, oldest = _rank_window(matched, tsquery, window, boundary, key, limit + 1)
    exact = (in_window, in_window < window) if boundary is None else None
    if boundary is None and in_window >= window:
        boundary = oldest
    page = ordered[:limit]
    if len(ordered) > limit:
        last = page[-1]
        return (
            page,
            Cursor(
                order=reading.order,
                text=reading.text,
                prefix=reading.prefix,
                mode=reading.mode,
                phase="rank",
                rank=last.rank,
                created=last.created_at.isoformat(),
                id=last.asset_id,
                boundary_created=boundary[0].isoformat() if boundary else None,
                boundary_id=boundary[1] if boundary else None,
            ),
            exact,
        )
    if boundary is None:
        return page, None, exact
    # The window is used up: older matches follow, newest first, on this page already.
    rest, next_cursor = _by_date(
        matched, "newest", None, limit - len(page), reading, after=boundary
    )
    if not rest and len(page) == limit:
        probe, _ = _by_date(matched, "newest", None, 1, reading, after=boundary)
        if probe:
            next_cursor = Cursor(
                order=reading.order,
                text=reading.text,
                prefix=reading.prefix,
                mode=reading.mode,
                phase="date",
                created=boundary[0].isoformat(),
                id=boundary[1],
            )
    return page + rest, next_cursor, exact


_WINDOW = """
WITH w AS MATERIALIZED ({inner})
(SELECT asset_id, created_at, rank, NULL::bigint FROM w {after}
 ORDER BY rank DESC, created_at DESC, asset_id DESC LIMIT %s)
UNION ALL
(SELECT asset_id, created_at, NULL, (SELECT count(*) FROM w) FROM w
 ORDER BY created_at, asset_id LIMIT 1)
"""


def _rank_window(
    matched: QuerySet[SearchDocument],
    tsquery: SearchQuery,
    window: int,
    boundary: tuple[datetime, int] | None,
    key: tuple[float, datetime, int] | None,
    limit: int,
) -> tuple[list[_Row], int, tuple[datetime, int] | None]:
    """Rank the newest ``window`` matches (or those from ``boundary`` on) in the
    database and return only the page after ``key``: the window's size and its oldest
    row come along, so nothing else crosses the wire."""
    qs = matched.order_by("-created_at", "-asset_id")
    if boundary is not None:
        # Later pages rank the same window as the first, whatever was uploaded since.
        qs = qs.filter(_keyset(">=", *boundary))
    # As double precision: a real's text form would not survive the cursor round trip.
    rank = Cast(SearchRank(F("vector"), tsquery), FloatField())
    inner_qs = qs.annotate(rank=rank).values("asset_id", "created_at", "rank")[
        : window if boundary is None else window * 2
    ]
    try:
        inner, params = inner_qs.query.sql_with_params()
    except EmptyResultSet:
        return [], 0, None
    after = ""
    extra: list[Any] = []
    if key is not None:
        after = "WHERE (rank, created_at, asset_id) < (%s::float8, %s, %s)"
        extra = list(key)
    sql = _WINDOW.format(inner=inner, after=after)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *extra, limit])
        fetched = cursor.fetchall()
    page = [_Row(pk, created, float(rank)) for pk, created, rank, n in fetched if n is None]
    page.sort(key=_rank_key, reverse=True)
    meta = [(pk, created, n) for pk, created, _, n in fetched if n is not None]
    if not meta:
        return page, 0, None
    pk, created, count = meta[0]
    return page, int(count), (created, pk)


def _translate(expression: Any) -> Func:
    # The highlight markers are control characters: drop any from the text itself.
    return Func(
        expression,
        Value(MARK_START + MARK_END),
        Value(""),
        function="translate",
        output_field=TextField(),
    )


def _hydrate(
    membership: Membership, rows: Sequence[_Row], tsquery: SearchQuery | None
) -> list[Asset]:
    if not rows:
        return []
    ids = [row.asset_id for row in rows]
    qs = (
        gallery_selectors.asset_list(membership=membership)
        .filter(pk__in=ids)
        .select_related("search_document")
        # Not shown in results: the full EXIF can be large, the vector is ours.
        .defer("exif", "search_document__vector", "search_document__place_terms")
    )
    if tsquery is not None:
        qs = qs.annotate(
            headline_title=SearchHeadline(
                _translate(Coalesce(NullIf(F("title"), Value("")), F("original_filename"))),
                tsquery,
                config=CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                highlight_all=True,
            ),
            headline_description=SearchHeadline(
                _translate(F("description")),
                tsquery,
                config=CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
    by_id = {asset.pk: asset for asset in qs}
    results = []
    for row in rows:
        asset = by_id.get(row.asset_id)
        if asset is None:  # the index was behind: gallery's selector has the last word
            continue
        asset.rank = row.rank  # type: ignore[attr-defined]
        asset.highlight = {  # type: ignore[attr-defined]
            "title": render_headline(getattr(asset, "headline_title", None), whole=True),
            "description": render_headline(getattr(asset, "headline_description", None)),
        }
        results.append(asset)
    return results


def render_headline(text: str | None, *, whole: bool = False) -> SafeString:
    """PostgreSQL's headline as safe HTML: everything escaped, matches in ``<mark>``.
    A description without a match gives "" (``whole`` keeps the text anyway)."""
    if not text or (MARK_START not in text and not whole):
        return mark_safe("")  # nosec B308 B703  # an empty string
    out: list[str] = []
    inside = False
    for part in _MARKERS.split(text):
        if part == MARK_START:
            if not inside:
                out.append("<mark>")
                inside = True
        elif part == MARK_END:
            if inside:
                out.append("</mark>")
                inside = False
        else:
            out.append(str(escape(part)))
    if inside:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308  # nosec B308 B703  # every part was escaped


# --- typo correction ----------------------------------------------------------------------

_CORRECT = """
SELECT w.word, (
    SELECT t.term FROM search_searchterm t
    WHERE t.tenant_id = %(tenant)s AND t.term %% x.norm
    ORDER BY similarity(t.term, x.norm) DESC, t.term
    LIMIT 1
) AS best
FROM unnest(%(words)s::text[]) AS w(word)
CROSS JOIN LATERAL (SELECT lower(lumina_unaccent(w.word)) AS norm) x
WHERE length(x.norm) >= 3 AND NOT EXISTS (
    SELECT 1 FROM search_searchterm k WHERE k.tenant_id = %(tenant)s AND k.term = x.norm
)
"""


def correct(*, membership: Membership, text: str) -> str | None:
    """``text`` with each word the workspace never uses replaced by its most similar
    word that it does use (trigram similarity over the vocabulary), or None when
    nothing changes. Offered only when the corrected search finds something the caller
    may see, so the vocabulary cannot reveal others' private words."""
    words = plain_words(text)
    if not words:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_CORRECT, {"tenant": membership.tenant_id, "words": words})
        replacements = {word: best for word, best in cursor.fetchall() if best}
    if not replacements:
        return None
    return replace_words(text, replacements)


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
    return found


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
    matched = apply_filters(
        documents_for(membership), membership=membership, filters=request.filters
    )
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


# --- suggestions ---------------------------------------------------------------------------

# A tag is offered only when the caller can see an asset that carries it (gallery's
# visibility rule, compiled in as ``{visible}``), as the facets do.
_TAG_SUGGESTIONS = """
SELECT g.name FROM gallery_tag g
CROSS JOIN LATERAL (SELECT lower(lumina_unaccent(g.name)) AS norm) n
WHERE g.tenant_id = %s AND g.id IN ({visible}) AND (
    starts_with(n.norm, %s) OR strpos(n.norm, ' ' || %s) > 0
    OR (length(%s) >= 4 AND similarity(n.norm, %s) >= 0.3)
)
ORDER BY starts_with(n.norm, %s) DESC, similarity(n.norm, %s) DESC, g.name
LIMIT %s
"""


def _visible_tags_sql(membership: Membership) -> tuple[str, tuple[Any, ...]]:
    """SQL (and its parameters) for the ids of the tags on assets the caller may see."""
    tagged = AssetTag.objects.filter(asset__tenant_id=membership.tenant_id).filter(
        visible_q(membership.user, "asset__")
    )
    sql, params = tagged.values("tag_id").query.sql_with_params()
    return sql, tuple(params)


# A place is offered only when the caller can see a photo taken there.
_PLACE_SUGGESTIONS = f"""
SELECT p.city, p.region, p.country, p.country_code FROM search_searchplace p
WHERE p.tenant_id = %(tenant)s
  AND (starts_with(p.norm, %(text)s) OR strpos(p.norm, ' ' || %(text)s) > 0)
  AND EXISTS (
    SELECT 1 FROM search_searchdocument d
    WHERE d.tenant_id = p.tenant_id AND d.deleted_at IS NULL
      AND (d.visibility <> '{Visibility.PRIVATE.value}' OR d.owner_id = %(user)s)
      AND d.place_terms @> ARRAY[lower(lumina_unaccent(
          COALESCE(NULLIF(p.city, ''), NULLIF(p.region, ''), p.country)))]::varchar[]
  )
ORDER BY starts_with(p.norm, %(text)s) DESC, p.city, p.region
LIMIT %(limit)s
"""  # noqa: S608  # nosec B608  # a constant is formatted in; values are parameters


def album_suggestions(*, membership: Membership, text: str, limit: int) -> list[dict[str, Any]]:
    """Albums of the workspace whose title contains the typed text."""
    from albums.models import Album

    text = text.strip()
    if not text:
        return []
    found = (
        Album.objects.filter(tenant_id=membership.tenant_id, title__icontains=text)
        .order_by("title", "id")
        .values("id", "title")[:limit]
    )
    return [{"id": row["id"], "title": row["title"]} for row in found]


def suggestions(*, membership: Membership, text: str, limit: int = 6) -> dict[str, list[Any]]:
    """What to offer while the user types: tags, places and albums matching the start
    of a word (accents and case ignored; tags also by similarity, for typos)."""
    text = text.strip()[:64]
    result: dict[str, list[Any]] = {"tags": [], "places": [], "albums": []}
    if not text:
        return result
    with connection.cursor() as cursor:
        cursor.execute("SELECT lower(lumina_unaccent(%s))", [text])
        row = cursor.fetchone()
        norm = row[0] if row else text.lower()
        args = {"tenant": membership.tenant_id, "user": membership.user_id}
        visible, visible_params = _visible_tags_sql(membership)
        cursor.execute(
            _TAG_SUGGESTIONS.format(visible=visible),  # nosec B608  # ORM-compiled SQL
            [membership.tenant_id, *visible_params, *[norm] * 6, limit],
        )
        result["tags"] = [name for (name,) in cursor.fetchall()]
        cursor.execute(_PLACE_SUGGESTIONS, {**args, "text": norm, "limit": limit})
        for city, region, country, code in cursor.fetchall():
            label = ", ".join(p for p in (city, region, country) if p)
            value = city or region or country
            result["places"].append({"label": label, "value": value, "country": code})
    result["albums"] = album_suggestions(membership=membership, text=text, limit=limit)
    return result


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
    matched = apply_filters(
        documents_for(membership), membership=membership, filters=request.filters
    )
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


# --- near duplicates -----------------------------------------------------------------------


def _visible_pairs(membership: Membership) -> QuerySet[DuplicatePair]:
    alive_visible = {}
    for side in ("asset_low", "asset_high"):
        alive_visible[side] = Q(**{f"{side}__deleted_at__isnull": True}) & (
            ~Q(**{f"{side}__visibility": Visibility.PRIVATE})
            | Q(**{f"{side}__owner_id": membership.user_id})
        )
    return DuplicatePair.objects.filter(tenant_id=membership.tenant_id).filter(
        alive_visible["asset_low"], alive_visible["asset_high"]
    )


def _components(edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for node in parent:
        groups[root(node)].append(node)
    return [sorted(members) for members in groups.values()]


def duplicate_group_ids(*, membership: Membership) -> list[list[int]]:
    """Groups of near duplicates the caller may see (linked pairs form one group),
    newest group first."""
    edges = _visible_pairs(membership).values_list("asset_low_id", "asset_high_id")
    return sorted(_components(edges), key=lambda group: -max(group))


def duplicate_groups(
    *, membership: Membership, page: int = 1, per_page: int = 20
) -> tuple[list[list[Asset]], bool, int]:
    """One page of near-duplicate groups (largest first inside a group, ties by
    resolution then age), whether there are more, and the number of groups."""
    groups = duplicate_group_ids(membership=membership)
    page = max(1, page)
    chosen = groups[(page - 1) * per_page : page * per_page]
    ids = [asset_id for group in chosen for asset_id in group]
    assets = {
        a.pk: a
        for a in gallery_selectors.asset_list(membership=membership)
        .filter(pk__in=ids)
        .select_related("search_document")
    }
    out = []
    for group in chosen:
        members = [assets[i] for i in group if i in assets]
        members.sort(key=lambda a: (-(a.width * a.height), -a.bytes, a.created_at, a.pk))
        if len(members) > 1:
            out.append(members)
    return out, len(groups) > page * per_page, len(groups)


def duplicate_group_of(*, membership: Membership, asset_id: int) -> list[int]:
    for group in duplicate_group_ids(membership=membership):
        if asset_id in group:
            return group
    return [asset_id]


_SIMILAR = f"""
SELECT b.asset_id, bit_count((b.phash # %(phash)s)::bit(64)) AS distance
FROM search_searchdocument b
WHERE b.tenant_id = %(tenant)s AND b.asset_id <> %(asset)s AND b.deleted_at IS NULL
  AND (b.visibility <> '{Visibility.PRIVATE.value}' OR b.owner_id = %(user)s)
  AND {duplicates.candidates_sql("b", "%(phash)s", [f"%(b{k})s" for k in range(4)])}
ORDER BY distance, b.asset_id DESC
LIMIT 100
"""  # noqa: S608  # nosec B608  # only constant SQL is formatted in; values are parameters


def similar_assets(*, membership: Membership, asset_id: Any) -> list[Asset]:
    """Near duplicates of one asset, closest first (``asset.distance`` in bits),
    found through the band indexes. 404 for an asset the caller cannot see."""
    try:
        pk = int(asset_id)
    except (TypeError, ValueError):
        raise NotFound("Asset not found.") from None
    doc = documents_for(membership).filter(asset_id=pk).values("phash").first()
    if doc is None:
        gallery_selectors.asset_get(membership=membership, asset_id=pk, include_trashed=False)
        return []  # not indexed yet
    phash = doc["phash"]
    if phash is None:
        return []
    distance = duplicates.max_distance()
    params = {
        "phash": phash,
        "tenant": membership.tenant_id,
        "asset": pk,
        "user": membership.user_id,
        "distance": distance,
        "radius": distance // 4,
        **{f"b{k}": duplicates.band(phash, k) for k in range(4)},
    }
    with connection.cursor() as cursor:
        cursor.execute(_SIMILAR, params)
        found = cursor.fetchall()
    assets = {
        a.pk: a
        for a in gallery_selectors.asset_list(membership=membership).filter(
            pk__in=[row[0] for row in found]
        )
    }
    out = []
    for other, bits in found:
        asset = assets.get(other)
        if asset is not None:
            asset.distance = bits  # type: ignore[attr-defined]
            out.append(asset)
    return out


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


def place_list(*, membership: Membership) -> QuerySet[SearchPlace]:
    return SearchPlace.objects.filter(tenant_id=membership.tenant_id).order_by(
        "country", "region", "city"
    )
