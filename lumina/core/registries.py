"""Named registries: how apps plug into each other without importing upward.

The core declares each registry here, with what an entry is; apps fill them in their
``AppConfig.ready()``; the app that consumes a registry iterates it. The core never knows
which apps exist. Registering the same entry twice is a no-op (``ready()`` may run more
than once in tests); a second, different entry under a taken key is a programming error
and raises at start-up rather than silently replacing the first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

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
