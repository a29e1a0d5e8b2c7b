"""The browsable API works: every GET list and detail of the schema renders as HTML
for a signed-in user (Accept: text/html), with the ids of real objects filled in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from accounts import services as account_services
from accounts.models import Role
from tests.factories import UserFactory, add_member
from tests.images import jpeg

pytestmark = pytest.mark.django_db


# Values for the query parameters an operation requires.
REQUIRED = {"bbox": "-180,-90,180,90"}


def _get_paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for path, item in sorted(schema["paths"].items()):
        if "get" in item:
            needed = [
                p["name"]
                for p in item["get"].get("parameters", [])
                if p.get("required") and p["in"] == "query"
            ]
            paths.append(
                path + ("?" + "&".join(f"{n}={REQUIRED[n]}" for n in needed) if needed else "")
            )
    return paths


@pytest.fixture
def world(settings, tmp_path, api, user):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    membership = user.memberships.get()
    asset = api.post("/api/v1/assets/", {"file": _upload()}, format="multipart").json()
    album = api.post("/api/v1/albums/", {"title": "Trip"}, format="json").json()
    api.post(f"/api/v1/albums/{album['id']}/items/", {"asset_ids": [asset["id"]]}, format="json")
    link = api.post("/api/v1/share-links/", {"album": album["id"]}, format="json").json()
    colleague = UserFactory()
    add_member(membership.tenant, colleague, Role.EDITOR)
    token, _raw = account_services.api_token_create(user=user, tenant=membership.tenant, name="t")
    invitation = api.post(
        f"/api/v1/tenants/{membership.tenant_id}/invitations/",
        {"email": "new@example.com", "role": "viewer"},
        format="json",
    ).json()
    ids = {
        "asset_id": asset["id"],
        "album_id": album["id"],
        "link_id": link["id"],
        "tenant_id": membership.tenant_id,
        "user_id": colleague.pk,
        "token_id": token.pk,
        "invitation_id": invitation["id"],
    }
    return user, ids


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg")


def test_every_get_renders_in_the_browsable_api(world):
    user, ids = world
    browser = Client()
    browser.force_login(user)
    rendered = []
    for path in _get_paths():
        if path.endswith(("/original/", "/zip/")) or path.startswith("/api/v1/schema"):
            continue  # bytes (an image, a ZIP) and the schema itself: no HTML page
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
        response = browser.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        assert response["Content-Type"].startswith("text/html"), url
        assert b"Lumina Host" in response.content or b"Django REST framework" in response.content
        rendered.append(url)
    assert len(rendered) >= 25
    assert "/api/v1/" in rendered
