"""Gallery's reactions to other apps' events."""

from __future__ import annotations

import logging
from typing import Any

from . import storage

logger = logging.getLogger(__name__)


def remove_workspace_files(event: str, payload: dict[str, Any]) -> None:
    """A deleted workspace's rows are gone (cascade); its files go after the commit."""
    count = storage.delete_prefix(storage.tenant_prefix(int(payload["tenant_id"])))
    logger.info("deleted %d files of workspace %s", count, payload["tenant_id"])
