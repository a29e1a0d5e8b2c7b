"""Full-text search: the ranked and dated pages of matches, and their highlighting.

Ordering: by rank then date when there is text, by date otherwise. Ranking every match
of a common word in a large workspace is slow by nature (every match is visited), so a
ranked search ranks the newest ``LUMINA_SEARCH_RANK_WINDOW`` matches (all of them when
there are fewer) and then lists the older matches newest first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, FloatField, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Membership
from gallery import selectors as gallery_selectors
from gallery.models import Asset, Visibility
from lumina.core.errors import ValidationFailed

from ..cursors import Cursor
from ..filters import SEARCH_FILTERS, SearchRequest
from ..models import SearchDocument
from ..query import CONFIG, DocSQL, Matches, build_tsquery
from .typeahead import correct

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
    base = SEARCH_FILTERS.apply(documents_for(membership), request.filters, membership)
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
