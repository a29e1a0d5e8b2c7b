"""What albums plug into the core: their listeners, their part of a user's data export,
their audited models and how audit entries name albums and shares
(``AlbumsConfig.ready``)."""

from __future__ import annotations

from gallery.events import AssetFoldered
from lumina.core import events, registries

from .gdpr import export_albums
from .handlers import file_into_folder_album
from .models import Album, AlbumShare, ShareLink


def album_label(album: Album) -> str:
    return album.title


def album_share_label(share: AlbumShare) -> str:
    return share.email_lower or (share.user.email if share.user is not None else "")


def register() -> None:
    events.subscribe(AssetFoldered, file_into_folder_album)
    registries.data_exporters.register("albums", export_albums)
    registries.audited_models.register("albums.Album", registries.AuditedModel(model=Album))
    registries.audited_models.register(
        "albums.ShareLink",
        registries.AuditedModel(model=ShareLink, exclude_fields=("token_hash", "password")),
    )
    registries.audit_labels.register("albums.album", registries.AuditLabel(label=album_label))
    registries.audit_labels.register(
        "albums.albumshare", registries.AuditLabel(label=album_share_label, person=True)
    )
