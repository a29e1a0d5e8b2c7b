"""What goes into a ZIP: an album with its sub-albums as folders, or a selection."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from gallery.models import Asset

from . import selectors, zipstream
from .models import Album


def album_members(album: Album, *, visible: Q, strip: bool) -> Iterator[zipstream.Member]:
    """The album as a folder named after it; each sub-album a folder inside its parent
    (empty ones too); images in the album's order, names made unique per folder.
    ``visible`` filters items (on ``asset__``). Lazy: the tree is read when the first
    bytes are asked for, each album's items as its turn comes."""
    _by_id, children = selectors.subtree(album)
    names = zipstream.Names()
    root = names.claim("", zipstream.folder_name(album.title, f"Album {album.pk}"))
    stack: list[tuple[Album, str]] = [(album, root)]
    while stack:
        current, folder = stack.pop()
        yield zipstream.Member(name=f"{folder}/", when=current.created_at)
        for asset in selectors.zip_items(current, visible):
            yield zipstream.asset_member(
                asset, names.claim(folder, zipstream.file_name(asset)), strip=strip
            )
        subfolders = [
            (child, names.claim(folder, zipstream.folder_name(child.title, f"Album {child.pk}")))
            for child in children.get(current.pk, [])
        ]
        stack.extend(reversed(subfolders))


def selection_members(assets: Sequence[Asset], *, strip: bool) -> Iterator[zipstream.Member]:
    names = zipstream.Names()
    for asset in assets:
        yield zipstream.asset_member(
            asset, names.claim("", zipstream.file_name(asset)), strip=strip
        )


def zip_response(members: Iterator[zipstream.Member], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(zipstream.stream(members), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass bytes on as they come
    return response


def archive_name(title: str) -> str:
    return f"{zipstream.folder_name(title, 'album')}.zip"
