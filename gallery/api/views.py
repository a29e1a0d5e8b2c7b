"""Thin API views for assets: parse, call a selector or a service, serialise."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.tenancy import require_membership
from lumina.core.api import JSONParser
from lumina.core.errors import ValidationFailed
from lumina.core.pagination import CursorPagination

from .. import downloads, selectors, services
from ..formats import FileTooLarge
from .serializers import (
    AssetBulkInputSerializer,
    AssetOutputSerializer,
    AssetUpdateInputSerializer,
    AssetUploadInputSerializer,
    AssetUploadOutputSerializer,
    BulkOutputSerializer,
    UsageOutputSerializer,
)


def _parse_when(value: str | None, field: str) -> Any:
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        day = None if moment else parse_date(value)
    except ValueError:
        moment = day = None
    if moment is None and day is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise ValidationFailed(f"{field}: use an ISO date or date-time.", details={"field": field})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _parse_bool(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.lower() in ("1", "true", "yes", "on")


def filters_from(params: Any) -> selectors.AssetFilters:
    return selectors.AssetFilters(
        tag=params.get("tag") or None,
        favorite=_parse_bool(params.get("favorite")),
        visibility=params.get("visibility") or None,
        status=params.get("status") or None,
        uploaded_after=_parse_when(params.get("uploaded_after"), "uploaded_after"),
        uploaded_before=_parse_when(params.get("uploaded_before"), "uploaded_before"),
        taken_after=_parse_when(params.get("taken_after"), "taken_after"),
        taken_before=_parse_when(params.get("taken_before"), "taken_before"),
        trashed=bool(_parse_bool(params.get("trashed"))),
    )


LIST_PARAMETERS = [
    OpenApiParameter("tag", str, description="Tag name (case-insensitive)"),
    OpenApiParameter("favorite", bool),
    OpenApiParameter("visibility", str, enum=["private", "tenant", "public"]),
    OpenApiParameter("status", str, enum=["processing", "ready", "failed"]),
    OpenApiParameter("uploaded_after", str, description="ISO date or date-time"),
    OpenApiParameter("uploaded_before", str),
    OpenApiParameter("taken_after", str),
    OpenApiParameter("taken_before", str),
    OpenApiParameter("trashed", bool, description="List the trash instead"),
]


# Extra filters other apps register (search adds its own in its AppConfig.ready()), so
# that gallery never imports them: each is f(queryset, *, membership, params) -> queryset.
ASSET_LIST_FILTERS: list[Any] = []


class AssetListView(APIView):
    parser_classes = (MultiPartParser, FormParser, JSONParser)

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses=AssetOutputSerializer(many=True),
        summary="Assets, newest first",
    )
    def get(self, request: Request) -> Response:
        membership = require_membership(request)
        assets = selectors.asset_list(
            membership=membership, filters=filters_from(request.query_params)
        )
        for add_filter in ASSET_LIST_FILTERS:
            assets = add_filter(assets, membership=membership, params=request.query_params)
        paginator = CursorPagination()
        page: Any = paginator.paginate_queryset(assets, request, view=self)
        return paginator.get_paginated_response(AssetOutputSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": AssetUploadInputSerializer},
        responses={201: AssetUploadOutputSerializer, 200: AssetUploadOutputSerializer},
        summary="Upload an image (200 with duplicate=true when the same bytes exist)",
    )
    def post(self, request: Request) -> Response:
        membership = require_membership(request)
        # Refuse an announced oversize body before reading it.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        limit = downloads.upload_limit()
        if declared > limit + 64 * 1024:
            raise FileTooLarge(
                f"The upload is larger than {limit} bytes.", details={"max_bytes": limit}
            )
        data = AssetUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        asset, duplicate = services.asset_upload(
            membership=membership,
            fileobj=upload,
            filename=upload.name or "upload",
            title=data.validated_data["title"],
            description=data.validated_data["description"],
            tags=data.validated_data["tags"],
            visibility=data.validated_data["visibility"],
            relative_path=data.validated_data["relative_path"],
        )
        asset = selectors.asset_get(membership=membership, asset_id=asset.pk)
        asset.duplicate = duplicate  # type: ignore[attr-defined]
        return Response(
            AssetUploadOutputSerializer(asset).data,
            status=status.HTTP_200_OK if duplicate else status.HTTP_201_CREATED,
        )


class AssetDetailView(APIView):
    @extend_schema(responses=AssetOutputSerializer, summary="One asset")
    def get(self, request: Request, asset_id: int) -> Response:
        asset = selectors.asset_get(membership=require_membership(request), asset_id=asset_id)
        return Response(AssetOutputSerializer(asset).data)

    @extend_schema(
        request=AssetUpdateInputSerializer,
        responses=AssetOutputSerializer,
        summary="Edit title, description, visibility, tags",
    )
    def patch(self, request: Request, asset_id: int) -> Response:
        membership = require_membership(request)
        asset = selectors.asset_get(membership=membership, asset_id=asset_id)
        data = AssetUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.asset_update(membership=membership, asset=asset, data=dict(data.validated_data))
        return Response(
            AssetOutputSerializer(
                selectors.asset_get(membership=membership, asset_id=asset_id)
            ).data
        )

    @extend_schema(responses={204: None}, summary="Move to the trash")
    def delete(self, request: Request, asset_id: int) -> Response:
        membership = require_membership(request)
        asset = selectors.asset_get(membership=membership, asset_id=asset_id, include_trashed=False)
        services.asset_delete(membership=membership, assets=[asset])
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssetBulkView(APIView):
    @extend_schema(
        request=AssetBulkInputSerializer,
        responses=BulkOutputSerializer,
        summary="One action on up to 1,000 assets, all or nothing",
    )
    def post(self, request: Request) -> Response:
        membership = require_membership(request)
        data = AssetBulkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        assets = selectors.assets_for_bulk(membership=membership, ids=params.pop("ids"))
        action = params.pop("action")
        count = services.asset_bulk(
            membership=membership, assets=assets, action=action, params=params
        )
        return Response({"action": action, "count": count})


class TrashEmptyView(APIView):
    @extend_schema(
        request=None,
        responses=BulkOutputSerializer,
        summary="Delete everything in the trash for good",
    )
    def post(self, request: Request) -> Response:
        count = services.trash_empty(membership=require_membership(request))
        return Response({"action": "empty_trash", "count": count})


class AssetOriginalView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("strip", bool, description="Remove metadata (EXIF, GPS, XMP)")
        ],
        # The stored image's own type (image/jpeg, image/png, ...).
        responses={(200, "image/*"): bytes},
        summary="Download the original",
    )
    def get(self, request: Request, asset_id: int) -> HttpResponseBase:
        asset = selectors.asset_get(
            membership=require_membership(request), asset_id=asset_id, include_trashed=False
        )
        return downloads.original_response(
            asset, strip=bool(_parse_bool(request.query_params.get("strip")))
        )


class UsageView(APIView):
    @extend_schema(responses=UsageOutputSerializer, summary="Storage used by the current workspace")
    def get(self, request: Request) -> Response:
        membership = require_membership(request)
        usage = selectors.usage_get(membership=membership)
        return Response(
            {
                "quota_bytes": membership.tenant.quota_bytes,
                "originals_bytes": usage.originals_bytes,
                "renditions_bytes": usage.renditions_bytes,
                "total_bytes": usage.total_bytes,
                "assets_count": usage.assets_count,
            }
        )
