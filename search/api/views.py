"""Thin API views for search: parse, call a selector or a service, serialise."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.tenancy import require_membership
from lumina.core.errors import ValidationFailed

from .. import selectors, services
from ..filters import SEARCH_FILTERS, TEXT_PARAMS, search_request_from
from .serializers import (
    DuplicatesOutputSerializer,
    DuplicatesResolveInputSerializer,
    DuplicatesResolveOutputSerializer,
    FacetsOutputSerializer,
    MapOutputSerializer,
    SearchOutputSerializer,
    SearchResultOutputSerializer,
    SimilarOutputSerializer,
    SuggestOutputSerializer,
    cluster_data,
)


def _int(value: Any, field: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field}: use a whole number.", details={"field": field}) from None


TEXT_PARAMETERS = [p.openapi() for p in TEXT_PARAMS]
FILTER_PARAMETERS = SEARCH_FILTERS.openapi_parameters()


class SearchView(APIView):
    @extend_schema(
        parameters=[
            *TEXT_PARAMETERS,
            OpenApiParameter("order", str, enum=["relevance", "newest", "oldest"]),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int, description="1-200, default 50"),
            *FILTER_PARAMETERS,
        ],
        responses=SearchOutputSerializer,
        summary="Search: ranked full-text with filters, cursor paginated",
    )
    def get(self, request: Request) -> Response:
        membership = require_membership(request)
        params = request.query_params
        search = search_request_from(params)
        page = selectors.search(
            membership=membership,
            request=search,
            cursor=params.get("cursor") or None,
            page_size=_int(params.get("page_size"), "page_size", 50),
        )
        url = request.build_absolute_uri()
        return Response(
            {
                "next": replace_query_param(url, "cursor", page.next_cursor)
                if page.next_cursor
                else None,
                "previous": None,
                "count": page.count,
                "count_capped": page.count_capped,
                "query": {
                    "q": search.text,
                    "text": page.text,
                    "mode": page.mode,
                    "order": page.order,
                    "prefix": page.prefix,
                },
                "results": SearchResultOutputSerializer(page.results, many=True).data,
            }
        )


class FacetsView(APIView):
    @extend_schema(
        parameters=[*TEXT_PARAMETERS, *FILTER_PARAMETERS],
        responses=FacetsOutputSerializer,
        summary="Counts per year, tag, camera and country of a search",
    )
    def get(self, request: Request) -> Response:
        found = selectors.facets(
            membership=require_membership(request),
            request=search_request_from(request.query_params),
        )
        return Response(found)


class SuggestView(APIView):
    # Called while typing (debounced): counted with ordinary reads, not searches.
    throttle_group = "api_read"

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="What was typed so far")],
        responses=SuggestOutputSerializer,
        summary="Tags, places and albums matching what is typed",
    )
    def get(self, request: Request) -> Response:
        return Response(
            selectors.suggestions(
                membership=require_membership(request), text=str(request.query_params.get("q", ""))
            )
        )


class MapView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "bbox", str, required=True, description="west,south,east,north of the view"
            ),
            OpenApiParameter("zoom", int, description="Map zoom 0-22: the cluster size"),
            *TEXT_PARAMETERS,
            *[p for p in FILTER_PARAMETERS if p.name != "bbox"],
        ],
        responses=MapOutputSerializer,
        summary="Assets with GPS inside a box, as clusters",
    )
    def get(self, request: Request) -> Response:
        membership = require_membership(request)
        params = request.query_params
        search = search_request_from(params)
        bbox = SEARCH_FILTERS.parse({"bbox": params.get("bbox", "")}).bbox
        if bbox is None:
            raise ValidationFailed("bbox: required.", details={"field": "bbox"})
        clusters = selectors.map_clusters(
            membership=membership,
            request=search,
            bbox=bbox,
            zoom=_int(params.get("zoom"), "zoom", 3),
        )
        return Response({"clusters": [cluster_data(c) for c in clusters]})


class SimilarView(APIView):
    pagination_class = None  # a bare list: small and bounded

    @extend_schema(
        responses=SimilarOutputSerializer(many=True),
        summary="Near duplicates of one asset, closest first",
    )
    def get(self, request: Request, asset_id: int) -> Response:
        found = selectors.similar_assets(membership=require_membership(request), asset_id=asset_id)
        return Response(SimilarOutputSerializer(found, many=True).data)


class DuplicatesView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("page", int)],
        responses=DuplicatesOutputSerializer,
        summary="Groups of near duplicates, 20 a page",
    )
    def get(self, request: Request) -> Response:
        page = max(1, _int(request.query_params.get("page"), "page", 1))
        groups, has_next, total = selectors.duplicate_groups(
            membership=require_membership(request), page=page
        )
        return Response(
            {
                "groups": [
                    {"assets": SearchResultOutputSerializer(group, many=True).data}
                    for group in groups
                ],
                "page": page,
                "has_next": has_next,
                "total_groups": total,
            }
        )


class DuplicatesResolveView(APIView):
    @extend_schema(
        request=DuplicatesResolveInputSerializer,
        responses=DuplicatesResolveOutputSerializer,
        summary="Keep one of a group of near duplicates, trash the others",
    )
    def post(self, request: Request) -> Response:
        membership = require_membership(request)
        data = DuplicatesResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = services.duplicates_resolve(
            membership=membership,
            keep_id=data.validated_data["keep"],
            trash_ids=data.validated_data["trash"],
        )
        return Response({"kept": data.validated_data["keep"], "trashed": count})
