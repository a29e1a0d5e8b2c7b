"""What albums plug into the core: their listeners, their part of a user's data export,
their audited models and how audit entries name albums and shares
(``AlbumsConfig.ready``)."""

from __future__ import annotations

from gallery.events import AssetFoldered
from lumina.core import events, plugins

from .gdpr import export_albums
from .handlers import file_into_folder_album
from .models import Album, AlbumShare, ShareLink


def album_label(album: Album) -> str:
    return album.title


def album_share_label(share: AlbumShare) -> str:
    return share.email_lower or (share.user.email if share.user is not None else "")


def register() -> None:
    events.subscribe(AssetFoldered, file_into_folder_album)
    plugins.data_exporters.register("albums", export_albums)
    plugins.audited_models.register("albums.Album", plugins.AuditedModel(model=Album))
    plugins.audited_models.register(
        "albums.ShareLink",
        plugins.AuditedModel(model=ShareLink, exclude_fields=("token_hash", "password")),
    )
    plugins.audit_labels.register("albums.album", plugins.AuditLabel(label=album_label))
    plugins.audit_labels.register(
        "albums.albumshare", plugins.AuditLabel(label=album_share_label, person=True)
    )
