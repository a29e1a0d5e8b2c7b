"""Thin API views: parse, call a selector or a service, serialise."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lumina.core.errors import NotFound
from lumina.core.pagination import CursorPagination

from .. import selectors, services
from ..models import ApiToken, Membership
from ..tenancy import (
    membership_in,
    reachable_tenants,
    request_membership,
    request_user,
    require_membership,
    require_session,
    switch_tenant,
)
from .serializers import (
    ApiTokenCreatedOutputSerializer,
    ApiTokenCreateInputSerializer,
    ApiTokenOutputSerializer,
    InvitationAcceptInputSerializer,
    InvitationCreateInputSerializer,
    InvitationOutputSerializer,
    MembershipOutputSerializer,
    MeOutputSerializer,
    RoleInputSerializer,
    TenantCreateInputSerializer,
    TenantOutputSerializer,
)


class OldestFirst(CursorPagination):
    ordering = ("created_at", "id")


def _paginate(view: APIView, request: Request, queryset: Any, serializer: Any) -> Response:
    paginator = OldestFirst()
    page: Any = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _tenant_with_role(request: Request, tenant_id: int) -> Any:
    return reachable_tenants(request).get(pk=tenant_id)


class MeView(APIView):
    @extend_schema(responses=MeOutputSerializer, summary="The signed-in user and workspace")
    def get(self, request: Request) -> Response:
        membership = request_membership(request)
        tenants = list(reachable_tenants(request))
        current = next((t for t in tenants if membership and t.pk == membership.tenant_id), None)
        data = {
            "user": request_user(request),
            "tenant": current,
            "role": membership.role if membership else None,
            "tenants": tenants,
        }
        return Response(MeOutputSerializer(data).data)


class TenantListView(APIView):
    @extend_schema(responses=TenantOutputSerializer(many=True), summary="My workspaces")
    def get(self, request: Request) -> Response:
        return _paginate(self, request, reachable_tenants(request), TenantOutputSerializer)

    @extend_schema(
        request=TenantCreateInputSerializer,
        responses={201: TenantOutputSerializer},
        summary="Create a workspace (you become its owner)",
    )
    def post(self, request: Request) -> Response:
        require_session(request)
        data = TenantCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = services.tenant_create(
            name=data.validated_data["name"], owner=request_user(request)
        )
        return Response(
            TenantOutputSerializer(_tenant_with_role(request, tenant.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class TenantDetailView(APIView):
    @extend_schema(responses=TenantOutputSerializer, summary="One of my workspaces")
    def get(self, request: Request, tenant_id: int) -> Response:
        membership_in(request, tenant_id)
        return Response(TenantOutputSerializer(_tenant_with_role(request, tenant_id)).data)

    @extend_schema(
        request=TenantCreateInputSerializer,
        responses=TenantOutputSerializer,
        summary="Rename a workspace (owner or admin)",
    )
    def patch(self, request: Request, tenant_id: int) -> Response:
        membership = membership_in(request, tenant_id)
        data = TenantCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.tenant_update(membership=membership, name=data.validated_data["name"])
        return Response(TenantOutputSerializer(_tenant_with_role(request, tenant_id)).data)


class TenantSwitchView(APIView):
    @extend_schema(
        request=None, responses=TenantOutputSerializer, summary="Make a workspace current"
    )
    def post(self, request: Request, tenant_id: int) -> Response:
        membership = membership_in(request, tenant_id)  # another workspace: 404, even for tokens
        require_session(request)
        switch_tenant(request._request, membership.tenant)
        return Response(TenantOutputSerializer(_tenant_with_role(request, tenant_id)).data)


class MemberListView(APIView):
    @extend_schema(
        responses=MembershipOutputSerializer(many=True), summary="Members of a workspace"
    )
    def get(self, request: Request, tenant_id: int) -> Response:
        membership = membership_in(request, tenant_id)
        members = selectors.member_list(membership=membership)
        return _paginate(self, request, members, MembershipOutputSerializer)


class MemberDetailView(APIView):
    def _target(
        self, request: Request, tenant_id: int, user_id: int
    ) -> tuple[Membership, Membership]:
        membership = membership_in(request, tenant_id)
        return membership, selectors.member_get(membership=membership, user_id=user_id)

    @extend_schema(responses=MembershipOutputSerializer, summary="One member")
    def get(self, request: Request, tenant_id: int, user_id: int) -> Response:
        _, target = self._target(request, tenant_id, user_id)
        return Response(MembershipOutputSerializer(target).data)

    @extend_schema(
        request=RoleInputSerializer,
        responses=MembershipOutputSerializer,
        summary="Change a member's role",
    )
    def patch(self, request: Request, tenant_id: int, user_id: int) -> Response:
        membership, target = self._target(request, tenant_id, user_id)
        data = RoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = services.membership_change_role(
            membership=membership, target=target, role=data.validated_data["role"]
        )
        return Response(MembershipOutputSerializer(target).data)

    @extend_schema(responses={204: None}, summary="Remove a member, or leave (your own id)")
    def delete(self, request: Request, tenant_id: int, user_id: int) -> Response:
        membership, target = self._target(request, tenant_id, user_id)
        services.membership_remove(membership=membership, target=target)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListView(APIView):
    @extend_schema(responses=InvitationOutputSerializer(many=True), summary="Pending invitations")
    def get(self, request: Request, tenant_id: int) -> Response:
        membership = membership_in(request, tenant_id)
        invitations = selectors.invitation_list(membership=membership)
        return _paginate(self, request, invitations, InvitationOutputSerializer)

    @extend_schema(
        request=InvitationCreateInputSerializer,
        responses={201: InvitationOutputSerializer},
        summary="Invite someone by e-mail (owner or admin)",
    )
    def post(self, request: Request, tenant_id: int) -> Response:
        membership = membership_in(request, tenant_id)
        data = InvitationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, _ = services.invitation_create(
            membership=membership,
            email=data.validated_data["email"],
            role=data.validated_data["role"],
            base_url=request.build_absolute_uri("/"),
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailView(APIView):
    @extend_schema(responses={204: None}, summary="Withdraw an invitation")
    def delete(self, request: Request, tenant_id: int, invitation_id: int) -> Response:
        membership = membership_in(request, tenant_id)
        invitation = selectors.invitation_get(membership=membership, invitation_id=invitation_id)
        services.invitation_revoke(membership=membership, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    @extend_schema(
        request=InvitationAcceptInputSerializer,
        responses=MembershipOutputSerializer,
        summary="Accept an invitation sent to your e-mail address",
    )
    def post(self, request: Request) -> Response:
        data = InvitationAcceptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_accept(
            user=request_user(request), token=data.validated_data["token"]
        )
        return Response(MembershipOutputSerializer(membership).data)


class ApiTokenListView(APIView):
    @extend_schema(
        responses=ApiTokenOutputSerializer(many=True),
        summary="My API tokens in the current workspace (the token's own with Bearer)",
    )
    def get(self, request: Request) -> Response:
        membership = require_membership(request)
        tokens = selectors.api_token_list(user=request_user(request), tenant=membership.tenant)
        paginator = CursorPagination()
        page: Any = paginator.paginate_queryset(tokens, request, view=self)
        return paginator.get_paginated_response(ApiTokenOutputSerializer(page, many=True).data)

    @extend_schema(
        request=ApiTokenCreateInputSerializer,
        responses={201: ApiTokenCreatedOutputSerializer},
        summary="Create a token for the current workspace (the raw value is shown once)",
    )
    def post(self, request: Request) -> Response:
        membership = require_membership(request)
        data = ApiTokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = services.api_token_create(
            user=request_user(request),
            tenant=membership.tenant,
            name=data.validated_data["name"],
            scopes=sorted(data.validated_data["scopes"]),
            expires_at=data.validated_data["expires_at"],
            actor_token=request.auth if isinstance(request.auth, ApiToken) else None,
        )
        token.token = raw  # type: ignore[attr-defined]
        response = Response(
            ApiTokenCreatedOutputSerializer(token).data, status=status.HTTP_201_CREATED
        )
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenDetailView(APIView):
    def _token(self, request: Request, token_id: int) -> ApiToken:
        membership = require_membership(request)
        token = selectors.api_token_get(user=request_user(request), token_id=token_id)
        if token.tenant_id != membership.tenant_id:
            raise NotFound("Token not found.")
        return token

    @extend_schema(responses=ApiTokenOutputSerializer, summary="One of my tokens")
    def get(self, request: Request, token_id: int) -> Response:
        return Response(ApiTokenOutputSerializer(self._token(request, token_id)).data)

    @extend_schema(responses={204: None}, summary="Revoke a token")
    def delete(self, request: Request, token_id: int) -> Response:
        services.api_token_revoke(user=request_user(request), token=self._token(request, token_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
