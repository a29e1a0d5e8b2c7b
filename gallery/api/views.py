"""Thin API views for assets: parse, call a selector or a service, serialise."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.tenancy import require_membership
from lumina.core.api import JSONParser
from lumina.core.filtering import first, to_flag, with_registered_parameters
from lumina.core.pagination import CursorPagination
from lumina.core.plugins import asset_list_filters

from .. import downloads, selectors, services
from ..filtering import ASSET_FILTERS
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


class AssetListView(APIView):
    parser_classes = (MultiPartParser, FormParser, JSONParser)

    @extend_schema(
        parameters=ASSET_FILTERS.openapi_parameters(),
        responses=AssetOutputSerializer(many=True),
        summary="Assets, newest first",
    )
    @with_registered_parameters(asset_list_filters)
    def get(self, request: Request) -> Response:
        membership = require_membership(request)
        params = request.query_params
        assets = selectors.asset_list(membership=membership, filters=ASSET_FILTERS.parse(params))
        # Filters other apps plug in (search's, registered in its ready()).
        for extra in asset_list_filters:
            assets = extra.apply(assets, membership=membership, params=params)
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
            asset, strip=bool(to_flag(first(request.query_params, "strip")))
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
