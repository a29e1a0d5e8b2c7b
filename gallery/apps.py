from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.events import TenantDeleted
        from lumina.core import events, registries

        from . import gdpr
        from .handlers import remove_workspace_files
        from .models import Asset

        events.subscribe(TenantDeleted, remove_workspace_files)
        registries.data_exporters.register("gallery", gdpr.export_assets)
        registries.audited_models.register(
            "gallery.Asset",
            registries.AuditedModel(
                model=Asset,
                include_fields=(
                    "title",
                    "description",
                    "visibility",
                    "owner",
                    "original_filename",
                    "deleted_at",
                ),
            ),
        )
