from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gallery.api.serializers import AssetOutputSerializer
from gallery.models import Asset

from ..selectors import place_of


class PlaceOutputSerializer(serializers.Serializer):
    city = serializers.CharField()
    region = serializers.CharField()
    country = serializers.CharField()
    country_code = serializers.CharField()


class HighlightOutputSerializer(serializers.Serializer):
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


class QueryOutputSerializer(serializers.Serializer):
    q = serializers.CharField()
    text = serializers.CharField(help_text="What was searched: the query or its correction.")
    mode = serializers.ChoiceField(choices=["none", "exact", "prefix", "corrected"])
    order = serializers.ChoiceField(choices=["relevance", "newest", "oldest"])
    prefix = serializers.BooleanField()


class SearchOutputSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    count = serializers.IntegerField(allow_null=True, help_text="Capped; null on later pages.")
    count_capped = serializers.BooleanField(help_text="True when there are more than count.")
    query = QueryOutputSerializer()
    results = SearchResultOutputSerializer(many=True)


class FacetValueSerializer(serializers.Serializer):
    value = serializers.JSONField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class FacetsOutputSerializer(serializers.Serializer):
    year = FacetValueSerializer(many=True)
    tag = FacetValueSerializer(many=True)
    camera = FacetValueSerializer(many=True)
    country = FacetValueSerializer(many=True)
    approximate = serializers.BooleanField(
        help_text="Counted on a sample of a very large result and scaled up."
    )


class PlaceSuggestionSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.CharField()
    country = serializers.CharField()


class SuggestOutputSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField())
    places = PlaceSuggestionSerializer(many=True)
    albums = serializers.ListField(child=serializers.DictField())


class ClusterOutputSerializer(serializers.Serializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    count = serializers.IntegerField()
    bounds = serializers.ListField(child=serializers.FloatField(), help_text="w, s, e, n")
    asset = serializers.DictField(allow_null=True, help_text="The newest asset of the cluster.")


class MapOutputSerializer(serializers.Serializer):
    clusters = ClusterOutputSerializer(many=True)


class DuplicateGroupSerializer(serializers.Serializer):
    assets = AssetOutputSerializer(many=True)


class DuplicatesOutputSerializer(serializers.Serializer):
    groups = DuplicateGroupSerializer(many=True)
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    total_groups = serializers.IntegerField()


class DuplicatesResolveInputSerializer(serializers.Serializer):
    keep = serializers.IntegerField()
    trash = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=1000)


class DuplicatesResolveOutputSerializer(serializers.Serializer):
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
