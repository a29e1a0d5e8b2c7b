"""What someone outside a workspace reaches through an album shared with them
(pen-test finding H1 and the "outsider view" decision): only what the share grants.

A contributor adds only assets they already see through the share (items of the shared
albums) or their own uploads; anything else is missing (404), like an id that does not
exist. An outsider never learns ids above the shared album, nor members' e-mails. The
IP lists of the album's workspace apply to them too (M1)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.ipfilter import refresh_tenants_with_rules
from albums import selectors, services
from albums.models import AlbumItem
from albums.selectors import Actor
from gallery.models import Asset
from lumina.core.errors import NotFound
from tests import images
from tests.albums.conftest import read_zip
from tests.factories import Team, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(media):  # type: ignore[no-untyped-def]
    """A team with a top album, under it a shared album (contributor, for the outsider)
    with a sub-album, an album that is not shared, and assets in each."""
    team = Team()
    editor = team.membership("editor")
    top = team.album("Clients")
    shared = team.album("Wedding", parent=top)
    child = team.album("Ceremony", parent=shared)
    hidden = team.album("Board meeting")
    in_shared = upload(editor, seed=1, title="first dance")
    in_child = upload(editor, seed=2, title="rings")
    secret = upload(editor, seed=3, title="salaries")  # in no shared album
    in_hidden = upload(editor, seed=4, title="minutes")
    actor = team.actor("editor")
    services.album_items_add(actor=actor, album=shared, assets=[in_shared])
    services.album_items_add(actor=actor, album=child, assets=[in_child])
    services.album_items_add(actor=actor, album=hidden, assets=[in_hidden])
    services.album_share_create(actor=actor, album=shared, user=team.outsider, role="contributor")
    client = APIClient()
    client.force_authenticate(team.outsider)
    return {
        "team": team,
        "top": top,
        "shared": shared,
        "child": child,
        "hidden": hidden,
        "in_shared": in_shared,
        "in_child": in_child,
        "secret": secret,
        "in_hidden": in_hidden,
        "client": client,
    }


def add(client: APIClient, album_id: int, *ids: int):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/albums/{album_id}/items/", {"asset_ids": list(ids)}, format="json")


def test_a_contributor_cannot_add_workspace_assets_they_were_never_shown(world):
    client, shared = world["client"], world["shared"]
    missing = add(client, shared.pk, 99_999_999)
    assert missing.status_code == 404
    for asset in (world["secret"], world["in_hidden"]):
        response = add(client, shared.pk, asset.pk)
        assert response.status_code == 404, response.content
        body, model = response.json()["error"], missing.json()["error"]
        assert (body["code"], body["message"]) == (model["code"], model["message"])
        assert body["details"] == {"missing": [asset.pk]}
    assert not AlbumItem.objects.filter(
        album=shared, asset__in=[world["secret"], world["in_hidden"]]
    ).exists()
    # and nothing of them comes out of the album's ZIP
    names = read_zip(client.get(f"/api/v1/albums/{shared.pk}/zip/")).namelist()
    assert len([n for n in names if not n.endswith("/")]) == 2  # first dance, rings


def test_a_contributor_may_add_what_the_share_shows_and_their_own_uploads(world):
    client, shared, child = world["client"], world["shared"], world["child"]
    # an item of the shared album into its sub-album, and back
    assert add(client, child.pk, world["in_shared"].pk).status_code == 200
    assert add(client, shared.pk, world["in_child"].pk).status_code == 200
    # their own upload (through the album) into another album of the share
    handle = io.BytesIO(images.jpeg(seed=77))
    handle.name = "mine.jpg"
    uploaded = client.post(
        f"/api/v1/albums/{child.pk}/upload/", {"file": handle}, format="multipart"
    )
    assert uploaded.status_code == 201, uploaded.content
    mine = uploaded.json()["id"]
    AlbumItem.objects.filter(album=child, asset_id=mine).delete()
    assert add(client, child.pk, mine).status_code == 200


def test_the_service_refuses_too(world):
    """The rule lives in the selectors the service checks with, not only in the views."""
    team = world["team"]
    outsider = Actor(user=team.outsider, membership=None)
    with pytest.raises(NotFound):
        services.album_items_add(actor=outsider, album=world["shared"], assets=[world["secret"]])


def test_the_picker_shows_a_contributor_only_what_the_share_shows(world):
    team = world["team"]
    outsider = Actor(user=team.outsider, membership=None)
    picked = set(
        selectors.picker_assets(actor=outsider, album=world["child"]).values_list("pk", flat=True)
    )
    assert picked == {world["in_shared"].pk}
    browser = Client()
    browser.force_login(team.outsider)
    page = browser.get(f"/albums/{world['child'].pk}/pick/")
    assert page.status_code == 200
    assert b"salaries" not in page.content
    assert b"minutes" not in page.content


def test_a_member_viewer_with_a_contributor_share_adds_what_the_workspace_shows(world):
    team = world["team"]
    services.album_share_create(
        actor=team.actor("editor"), album=world["shared"], user=team.viewer, role="contributor"
    )
    viewer = Actor(user=team.viewer, membership=team.membership("viewer"))
    found = selectors.addable_assets(actor=viewer, album=world["shared"], ids=[world["secret"].pk])
    assert [a.pk for a in found] == [world["secret"].pk]


# --- what an outsider sees -------------------------------------------------------------------


def test_an_outsider_sees_no_ids_above_the_share_and_no_members_addresses(world):
    client, shared, child, team = world["client"], world["shared"], world["child"], world["team"]
    detail = client.get(f"/api/v1/albums/{shared.pk}/").json()
    assert detail["parent"] is None  # "Clients" lies above the share
    assert [b["id"] for b in detail["breadcrumbs"]] == [shared.pk]
    assert detail["created_by"] is None
    assert detail["workspace"] is None
    inner = client.get(f"/api/v1/albums/{child.pk}/").json()
    assert inner["parent"] == shared.pk  # inside the share: fine
    listed = client.get("/api/v1/albums/?shared=1").json()["results"]
    assert [(a["id"], a["parent"], a["created_by"]) for a in listed] == [(shared.pk, None, None)]
    items = client.get(f"/api/v1/albums/{shared.pk}/items/").json()["results"]
    assert items
    assert all(i["added_by"] is None for i in items)
    assert all(i["asset"]["owner"] is None for i in items)
    text = str(detail) + str(inner) + str(listed) + str(items)
    for person in (team.owner, team.editor, team.viewer):
        assert person.email not in text
    # members still see all of it
    member = APIClient()
    member.force_authenticate(team.editor)
    assert member.post(f"/api/v1/tenants/{team.tenant.pk}/switch/").status_code == 200
    full = member.get(f"/api/v1/albums/{shared.pk}/").json()
    assert full["parent"] == world["top"].pk
    assert full["created_by"] == team.editor.email


def test_an_outsiders_own_additions_name_them(world):
    client, shared = world["client"], world["shared"]
    handle = io.BytesIO(images.jpeg(seed=78))
    handle.name = "mine.jpg"
    mine = client.post(
        f"/api/v1/albums/{shared.pk}/upload/", {"file": handle}, format="multipart"
    ).json()["id"]
    items = client.get(f"/api/v1/albums/{shared.pk}/items/").json()["results"]
    own = [i for i in items if i["asset"]["id"] == mine]
    assert own[0]["added_by"] == world["team"].outsider.email
    assert own[0]["asset"]["owner"] == world["team"].outsider.email


def test_the_albums_workspace_allowlist_applies_to_outsiders(world):
    team, shared = world["team"], world["shared"]
    team.tenant.settings = {"ip_allowlist": ["10.0.0.0/8"]}
    team.tenant.save(update_fields=["settings"])
    refresh_tenants_with_rules()
    client = world["client"]
    for response in (
        client.get(f"/api/v1/albums/{shared.pk}/"),
        client.get(f"/api/v1/albums/{shared.pk}/items/"),
        client.get(f"/api/v1/albums/{shared.pk}/zip/"),
    ):
        assert response.status_code == 403, response
        assert response.json()["error"]["code"] == "ip_not_allowed"
    assert client.get(f"/api/v1/albums/{shared.pk}/", REMOTE_ADDR="10.0.0.7").status_code == 200
    browser = Client()
    browser.force_login(team.outsider)
    assert browser.get(f"/albums/{shared.pk}/").status_code == 403
    assert Asset.objects.count() == 4
