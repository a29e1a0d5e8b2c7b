from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gallery.api.serializers import AssetOutputSerializer
from gallery.models import Asset
from lumina.core.api import DataSerializer

from ..selectors import place_of


class PlaceOutputSerializer(DataSerializer):
    city = serializers.CharField()
    region = serializers.CharField()
    country = serializers.CharField()
    country_code = serializers.CharField()


class HighlightOutputSerializer(DataSerializer):
    title = serializers.CharField(help_text="HTML: escaped text, matches in <mark>.")
    description = serializers.CharField(help_text="HTML fragments with matches, or empty.")


class SearchResultOutputSerializer(AssetOutputSerializer):
    rank = serializers.SerializerMethodField()
    highlight = serializers.SerializerMethodField()
    place = serializers.SerializerMethodField()

    class Meta(AssetOutputSerializer.Meta):
        fields = (*AssetOutputSerializer.Meta.fields, "rank", "highlight", "place")

    def get_rank(self, obj: Asset) -> float | None:
        return getattr(obj, "rank", None)

    def get_highlight(self, obj: Asset) -> dict[str, str] | None:
        found = getattr(obj, "highlight", None)
        if not found or not (found["title"] or found["description"]):
            return None
        return {"title": str(found["title"]), "description": str(found["description"])}

    def get_place(self, obj: Asset) -> dict[str, str] | None:
        return place_of(obj)


class SimilarOutputSerializer(AssetOutputSerializer):
    distance = serializers.IntegerField(read_only=True, help_text="Hamming distance in bits.")

    class Meta(AssetOutputSerializer.Meta):
        fields = (*AssetOutputSerializer.Meta.fields, "distance")


class QueryOutputSerializer(DataSerializer):
    q = serializers.CharField()
    text = serializers.CharField(help_text="What was searched: the query or its correction.")
    mode = serializers.ChoiceField(choices=["none", "exact", "prefix", "corrected"])
    order = serializers.ChoiceField(choices=["relevance", "newest", "oldest"])
    prefix = serializers.BooleanField()


class SearchOutputSerializer(DataSerializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    count = serializers.IntegerField(allow_null=True, help_text="Capped; null on later pages.")
    count_capped = serializers.BooleanField(help_text="True when there are more than count.")
    query = QueryOutputSerializer()
    results = SearchResultOutputSerializer(many=True)


class FacetValueSerializer(DataSerializer):
    value = serializers.JSONField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class FacetsOutputSerializer(DataSerializer):
    year = FacetValueSerializer(many=True)
    tag = FacetValueSerializer(many=True)
    camera = FacetValueSerializer(many=True)
    country = FacetValueSerializer(many=True)
    approximate = serializers.BooleanField(
        help_text="Counted on a sample of a very large result and scaled up."
    )


class PlaceSuggestionSerializer(DataSerializer):
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.CharField()
    country = serializers.CharField()


class SuggestOutputSerializer(DataSerializer):
    tags = serializers.ListField(child=serializers.CharField())
    places = PlaceSuggestionSerializer(many=True)
    albums = serializers.ListField(child=serializers.DictField())


class ClusterOutputSerializer(DataSerializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    count = serializers.IntegerField()
    bounds = serializers.ListField(child=serializers.FloatField(), help_text="w, s, e, n")
    asset = serializers.DictField(allow_null=True, help_text="The newest asset of the cluster.")


class MapOutputSerializer(DataSerializer):
    clusters = ClusterOutputSerializer(many=True)


class DuplicateGroupSerializer(DataSerializer):
    assets = AssetOutputSerializer(many=True)


class DuplicatesOutputSerializer(DataSerializer):
    groups = DuplicateGroupSerializer(many=True)
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    total_groups = serializers.IntegerField()


class DuplicatesResolveInputSerializer(DataSerializer):
    keep = serializers.IntegerField()
    trash = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=1000)


class DuplicatesResolveOutputSerializer(DataSerializer):
    kept = serializers.IntegerField()
    trashed = serializers.IntegerField()


def cluster_data(cluster: Any) -> dict[str, Any]:
    from gallery.signing import rendition_url

    asset = cluster.asset
    return {
        "latitude": cluster.latitude,
        "longitude": cluster.longitude,
        "count": cluster.count,
        "bounds": list(cluster.bounds),
        "asset": None
        if asset is None
        else {
            "id": asset.pk,
            "title": asset.display_title,
            "thumbnail": rendition_url(asset, "thumb-400", "auto"),
        },
    }
