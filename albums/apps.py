from django.apps import AppConfig


class AlbumsConfig(AppConfig):
    name = "albums"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lumina.core import events

        from .handlers import file_into_folder_album

        events.subscribe("asset.foldered", file_into_folder_album)
