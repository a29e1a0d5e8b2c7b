from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lumina.core import events

        from .handlers import remove_workspace_files

        events.subscribe("tenant.deleted", remove_workspace_files)
