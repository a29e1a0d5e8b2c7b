from __future__ import annotations

from rest_framework import serializers

from lumina.core.api import DataSerializer

from ..models import ApiToken, Invitation, Membership, Role, Tenant, User
from ..scopes import SCOPES


class UserOutputSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "email", "username", "display_name", "name", "is_staff", "date_joined")


class MemberUserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "email", "username", "name")


class TenantOutputSerializer(serializers.ModelSerializer[Tenant]):
    role = serializers.CharField(source="my_role", read_only=True, default=None)
    member_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Tenant
        fields = (
            "id",
            "slug",
            "name",
            "personal",
            "quota_bytes",
            "role",
            "member_count",
            "created_at",
        )


class TenantCreateInputSerializer(DataSerializer):
    name = serializers.CharField(max_length=120)


class MembershipOutputSerializer(serializers.ModelSerializer[Membership]):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("user", "role", "created_at")


class MeOutputSerializer(DataSerializer):
    user = UserOutputSerializer()
    tenant = TenantOutputSerializer(allow_null=True)
    role = serializers.CharField(allow_null=True)
    tenants = TenantOutputSerializer(many=True)


class InvitationCreateInputSerializer(DataSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


class InvitationOutputSerializer(serializers.ModelSerializer[Invitation]):
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = ("id", "email", "role", "invited_by", "created_at", "expires_at")


class RoleInputSerializer(DataSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationAcceptInputSerializer(DataSerializer):
    token = serializers.CharField(max_length=200)


class ApiTokenOutputSerializer(serializers.ModelSerializer[ApiToken]):
    prefix = serializers.CharField(source="public_prefix", read_only=True)
    workspace = serializers.IntegerField(source="tenant_id", read_only=True)

    class Meta:
        model = ApiToken
        fields = (
            "id",
            "name",
            "prefix",
            "workspace",
            "scopes",
            "created_at",
            "expires_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
        )


class ApiTokenCreateInputSerializer(DataSerializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.MultipleChoiceField(choices=list(SCOPES.items()), allow_empty=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ApiTokenCreatedOutputSerializer(ApiTokenOutputSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; only a hash is kept.")

    class Meta(ApiTokenOutputSerializer.Meta):
        fields = (*ApiTokenOutputSerializer.Meta.fields, "token")  # type: ignore[assignment]
