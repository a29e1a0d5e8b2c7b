from __future__ import annotations

from rest_framework import serializers

from ..models import Invitation, Membership, Role, Tenant, User


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


class TenantCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)


class MembershipOutputSerializer(serializers.ModelSerializer[Membership]):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("user", "role", "created_at")


class MeOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()
    tenant = TenantOutputSerializer(allow_null=True)
    role = serializers.CharField(allow_null=True)
    tenants = TenantOutputSerializer(many=True)


class InvitationCreateInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


class InvitationOutputSerializer(serializers.ModelSerializer[Invitation]):
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = ("id", "email", "role", "invited_by", "created_at", "expires_at")


class RoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationAcceptInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)
