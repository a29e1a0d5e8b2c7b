"""The registries apps fill in ``AppConfig.ready()`` to plug into each other (the
generic ``Registry`` is in ``registries``). One block per registry: what an entry is, the
registry, who fills it, who reads it."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.forms.models import model_to_dict

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


# --- data exporters (GDPR) ------------------------------------------------------------


@dataclass
class ExportArchive:
    """The ZIP of one user's data export, as exporters see it: who it is for, the
    workspaces they belong to now, and typed writers."""

    zf: zipfile.ZipFile
    user_id: int
    # Of a workspace the user left, only their own account data and the metadata of
    # their own uploads are exported (it may hold colleagues' data they no longer see).
    workspace_ids: frozenset[int] = field(default_factory=frozenset)

    def write_json(self, name: str, data: Any) -> None:
        self.zf.writestr(
            name, json.dumps(data, indent=2, cls=DjangoJSONEncoder, ensure_ascii=False)
        )

    def copy_file(self, name: str, storage_key: str) -> bool:
        """Stream a stored file into the archive; False when it cannot be read."""
        try:
            with (
                default_storage.open(storage_key, "rb") as fh,
                self.zf.open(name, "w", force_zip64=True) as out,
            ):
                while chunk := fh.read(1024 * 1024):
                    out.write(chunk)
        except OSError:
            return False
        return True


def model_row(instance: Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A model instance as an export row (dates as ISO text)."""
    data = model_to_dict(instance, exclude=list(exclude))
    for model_field in instance._meta.concrete_fields:
        if model_field.name in exclude:
            continue
        value = getattr(instance, model_field.attname)
        if hasattr(value, "isoformat"):
            data[model_field.name] = value.isoformat()
    data["id"] = instance.pk
    return data


def safe_filename(name: str) -> str:
    """The last part of ``name`` with only safe characters (for names inside a ZIP)."""
    keep = "".join(c if c.isalnum() or c in "._-" else "_" for c in name.rsplit("/", 1)[-1])
    return keep[:100] or "file"


class DataExporter(Protocol):
    """Writes what one app holds about a user into their export."""

    def __call__(self, archive: ExportArchive) -> None: ...


data_exporters: Registry[DataExporter] = Registry(
    "data_exporters",
    "Sections of a user's data export (GDPR), keyed by app label; accounts runs them in "
    "registration order (accounts first, then the apps in INSTALLED_APPS order).",
)


# --- audited models -------------------------------------------------------------------


@dataclass(frozen=True)
class AuditedModel:
    """A model whose field changes django-auditlog records (accounts registers it)."""

    model: type[Model]
    include_fields: tuple[str, ...] = ()
    exclude_fields: tuple[str, ...] = ()


audited_models: Registry[AuditedModel] = Registry(
    "audited_models",
    "Models with a field-level audit history, keyed by model label ('gallery.Asset').",
)


@dataclass(frozen=True)
class AuditLabel:
    """How audit entries name an object of a model, captured when the entry is made."""

    # The object's name at the time (duck-typed: the core knows no model).
    label: Callable[[Any], str]
    # People are named as they are in audit sentences; things are quoted.
    person: bool = False


audit_labels: Registry[AuditLabel] = Registry(
    "audit_labels",
    "Names of objects in audit entries, keyed by lower-case model label ('gallery.asset'); "
    "a model without one is named by str().",
)
