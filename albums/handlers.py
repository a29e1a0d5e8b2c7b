"""Albums' reactions to gallery events (gallery knows nothing of albums)."""

from __future__ import annotations

import logging

from django.db import transaction

from accounts.models import Membership
from gallery.events import AssetFoldered
from gallery.models import Asset
from lumina.core.errors import LuminaError

from . import services
from .selectors import Actor

logger = logging.getLogger(__name__)


def file_into_folder_album(event: AssetFoldered) -> None:
    """An image uploaded from a folder goes into the album of the same path."""
    membership = (
        Membership.objects.select_related("tenant", "user")
        .filter(user_id=event.user_id, tenant_id=event.tenant_id)
        .first()
    )
    asset = Asset.objects.filter(pk=event.asset_id, tenant_id=event.tenant_id).first()
    if membership is None or asset is None:
        return
    try:
        with transaction.atomic():
            album = services.albums_for_path(membership=membership, path=event.folder)
            actor = Actor(user=membership.user, membership=membership, shared=False)
            services.album_items_add(actor=actor, album=album, assets=[asset])
    except LuminaError as exc:
        logger.info("not filed into folder album: %s", exc.message)
