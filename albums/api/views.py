"""Thin API views for albums, items, share links and album shares: parse, call a
selector or a service, serialise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponseBase
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from gallery import selectors as gallery_selectors
from gallery.api.serializers import AssetUploadInputSerializer, AssetUploadOutputSerializer
from lumina.core.errors import NotFound, ValidationFailed
from lumina.core.pagination import CursorPagination

from .. import exports, selectors, services
from ..actors import actor_for
from ..errors import ZipTooLarge
from ..models import Album
from ..selectors import EDITOR, Actor
from ..sharing import selectors as sharing_selectors
from ..sharing import services as sharing_services
from .serializers import (
    AlbumCreateInputSerializer,
    AlbumDetailOutputSerializer,
    AlbumItemOutputSerializer,
    AlbumOutputSerializer,
    AlbumShareInputSerializer,
    AlbumShareOutputSerializer,
    AlbumShareUpdateInputSerializer,
    AlbumUpdateInputSerializer,
    CountOutputSerializer,
    ItemsAddInputSerializer,
    ItemsAddOutputSerializer,
    ItemsRemoveInputSerializer,
    ItemsReorderInputSerializer,
    ShareAccessOutputSerializer,
    ShareLinkCreatedOutputSerializer,
    ShareLinkCreateInputSerializer,
    ShareLinkOutputSerializer,
    ShareLinkUpdateInputSerializer,
    TreeNodeSerializer,
    ZipSelectionInputSerializer,
)


class AlbumPagination(CursorPagination):
    ordering = ("title_key", "id")


class AccessPagination(CursorPagination):
    ordering = ("-at", "-id")


def _with_covers(albums: list[Album], actor: Actor) -> list[Album]:
    covers = selectors.cover_for(albums, actor.user)
    for album in albums:
        album.resolved_cover = covers.get(album.pk)  # type: ignore[attr-defined]
    return albums


def _detail(actor: Actor, album_id: Any) -> dict[str, Any]:
    album = selectors.album_get(actor=actor, album_id=album_id)
    serializer = AlbumDetailOutputSerializer(
        _with_covers([album], actor)[0], context={"actor": actor}
    )
    return dict(serializer.data)


def _parent(actor: Actor, value: Any) -> Album | None:
    if value is None:
        return None
    return selectors.album_get(actor=actor, album_id=value, needed=EDITOR)


def _placement(data: dict[str, Any]) -> services.Placement:
    return services.Placement(after=data.get("after"), before=data.get("before"), to=data["to"])


class AlbumListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("parent", int, description="Only the sub-albums of this album"),
            OpenApiParameter("root", bool, description="Only top-level albums"),
            OpenApiParameter("search", str, description="Part of the title"),
            OpenApiParameter(
                "shared", bool, description="Albums shared with you from other workspaces"
            ),
        ],
        responses=AlbumOutputSerializer(many=True),
        summary="Albums of the current workspace, by title, with statistics and covers",
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request)
        params = request.query_params
        if params.get("shared") in ("1", "true", "yes"):
            albums = selectors.shared_album_list(actor=actor)
        else:
            albums = selectors.album_list(
                actor=actor,
                parent=params.get("parent") or None,
                roots_only=params.get("root") in ("1", "true", "yes"),
                search=params.get("search", ""),
            )
        paginator = AlbumPagination()
        page: Any = paginator.paginate_queryset(albums, request, view=self)
        data = AlbumOutputSerializer(
            _with_covers(list(page), actor), many=True, context={"actor": actor}
        ).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request=AlbumCreateInputSerializer,
        responses={201: AlbumDetailOutputSerializer},
        summary="Create an album (editors)",
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request)
        data = AlbumCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        album = services.album_create(
            actor=actor,
            title=values["title"],
            description=values["description"],
            parent=_parent(actor, values["parent"]),
            sort_mode=values["sort_mode"],
            sort_direction=values["sort_direction"],
        )
        return Response(_detail(actor, album.pk), status=status.HTTP_201_CREATED)


class AlbumTreeView(APIView):
    pagination_class = None  # a bare list: small and bounded

    @extend_schema(
        responses=TreeNodeSerializer(many=True),
        summary="Every album of the current workspace as a tree (one query)",
    )
    def get(self, request: Request) -> Response:
        nodes = selectors.album_tree(actor=actor_for(request))
        return Response(TreeNodeSerializer(nodes, many=True).data)


class AlbumDetailView(APIView):
    @extend_schema(responses=AlbumDetailOutputSerializer, summary="One album, with breadcrumbs")
    def get(self, request: Request, album_id: int) -> Response:
        return Response(_detail(actor_for(request), album_id))

    @extend_schema(
        request=AlbumUpdateInputSerializer,
        responses=AlbumDetailOutputSerializer,
        summary="Rename, describe, re-order, choose the cover or move (parent) an album",
    )
    def patch(self, request: Request, album_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
        data = AlbumUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "parent" in values:
            values["parent"] = _parent(actor, values["parent"])
        services.album_update(actor=actor, album=album, data=values)
        return Response(_detail(actor, album_id))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "children",
                str,
                enum=[services.CHILDREN_MOVE_UP, services.CHILDREN_DELETE],
                description="Sub-albums move up to the parent (default) or are deleted too",
            )
        ],
        responses={204: None},
        summary="Delete an album (never its images)",
    )
    def delete(self, request: Request, album_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
        services.album_delete(
            actor=actor,
            album=album,
            children=request.query_params.get("children", services.CHILDREN_MOVE_UP),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlbumItemsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int, description="At most 200"),
        ],
        responses=AlbumItemOutputSerializer(many=True),
        summary="The album's images in its order (manual, taken, uploaded or title)",
    )
    def get(self, request: Request, album_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id)
        try:
            size = min(max(int(request.query_params.get("page_size", 50)), 1), 200)
        except ValueError:
            raise ValidationFailed("page_size: a number.", details={"field": "page_size"}) from None
        rows, next_cursor, previous_cursor = selectors.page_items(
            selectors.album_items(actor=actor, album=album),
            album,
            cursor=request.query_params.get("cursor"),
            size=size,
        )

        def link(cursor: str | None) -> str | None:
            if cursor is None:
                return None
            query = request.query_params.copy()
            query["cursor"] = cursor
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        return Response(
            {
                "next": link(next_cursor),
                "previous": link(previous_cursor),
                "results": AlbumItemOutputSerializer(
                    rows, many=True, context={"actor": actor}
                ).data,
            }
        )

    @extend_schema(
        request=ItemsAddInputSerializer,
        responses=ItemsAddOutputSerializer,
        summary="Add images (at the end, or after/before an item, or at the start)",
    )
    def post(self, request: Request, album_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id)
        data = ItemsAddInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        assets = selectors.addable_assets(actor=actor, album=album, ids=values["asset_ids"])
        result = services.album_items_add(
            actor=actor, album=album, assets=assets, place=_placement(values)
        )
        return Response({"added": result.added, "already": result.already})


class AlbumItemsRemoveView(APIView):
    @extend_schema(
        request=ItemsRemoveInputSerializer,
        responses=CountOutputSerializer,
        summary="Take images out of the album (the images stay)",
    )
    def post(self, request: Request, album_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id)
        data = ItemsRemoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = services.album_items_remove(
            actor=actor, album=album, asset_ids=data.validated_data["asset_ids"]
        )
        return Response({"count": count})


class AlbumItemsReorderView(APIView):
    @extend_schema(
        request=ItemsReorderInputSerializer,
        responses={204: None},
        summary="Move images, in the order given, after/before an item or to the start/end",
    )
    def post(self, request: Request, album_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
        data = ItemsReorderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        services.album_items_reorder(
            actor=actor, album=album, asset_ids=values["asset_ids"], place=_placement(values)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlbumUploadView(APIView):
    parser_classes = (MultiPartParser, FormParser)
    throttle_group = "upload"

    @extend_schema(
        request={"multipart/form-data": AssetUploadInputSerializer},
        responses={201: AssetUploadOutputSerializer, 200: AssetUploadOutputSerializer},
        summary="Upload an image into the album (editors and contributors)",
    )
    def post(self, request: Request, album_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id)
        data = AssetUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        asset, duplicate = services.album_upload(
            actor=actor,
            album=album,
            fileobj=upload,
            filename=upload.name or "upload",
            title=data.validated_data["title"],
        )
        body = dict(AssetUploadOutputSerializer(asset).data)
        body["duplicate"] = duplicate
        if not actor.is_member_of(album.tenant_id) and asset.owner_id != actor.user.pk:
            body["owner"] = None  # no members' addresses for outsiders
        return Response(body, status=status.HTTP_200_OK if duplicate else status.HTTP_201_CREATED)


class AlbumZipView(APIView):
    @extend_schema(
        responses={(200, "application/zip"): bytes},
        summary="The album and its sub-albums (as folders) as a ZIP, streamed",
    )
    def get(self, request: Request, album_id: int) -> HttpResponseBase:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id)
        members = exports.album_members(
            album, visible=selectors.asset_visibility(actor.user, "asset__"), strip=False
        )
        return exports.zip_response(members, exports.archive_name(album.title))


class SelectionZipView(APIView):
    throttle_group = "api_read"

    @extend_schema(
        request=ZipSelectionInputSerializer,
        responses={(200, "application/zip"): bytes},
        summary="Chosen images of the current workspace as a ZIP, streamed",
    )
    def post(self, request: Request) -> HttpResponseBase:
        actor = actor_for(request)
        data = ZipSelectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["asset_ids"]
        limit = int(settings.LUMINA_ZIP_MAX_SELECTION)
        if len(ids) > limit:
            raise ZipTooLarge(f"At most {limit} images in one ZIP.", details={"max": limit})
        assets = selectors.selection_assets(actor=actor, ids=ids)
        return exports.zip_response(exports.selection_members(assets, strip=False), "images.zip")


class AlbumSharesView(APIView):
    pagination_class = None  # a bare list: small and bounded

    @extend_schema(
        responses=AlbumShareOutputSerializer(many=True), summary="Who the album is shared with"
    )
    def get(self, request: Request, album_id: int) -> Response:
        album = selectors.album_get(actor=actor_for(request), album_id=album_id, needed=EDITOR)
        shares = selectors.album_share_list(album=album)
        return Response(AlbumShareOutputSerializer(shares, many=True).data)

    @extend_schema(
        request=AlbumShareInputSerializer,
        responses={201: AlbumShareOutputSerializer},
        summary="Share the album with a member (user) or anyone (email), viewer or contributor",
    )
    def post(self, request: Request, album_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
        data = AlbumShareInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = None
        if values["user"] is not None:
            assert actor.membership is not None
            user = account_selectors.member_get(
                membership=actor.membership, user_id=values["user"]
            ).user
        elif not values["email"]:
            raise ValidationFailed("Name a user or an e-mail address.", details={"field": "email"})
        share = services.album_share_create(
            actor=actor,
            album=album,
            user=user,
            email=values["email"],
            role=values["role"],
            ends_at=values["ends_at"],
            base_url=request.build_absolute_uri("/"),
        )
        return Response(AlbumShareOutputSerializer(share).data, status=status.HTTP_201_CREATED)


class AlbumShareDetailView(APIView):
    @extend_schema(
        request=AlbumShareUpdateInputSerializer,
        responses=AlbumShareOutputSerializer,
        summary="Change the role or end date of a share",
    )
    def patch(self, request: Request, album_id: int, share_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
        share = selectors.album_share_get(album=album, share_id=share_id)
        data = AlbumShareUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        share = services.album_share_update(
            actor=actor, album=album, share=share, data=dict(data.validated_data)
        )
        return Response(AlbumShareOutputSerializer(share).data)

    @extend_schema(responses={204: None}, summary="Stop sharing with this person")
    def delete(self, request: Request, album_id: int, share_id: int) -> Response:
        actor = actor_for(request)
        album = selectors.album_get(actor=actor, album_id=album_id, needed=EDITOR)
        share = selectors.album_share_get(album=album, share_id=share_id)
        services.album_share_delete(actor=actor, album=album, share=share)
        return Response(status=status.HTTP_204_NO_CONTENT)


def share_url(request: Any, token: str) -> str:
    return str(request.build_absolute_uri(reverse("share-link", kwargs={"token": token})))


class ShareLinkListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("album", int), OpenApiParameter("asset", int)],
        responses=ShareLinkOutputSerializer(many=True),
        summary="Share links of the current workspace, newest first (editors)",
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request)
        services.require_editor(actor, actor.tenant_id)
        links = sharing_selectors.share_link_list(
            actor=actor,
            album_id=request.query_params.get("album"),
            asset_id=request.query_params.get("asset"),
        )
        paginator = CursorPagination()
        page: Any = paginator.paginate_queryset(links, request, view=self)
        return paginator.get_paginated_response(ShareLinkOutputSerializer(page, many=True).data)

    @extend_schema(
        request=ShareLinkCreateInputSerializer,
        responses={201: ShareLinkCreatedOutputSerializer},
        summary="Make a share link for an album or an asset; the token is shown only here",
    )
    def post(self, request: Request) -> Response:
        actor = actor_for(request)
        data = ShareLinkCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        album = asset = None
        if values["album"] is not None and values["asset"] is not None:
            raise ValidationFailed("Share either an album or an asset.", details={"field": "album"})
        if values["album"] is not None:
            album = selectors.album_get(actor=actor, album_id=values["album"], needed=EDITOR)
        elif values["asset"] is not None:
            if actor.membership is None:
                raise NotFound("Asset not found.")
            asset = gallery_selectors.asset_get(
                membership=actor.membership, asset_id=values["asset"], include_trashed=False
            )
        else:
            raise ValidationFailed("Share either an album or an asset.", details={"field": "album"})
        link, token = sharing_services.share_link_create(
            actor=actor,
            album=album,
            asset=asset,
            name=values["name"],
            expires_at=values["expires_at"],
            password=values["password"],
            max_views=values["max_views"],
            max_downloads=values["max_downloads"],
            allow_download=values["allow_download"],
            strip_metadata=values["strip_metadata"],
        )
        link = sharing_selectors.share_link_get(actor=actor, link_id=link.pk)
        link.token = token  # type: ignore[attr-defined]
        link.url = share_url(request, token)  # type: ignore[attr-defined]
        return Response(ShareLinkCreatedOutputSerializer(link).data, status=status.HTTP_201_CREATED)


def _editor_link(request: Request, link_id: int) -> tuple[Actor, Any]:
    actor = actor_for(request)
    services.require_editor(actor, actor.tenant_id)
    return actor, sharing_selectors.share_link_get(actor=actor, link_id=link_id)


class ShareLinkDetailView(APIView):
    @extend_schema(responses=ShareLinkOutputSerializer, summary="One share link")
    def get(self, request: Request, link_id: int) -> Response:
        __, link = _editor_link(request, link_id)
        return Response(ShareLinkOutputSerializer(link).data)

    @extend_schema(
        request=ShareLinkUpdateInputSerializer,
        responses=ShareLinkOutputSerializer,
        summary="Change a link's name, expiry, password, limits or download rules",
    )
    def patch(self, request: Request, link_id: int) -> Response:
        actor, link = _editor_link(request, link_id)
        data = ShareLinkUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        sharing_services.share_link_update(actor=actor, link=link, data=dict(data.validated_data))
        return Response(ShareLinkOutputSerializer(link).data)

    @extend_schema(
        responses=ShareLinkOutputSerializer, summary="Revoke the link (it is kept, with its log)"
    )
    def delete(self, request: Request, link_id: int) -> Response:
        actor, link = _editor_link(request, link_id)
        sharing_services.share_link_revoke(actor=actor, link=link)
        return Response(ShareLinkOutputSerializer(link).data)


class ShareLinkRevokeView(APIView):
    @extend_schema(
        request=None, responses=ShareLinkOutputSerializer, summary="Revoke the link at once"
    )
    def post(self, request: Request, link_id: int) -> Response:
        actor, link = _editor_link(request, link_id)
        sharing_services.share_link_revoke(actor=actor, link=link)
        return Response(ShareLinkOutputSerializer(link).data)


class ShareLinkAccessView(APIView):
    @extend_schema(
        responses=ShareAccessOutputSerializer(many=True),
        summary="The link's access log, newest first",
    )
    def get(self, request: Request, link_id: int) -> Response:
        actor = actor_for(request)
        services.require_editor(actor, actor.tenant_id)
        link = sharing_selectors.share_link_get(actor=actor, link_id=link_id)
        paginator = AccessPagination()
        page: Any = paginator.paginate_queryset(
            sharing_selectors.share_access_list(link=link), request, view=self
        )
        return paginator.get_paginated_response(ShareAccessOutputSerializer(page, many=True).data)
