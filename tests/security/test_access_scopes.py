"""Token scopes contain asset data (pen-test finding M7): one table says which scopes
every API operation needs, every operation has a line in it, the docs show that very
table, and asset content (originals, renditions, items, ZIPs) needs ``assets:read``
whichever area it is reached through."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts import scopes, services
from albums import services as album_services
from albums.selectors import Actor
from tests import images
from tests.factories import upload

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def api_operations() -> list[tuple[str, str]]:
    """(url name, METHOD) of every API view the URLconf routes to."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                path = prefix + str(entry.pattern)
                view = getattr(entry.callback, "cls", None)
                if not path.startswith("api/v1/") or view is None:
                    continue
                if not issubclass(view, APIView):
                    continue
                for method in HTTP_METHODS:
                    if hasattr(view, method):
                        found.append((entry.name or path, method.upper()))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_api_operation_declares_its_scopes():
    operations = api_operations()
    assert len(operations) > 40
    undeclared = [
        (name, method)
        for name, method in operations
        if name not in scopes.PUBLIC and scopes.required(url_name=name, method=method) is None
    ]
    assert undeclared == []
    # and the table names nothing that does not exist
    real = set(operations)
    stale = [
        (name, method)
        for name, methods in scopes.OPERATIONS.items()
        for method in methods
        if (name, method) not in real
    ]
    assert stale == []


def test_the_docs_show_the_table_of_the_code():
    text = DOCS.read_text()
    found = re.search(
        r"<!-- scopes-table:start -->\n(.*?)\n<!-- scopes-table:end -->", text, re.DOTALL
    )
    assert found, "docs/security.md lacks the scope table markers"
    assert found.group(1).strip() == scopes.markdown_table().strip()


@pytest.fixture
def album_world(media):  # type: ignore[no-untyped-def]
    from tests.factories import Team

    team = Team()
    editor = team.membership("editor")
    album = team.album("Launch")
    public = upload(editor, seed=5, title="poster")
    private = upload(editor, seed=6, title="draft", visibility="private")
    album_services.album_items_add(actor=team.actor("editor"), album=album, assets=[public])

    def token(*granted: str) -> APIClient:
        _, raw = services.api_token_create(
            user=team.editor, tenant=team.tenant, name="t", scopes=list(granted)
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return {"team": team, "album": album, "public": public, "private": private, "token": token}


def test_album_scopes_alone_reach_no_asset_content(album_world):
    album, _public, private = album_world["album"], album_world["public"], album_world["private"]
    client = album_world["token"]("albums:read", "albums:write")
    handle = io.BytesIO(images.jpeg(seed=9))
    handle.name = "x.jpg"
    refused = [
        client.get(f"/api/v1/albums/{album.pk}/zip/"),
        client.get(f"/api/v1/albums/{album.pk}/items/"),
        client.get(f"/api/v1/albums/{album.pk}/"),
        client.get("/api/v1/albums/"),
        client.post(
            f"/api/v1/albums/{album.pk}/items/", {"asset_ids": [private.pk]}, format="json"
        ),
        client.post("/api/v1/share-links/", {"asset": private.pk}, format="json"),
        client.post("/api/v1/share-links/", {"album": album.pk}, format="json"),
        client.post(f"/api/v1/albums/{album.pk}/upload/", {"file": handle}, format="multipart"),
    ]
    for response in refused:
        assert response.status_code == 403, (response.request["PATH_INFO"], response.content)
        error = response.json()["error"]
        assert error["code"] == "insufficient_scope"
        assert "assets:" in " ".join(error["details"]["missing"])
    # what holds no image still works with album scopes alone
    assert client.get("/api/v1/albums/tree/").status_code == 200
    assert client.get("/api/v1/share-links/").status_code == 200
    created = client.post("/api/v1/albums/", {"title": "Empty"}, format="json")
    assert created.status_code == 201, created.content


def test_with_assets_read_the_same_token_works(album_world):
    album, public = album_world["album"], album_world["public"]
    client = album_world["token"]("albums:write", "assets:read")
    assert client.get(f"/api/v1/albums/{album.pk}/zip/").status_code == 200
    assert client.get(f"/api/v1/albums/{album.pk}/items/").status_code == 200
    link = client.post("/api/v1/share-links/", {"asset": public.pk}, format="json")
    assert link.status_code == 201, link.content
    # but an asset scope alone does not change albums
    reader = album_world["token"]("assets:read")
    added = reader.post(
        f"/api/v1/albums/{album.pk}/items/", {"asset_ids": [public.pk]}, format="json"
    )
    assert added.status_code == 403
    assert added.json()["error"]["details"]["missing"] == ["albums:write"]


def test_a_token_never_reaches_session_only_operations(album_world):
    client = album_world["token"](*scopes.SCOPES)
    team = album_world["team"]
    for response in (
        client.post("/api/v1/tenants/", {"name": "x"}, format="json"),
        client.post(f"/api/v1/tenants/{team.tenant.pk}/switch/"),
        client.post("/api/v1/invitations/accept/", {"token": "x"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "session_required"


def test_sessions_are_not_limited_by_scopes(album_world):
    team = album_world["team"]
    actor = Actor(user=team.editor, membership=team.membership("editor"))
    assert actor.is_member_of(team.tenant.pk)
    client = APIClient()
    client.force_authenticate(team.editor)
    client.post(f"/api/v1/tenants/{team.tenant.pk}/switch/")
    assert client.get(f"/api/v1/albums/{album_world['album'].pk}/zip/").status_code == 200
