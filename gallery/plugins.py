"""What gallery plugs into the core: its listeners, its part of a user's data export,
its audited models and how audit entries name an asset (``GalleryConfig.ready``)."""

from __future__ import annotations

from accounts.events import TenantDeleted
from lumina.core import events, plugins

from .gdpr import export_assets
from .handlers import remove_workspace_files
from .models import Asset


def asset_label(asset: Asset) -> str:
    return asset.title or asset.original_filename or ""


def register() -> None:
    events.subscribe(TenantDeleted, remove_workspace_files)
    plugins.data_exporters.register("gallery", export_assets)
    plugins.audited_models.register(
        "gallery.Asset",
        plugins.AuditedModel(
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
    plugins.audit_labels.register("gallery.asset", plugins.AuditLabel(label=asset_label))
