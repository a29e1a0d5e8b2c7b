"""What albums put in a user's data export (registered in ``AlbumsConfig.ready``)."""

from __future__ import annotations

from lumina.core.plugins import ExportArchive, model_row

from .models import Album


def export_albums(archive: ExportArchive) -> None:
    """``albums.json``: the albums the user made in workspaces they still belong to."""
    albums = Album.objects.filter(
        created_by_id=archive.user_id, tenant_id__in=archive.workspace_ids
    ).order_by("pk")
    archive.write_json("albums.json", [model_row(a) for a in albums])
