from django.urls import path

from . import views
from .sharing import views as sharing_views

urlpatterns = [
    path("albums/", views.album_index, name="albums"),
    path("albums/new/", views.album_new, name="album-new"),
    path("albums/zip/", views.selection_zip, name="albums-selection-zip"),
    path("albums/<int:album_id>/", views.album_page, name="album"),
    path("albums/<int:album_id>/edit/", views.album_edit, name="album-edit"),
    path("albums/<int:album_id>/delete/", views.album_delete, name="album-delete"),
    path("albums/<int:album_id>/items/", views.album_items, name="album-items"),
    path("albums/<int:album_id>/pick/", views.album_pick, name="album-pick"),
    path("albums/<int:album_id>/zip/", views.album_zip, name="album-zip"),
    path("albums/<int:album_id>/links/", views.album_link_new, name="album-link-new"),
    path(
        "albums/<int:album_id>/links/<int:link_id>/revoke/",
        views.album_link_revoke,
        name="album-link-revoke",
    ),
    path("albums/<int:album_id>/shares/", views.album_share, name="album-share"),
    path("s/<str:token>/", sharing_views.share_link, name="share-link"),
    path("s/<str:token>/a/<int:album_id>/", sharing_views.share_album, name="share-album"),
    path(
        "s/<str:token>/download/<int:asset_id>/",
        sharing_views.share_download,
        name="share-download",
    ),
    path("s/<str:token>/zip/", sharing_views.share_zip, name="share-zip"),
]
