from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("tenants/", views.TenantListView.as_view(), name="api-tenant-list"),
    path("tenants/<int:tenant_id>/", views.TenantDetailView.as_view(), name="api-tenant-detail"),
    path(
        "tenants/<int:tenant_id>/switch/",
        views.TenantSwitchView.as_view(),
        name="api-tenant-switch",
    ),
    path(
        "tenants/<int:tenant_id>/members/", views.MemberListView.as_view(), name="api-member-list"
    ),
    path(
        "tenants/<int:tenant_id>/members/<int:user_id>/",
        views.MemberDetailView.as_view(),
        name="api-member-detail",
    ),
    path(
        "tenants/<int:tenant_id>/invitations/",
        views.InvitationListView.as_view(),
        name="api-invitation-list",
    ),
    path(
        "tenants/<int:tenant_id>/invitations/<int:invitation_id>/",
        views.InvitationDetailView.as_view(),
        name="api-invitation-detail",
    ),
    path("tokens/", views.ApiTokenListView.as_view(), name="api-token-list"),
    path("tokens/<int:token_id>/", views.ApiTokenDetailView.as_view(), name="api-token-detail"),
    path("invitations/accept/", views.InvitationAcceptView.as_view(), name="api-invitation-accept"),
]
