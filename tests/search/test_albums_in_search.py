"""Album names are searched, the album filter takes sub-albums, and the index follows
album changes without a rebuild."""

from __future__ import annotations

import pytest
from django.test import TestCase

from albums import services as album_services
from albums.selectors import Actor
from tests.search.conftest import make_asset, titles

pytestmark = pytest.mark.django_db


def _actor(ws):  # type: ignore[no-untyped-def]
    return Actor(user=ws.user, membership=ws, shared=False)


def test_album_names_are_searchable_and_follow_renames_and_deletes(ws, client_in):
    inside = make_asset(ws, title="Photo one")
    make_asset(ws, title="Photo two")
    actor = _actor(ws)
    with TestCase.captureOnCommitCallbacks(execute=True):
        trip = album_services.album_create(actor=actor, title="Lombok holiday", parent=None)
        day = album_services.album_create(actor=actor, title="Beach day", parent=trip)
        album_services.album_items_add(actor=actor, album=day, assets=[inside])
    client = client_in(ws)
    assert titles(client.get("/api/v1/search/", {"q": "lombok"}).json()) == ["Photo one"]
    assert titles(client.get("/api/v1/search/", {"q": "beach"}).json()) == ["Photo one"]
    # the album filter takes the sub-albums too
    assert titles(client.get("/api/v1/search/", {"album": trip.pk}).json()) == ["Photo one"]
    suggestions = client.get("/api/v1/search/suggest/", {"q": "lom"}).json()
    assert [a["title"] for a in suggestions["albums"]] == ["Lombok holiday"]

    with TestCase.captureOnCommitCallbacks(execute=True):
        album_services.album_update(actor=actor, album=trip, data={"title": "Bali holiday"})
    assert titles(client.get("/api/v1/search/", {"q": "lombok"}).json()) == []
    assert titles(client.get("/api/v1/search/", {"q": "bali"}).json()) == ["Photo one"]

    with TestCase.captureOnCommitCallbacks(execute=True):
        album_services.album_delete(actor=actor, album=day)
    assert titles(client.get("/api/v1/search/", {"q": "beach"}).json()) == []
