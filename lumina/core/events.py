"""Domain events, delivered after the transaction commits.

Apps announce what happened (``asset.created``, ``member.added``) without knowing who
listens; webhooks, the search index and the audit trail subscribe in ``ready()``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)
Handler = Callable[[str, dict[str, Any]], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str, handler: Handler) -> None:
    """Register ``handler`` for ``event`` ("*" for all). Registering twice is a no-op."""
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def unsubscribe(event: str, handler: Handler) -> None:
    if handler in _handlers[event]:
        _handlers[event].remove(handler)


def emit(event: str, payload: dict[str, Any]) -> None:
    """Deliver ``event`` once the current transaction commits (at once outside one)."""

    def deliver() -> None:
        for handler in [*_handlers[event], *_handlers["*"]]:
            try:
                handler(event, payload)
            except Exception:
                # One failing subscriber must not hide the event from the others.
                logger.exception("Event handler failed", extra={"event": event})

    transaction.on_commit(deliver)
