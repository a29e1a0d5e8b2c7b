"""Typo correction and the search box's suggestions (tags, places, albums)."""

from __future__ import annotations

from typing import Any

from django.db import connection

from accounts.models import Membership
from gallery.models import AssetTag, Visibility, visible_q

from ..query import plain_words, replace_words

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
