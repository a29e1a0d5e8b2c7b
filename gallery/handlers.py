"""Gallery's reactions to other apps' events."""

from __future__ import annotations

import logging

from accounts.events import TenantDeleted

from . import storage

logger = logging.getLogger(__name__)


def remove_workspace_files(event: TenantDeleted) -> None:
    """A deleted workspace's rows are gone (cascade); its files go after the commit."""
    count = storage.delete_prefix(storage.tenant_prefix(event.tenant_id))
    logger.info("deleted %d files of workspace %s", count, event.tenant_id)
