from django.apps import AppConfig


class AlbumsConfig(AppConfig):
    name = "albums"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gallery.events import AssetFoldered
        from lumina.core import events, registries

        from . import gdpr
        from .handlers import file_into_folder_album
        from .models import Album, ShareLink

        events.subscribe(AssetFoldered, file_into_folder_album)
        registries.data_exporters.register("albums", gdpr.export_albums)
        registries.audited_models.register("albums.Album", registries.AuditedModel(model=Album))
        registries.audited_models.register(
            "albums.ShareLink",
            registries.AuditedModel(model=ShareLink, exclude_fields=("token_hash", "password")),
        )
