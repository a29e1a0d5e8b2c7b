"""What gallery puts in a user's data export (registered in ``GalleryConfig.ready``)."""

from __future__ import annotations

from lumina.core.plugins import ExportArchive, model_row, safe_filename

from .models import Asset


def export_assets(archive: ExportArchive) -> None:
    """``assets.json``: the metadata of every asset the user uploaded; ``originals/``:
    the files of those in workspaces they still belong to."""
    rows = []
    for asset in Asset.objects.filter(owner_id=archive.user_id).order_by("pk").iterator():
        row = model_row(asset)
        if asset.tenant_id not in archive.workspace_ids:
            row["file_in_export"] = None  # a workspace the user left keeps its files
            row["workspace_left"] = True
        elif asset.original:
            name = (
                f"originals/{asset.pk}-{safe_filename(asset.original_filename or asset.original)}"
            )
            row["file_in_export"] = name if archive.copy_file(name, asset.original) else None
        rows.append(row)
    archive.write_json("assets.json", rows)
