from django.urls import path

from . import views

urlpatterns = [
    path("assets/", views.AssetListView.as_view(), name="api-asset-list"),
    path("assets/bulk/", views.AssetBulkView.as_view(), name="api-asset-bulk"),
    path("assets/trash/empty/", views.TrashEmptyView.as_view(), name="api-trash-empty"),
    path("assets/<int:asset_id>/", views.AssetDetailView.as_view(), name="api-asset-detail"),
    path(
        "assets/<int:asset_id>/original/",
        views.AssetOriginalView.as_view(),
        name="api-asset-original",
    ),
    path("usage/", views.UsageView.as_view(), name="api-usage"),
]
