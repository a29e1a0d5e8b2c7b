"""Storage keys and file access. Keys come from the workspace and the content hash,
never from the client's filename, so the same bytes always land at the same key."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage

EXTENSIONS = {
    "jpeg": "jpg",
    "png": "png",
    "gif": "gif",
    "webp": "webp",
    "avif": "avif",
    "heif": "heic",
    "tiff": "tif",
    "bmp": "bmp",
}


def storage() -> Storage:
    return default_storage


def original_key(*, tenant_id: int, sha256: str, fmt: str) -> str:
    return f"t/{tenant_id}/originals/{sha256[:2]}/{sha256}.{EXTENSIONS.get(fmt, 'bin')}"


def rendition_key(*, tenant_id: int, sha256: str, spec: str, fmt: str) -> str:
    return f"t/{tenant_id}/renditions/{sha256[:2]}/{sha256}/{spec}.{EXTENSIONS.get(fmt, fmt)}"


def save(key: str, content: File[Any] | bytes) -> str:
    """Write ``content`` at exactly ``key`` (replacing what is there: same key, same bytes)."""
    store = storage()
    if isinstance(content, bytes):
        content = ContentFile(content)
    if store.exists(key):
        store.delete(key)
    saved = store.save(key, content)
    if saved != key:  # a storage that renames would break content addressing
        raise RuntimeError(f"storage stored {key!r} as {saved!r}")
    return saved


def delete(key: str) -> None:
    if key and storage().exists(key):
        storage().delete(key)


def delete_prefix(prefix: str) -> int:
    """Delete every file under ``prefix`` (a workspace's folder). Returns the count."""
    store = storage()
    count = 0

    def walk(path: str) -> None:
        nonlocal count
        try:
            folders, files = store.listdir(path)
        except FileNotFoundError:
            return
        for name in files:
            store.delete(f"{path}/{name}")
            count += 1
        for folder in folders:
            walk(f"{path}/{folder}")

    walk(prefix.rstrip("/"))
    return count


def tenant_prefix(tenant_id: int) -> str:
    return f"t/{tenant_id}/"
