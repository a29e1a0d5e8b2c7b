"""The search index: one row per asset, derived from gallery's data and never edited by
hand. Everything here can be rebuilt from the source tables (`manage.py search_rebuild`).

The document copies the few asset columns that scoping, ordering, filters and facets need,
so that a search in a workspace of 400,000 assets reads one table with one index instead
of joining on every candidate row. The copy is refreshed by subscribers to gallery's
events (see ``apps.SearchConfig.ready``), and the final page is always fetched again
through gallery's own scoped selector, so a stale row can hide a result but never show
one the caller may not see.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from accounts.models import Tenant
from gallery.models import Asset

# 64-bit perceptual hashes are split into four 16-bit bands; see `duplicates.py`.
BANDS = 4


class SearchDocument(models.Model):
    asset = models.OneToOneField(
        Asset, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Not a foreign key: only compared with the caller's id (private assets).
    owner_id = models.BigIntegerField(null=True)
    visibility = models.CharField(max_length=16)
    deleted_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    taken_at = models.DateTimeField(null=True)
    year = models.SmallIntegerField(help_text="Year taken, else year uploaded (UTC).")
    bytes = models.BigIntegerField()
    width = models.IntegerField()
    height = models.IntegerField()
    format = models.CharField(max_length=8)
    camera_make = models.CharField(max_length=100, default="")
    camera_model = models.CharField(max_length=100, default="")
    camera = models.CharField(max_length=201, default="", help_text="Make and model as shown.")
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    place_city = models.CharField(max_length=200, default="")
    place_region = models.CharField(max_length=200, default="")
    place_country = models.CharField(max_length=100, default="")
    country_code = models.CharField(max_length=2, default="")
    # Unaccented, lower-case city, region, country and code: the `place` filter.
    place_terms = ArrayField(models.CharField(max_length=200), default=list)
    tag_ids = ArrayField(models.BigIntegerField(), default=list)
    # Albums holding the asset and all their ancestors: `album=X` includes sub-albums.
    album_ids = ArrayField(models.BigIntegerField(), default=list)
    phash = models.BigIntegerField(null=True)
    phash_b0 = models.IntegerField(null=True)
    phash_b1 = models.IntegerField(null=True)
    phash_b2 = models.IntegerField(null=True)
    phash_b3 = models.IntegerField(null=True)
    vector = SearchVectorField()
    indexed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            GinIndex(fields=["vector"], name="search_doc_vector"),
            models.Index(
                fields=["tenant", "-created_at", "-asset"],
                condition=models.Q(deleted_at__isnull=True),
                name="search_doc_timeline",
            ),
            # Filtering on a year (the year facet) and listing newest first.
            models.Index(
                fields=["tenant", "year", "-created_at", "-asset"],
                condition=models.Q(deleted_at__isnull=True),
                name="search_doc_year",
            ),
            GinIndex(fields=["tag_ids"], name="search_doc_tags"),
            GinIndex(fields=["album_ids"], name="search_doc_albums"),
            GinIndex(fields=["place_terms"], name="search_doc_places"),
            # The map reads its clusters from this index alone (index-only scans).
            models.Index(
                fields=["tenant", "latitude", "longitude"],
                include=["asset", "visibility", "owner_id"],
                condition=models.Q(latitude__isnull=False, deleted_at__isnull=True),
                name="search_doc_geo",
            ),
            *[
                models.Index(
                    fields=["tenant", f"phash_b{band}"],
                    include=["phash"],
                    condition=models.Q(phash__isnull=False),
                    name=f"search_doc_phash_b{band}",
                )
                for band in range(BANDS)
            ],
        ]

    def __str__(self) -> str:
        return f"search document of asset {self.asset_id}"


class SearchTerm(models.Model):
    """The words of a workspace's documents (unaccented, lower case, no digits): the
    vocabulary that typo correction searches by trigram similarity. Far smaller than the
    documents, so a fuzzy look-up stays fast in a workspace of any size. Words are only
    added; a stale word costs nothing (a correction to it finds no results and is not
    offered), and `search_rebuild` starts the vocabulary afresh."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    term = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "term"], name="search_term_unique"),
        ]
        indexes = [GinIndex(fields=["term"], opclasses=["gin_trgm_ops"], name="search_term_trgm")]

    def __str__(self) -> str:
        return self.term


class SearchPlace(models.Model):
    """The places of a workspace's photos, for suggestions while typing."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    city = models.CharField(max_length=200, default="")
    region = models.CharField(max_length=200, default="")
    country = models.CharField(max_length=100, default="")
    country_code = models.CharField(max_length=2, default="")
    # Unaccented, lower-case "city, region, country": matched by the typed text.
    norm = models.CharField(max_length=520)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "city", "region", "country_code"], name="search_place_unique"
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.city, self.region, self.country) if p)


class DuplicatePair(models.Model):
    """Two assets of one workspace whose perceptual hashes are within the configured
    Hamming distance. Stored once per pair (low id first) when an asset is indexed, so
    the duplicates page never compares every pair."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    asset_low = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    asset_high = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    distance = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset_low", "asset_high"], name="search_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(asset_low__lt=models.F("asset_high")),
                name="search_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_low_id}~{self.asset_high_id} ({self.distance})"
