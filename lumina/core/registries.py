"""Named registries: how apps plug into each other without importing upward.

The core declares each registry here, with what an entry is; apps fill them in their
``AppConfig.ready()``; the app that consumes a registry iterates it. The core never knows
which apps exist. Registering the same entry twice is a no-op (``ready()`` may run more
than once in tests); a second, different entry under a taken key is a programming error
and raises at start-up rather than silently replacing the first.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.forms.models import model_to_dict

T = TypeVar("T")


class RegistryError(RuntimeError):
    """Two different entries claimed one key."""


class Registry(Generic[T]):
    """An ordered, keyed collection of plug-ins of one kind."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._entries: dict[str, T] = {}
        self._watchers: list[Callable[[str, T], None]] = []

    def register(self, key: str, entry: T) -> T:
        """Add ``entry`` under ``key`` (kept in registration order); returns the entry so
        this works as a decorator helper."""
        existing = self._entries.get(key)
        if existing is not None and existing is not entry and existing != entry:
            raise RegistryError(f"{self.name}: {key!r} is already registered")
        self._entries[key] = entry
        if existing is None:
            for watcher in self._watchers:
                watcher(key, entry)
        return entry

    def watch(self, watcher: Callable[[str, T], None]) -> None:
        """Call ``watcher(key, entry)`` for every entry, present and to come: how the
        consuming app, whose ``ready()`` may run before the contributors', takes them."""
        if watcher in self._watchers:
            return
        self._watchers.append(watcher)
        for key, entry in self.items():
            watcher(key, entry)

    def unregister(self, key: str) -> None:
        self._entries.pop(key, None)

    def get(self, key: str) -> T | None:
        return self._entries.get(key)

    def keys(self) -> list[str]:
        return list(self._entries)

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries.values()))

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {', '.join(self._entries) or 'empty'}>"


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
