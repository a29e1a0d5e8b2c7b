"""Reads of the search index. Scoping lives here: every read starts from
``documents_for(membership)`` (the caller's workspace, not trashed, private assets
only for their owner), and the assets of a page are fetched again through gallery's
scoped selector, which has the last word on what the caller may see.

One module per section; callers use the names exported here:

- ``fulltext``: the search itself (ranked and dated pages, highlighting);
- ``facet_counts``: facet counts (exact, or sampled above a size);
- ``typeahead``: typo correction and the search box's suggestions;
- ``places``: map clusters and the place of an asset;
- ``similar``: near-duplicate groups and similar images.
"""

from .facet_counts import facets
from .fulltext import (
    MAX_PAGE_SIZE,
    ORDERS,
    SearchPage,
    capped_count,
    documents_for,
    render_headline,
    search,
)
from .places import Cluster, map_clusters, place_of
from .similar import duplicate_group_ids, duplicate_group_of, duplicate_groups, similar_assets
from .typeahead import album_suggestions, correct, suggestions

__all__ = [
    "MAX_PAGE_SIZE",
    "ORDERS",
    "Cluster",
    "SearchPage",
    "album_suggestions",
    "capped_count",
    "correct",
    "documents_for",
    "duplicate_group_ids",
    "duplicate_group_of",
    "duplicate_groups",
    "facets",
    "map_clusters",
    "place_of",
    "render_headline",
    "search",
    "similar_assets",
    "suggestions",
]
