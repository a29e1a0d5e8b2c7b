from django.urls import path

from . import views

urlpatterns = [
    path("albums/", views.AlbumListView.as_view(), name="api-album-list"),
    path("albums/tree/", views.AlbumTreeView.as_view(), name="api-album-tree"),
    path("albums/<int:album_id>/", views.AlbumDetailView.as_view(), name="api-album-detail"),
    path("albums/<int:album_id>/items/", views.AlbumItemsView.as_view(), name="api-album-items"),
    path(
        "albums/<int:album_id>/items/remove/",
        views.AlbumItemsRemoveView.as_view(),
        name="api-album-items-remove",
    ),
    path(
        "albums/<int:album_id>/items/reorder/",
        views.AlbumItemsReorderView.as_view(),
        name="api-album-items-reorder",
    ),
    path("albums/<int:album_id>/upload/", views.AlbumUploadView.as_view(), name="api-album-upload"),
    path("albums/<int:album_id>/zip/", views.AlbumZipView.as_view(), name="api-album-zip"),
    path("albums/<int:album_id>/shares/", views.AlbumSharesView.as_view(), name="api-album-shares"),
    path(
        "albums/<int:album_id>/shares/<int:share_id>/",
        views.AlbumShareDetailView.as_view(),
        name="api-album-share-detail",
    ),
    path("exports/zip/", views.SelectionZipView.as_view(), name="api-zip-selection"),
    path("share-links/", views.ShareLinkListView.as_view(), name="api-share-link-list"),
    path(
        "share-links/<int:link_id>/",
        views.ShareLinkDetailView.as_view(),
        name="api-share-link-detail",
    ),
    path(
        "share-links/<int:link_id>/revoke/",
        views.ShareLinkRevokeView.as_view(),
        name="api-share-link-revoke",
    ),
    path(
        "share-links/<int:link_id>/accesses/",
        views.ShareLinkAccessView.as_view(),
        name="api-share-link-accesses",
    ),
]
