"""The registries apps fill in ``AppConfig.ready()`` to plug into each other (the
generic ``Registry`` is in ``registries``). One block per registry: what an entry is, the
registry, who fills it, who reads it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from django.db.models import QuerySet

from .registries import Registry

# --- asset-list filters ------------------------------------------------------------------


class AssetListFilter(Protocol):
    """Narrows gallery's asset list (``GET /api/v1/assets/``) by query parameters
    gallery does not read itself. ``queryset`` is the scoped, filtered asset QuerySet;
    an entry keeps its order and annotations (it filters it, never rebuilds it)."""

    @property
    def parameters(self) -> Sequence[Any]:
        """The OpenAPI parameters (drf-spectacular ``OpenApiParameter``) it reads."""
        ...

    def apply(
        self, queryset: QuerySet[Any], *, membership: Any, params: Mapping[str, Any]
    ) -> QuerySet[Any]: ...


# Filled by search (SearchConfig.ready(): its filters and ``q``); read by gallery's
# AssetListView, which applies every entry in registration order and lists their
# parameters in the OpenAPI schema.
asset_list_filters: Registry[AssetListFilter] = Registry(
    "asset_list_filters",
    "Extra filters on gallery's asset list, applied in registration order.",
)
