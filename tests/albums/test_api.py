"""The albums API: CRUD, tree, items, roles, tenant scoping, shares with people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services as account_services
from albums import services
from albums.models import Album, AlbumItem, AlbumShare
from albums.services import Placement

from .conftest import login, set_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(api_for):
    """An API client acting in ``tenant`` (its current workspace) as ``user``."""

    def make(user, tenant):
        return login(api_for(user), user, tenant)

    return make


@pytest.fixture
def viewer_api(team, client_for):
    return client_for(team.viewer, team.tenant)


def test_create_get_update_and_delete(editor_api, team):
    created = editor_api.post(
        "/api/v1/albums/", {"title": "  Summer   2024 ", "description": "Hot"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["title"] == "Summer 2024"
    assert body["parent"] is None
    assert body["sort_mode"] == "manual"
    assert body["access"] == "editor"
    assert body["stats"]["item_count"] == 0
    assert body["breadcrumbs"] == [{"id": body["id"], "title": "Summer 2024"}]

    child = editor_api.post(
        "/api/v1/albums/", {"title": "Beach", "parent": body["id"]}, format="json"
    ).json()
    assert child["parent"] == body["id"]
    assert [c["title"] for c in child["breadcrumbs"]] == ["Summer 2024", "Beach"]

    changed = editor_api.patch(
        f"/api/v1/albums/{body['id']}/",
        {"title": "Summer", "sort_mode": "taken", "sort_direction": "desc"},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["title"] == "Summer"
    assert changed.json()["sort_mode"] == "taken"

    listed = editor_api.get(f"/api/v1/albums/?parent={body['id']}").json()
    assert [a["id"] for a in listed["results"]] == [child["id"]]
    roots = editor_api.get("/api/v1/albums/?root=1").json()
    assert [a["id"] for a in roots["results"]] == [body["id"]]

    gone = editor_api.delete(f"/api/v1/albums/{body['id']}/?children=delete")
    assert gone.status_code == 204
    assert not Album.objects.filter(pk__in=[body["id"], child["id"]]).exists()


def test_validation_errors_use_the_envelope(editor_api):
    response = editor_api.post("/api/v1/albums/", {"title": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    response = editor_api.post(
        "/api/v1/albums/", {"title": "X", "sort_mode": "dice"}, format="json"
    )
    assert response.status_code == 400


def test_moving_an_album_into_its_descendant_answers_album_cycle(editor_api, team):
    top = team.album("Top")
    middle = team.album("Middle", parent=top)
    bottom = team.album("Bottom", parent=middle)
    response = editor_api.patch(f"/api/v1/albums/{top.pk}/", {"parent": bottom.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "album_cycle"
    response = editor_api.patch(f"/api/v1/albums/{top.pk}/", {"parent": top.pk}, format="json")
    assert response.json()["error"]["code"] == "album_cycle"
    moved = editor_api.patch(f"/api/v1/albums/{bottom.pk}/", {"parent": None}, format="json")
    assert moved.status_code == 200
    assert moved.json()["parent"] is None


def test_tree(editor_api, team):
    trip = team.album("Trip")
    team.album("Day 2", parent=trip)
    team.album("Day 1", parent=trip)
    team.album("Archive")
    tree = editor_api.get("/api/v1/albums/tree/").json()
    assert [n["title"] for n in tree] == ["Archive", "Trip"]
    assert [n["title"] for n in tree[1]["children"]] == ["Day 1", "Day 2"]


def test_items_list_in_order_with_cursor_pages_and_bounded_queries(
    editor_api, team, photo, django_assert_max_num_queries
):
    album = team.album("Pages")
    assets = [photo() for _ in range(7)]
    services.album_items_add(actor=team.actor(), album=album, assets=assets)
    seen = []
    url = f"/api/v1/albums/{album.pk}/items/?page_size=3"
    pages = 0
    while url:
        with django_assert_max_num_queries(14):
            page = editor_api.get(url).json()
        seen += [item["asset"]["id"] for item in page["results"]]
        url = page["next"]
        pages += 1
    assert seen == [a.pk for a in assets]
    assert pages == 3
    first = editor_api.get(f"/api/v1/albums/{album.pk}/items/?page_size=3").json()
    item = first["results"][0]
    assert item["asset"]["urls"]["thumbnail"].startswith("/r/")
    assert item["position"]
    second = editor_api.get(first["next"]).json()
    back = editor_api.get(second["previous"]).json()
    assert [i["asset"]["id"] for i in back["results"]] == [a.pk for a in assets[:3]]
    # descending pages too
    editor_api.patch(f"/api/v1/albums/{album.pk}/", {"sort_direction": "desc"}, format="json")
    seen, url = [], f"/api/v1/albums/{album.pk}/items/?page_size=2"
    while url:
        page = editor_api.get(url).json()
        seen += [item["asset"]["id"] for item in page["results"]]
        url = page["next"]
    assert seen == [a.pk for a in reversed(assets)]
    assert editor_api.get(f"/api/v1/albums/{album.pk}/items/?cursor=bogus").status_code == 400


def test_list_of_many_albums_takes_a_bounded_number_of_queries(
    editor_api, team, photo, django_assert_max_num_queries
):
    assets = [photo() for _ in range(2)]
    for n in range(15):
        album = team.album(f"Album {n:02}", sort_mode=["manual", "taken", "title"][n % 3])
        services.album_items_add(actor=team.actor(), album=album, assets=assets)
    with django_assert_max_num_queries(12):
        response = editor_api.get("/api/v1/albums/")
    results = response.json()["results"]
    assert len(results) == 15
    assert all(r["cover"]["thumbnail"].startswith("/r/") for r in results)
    assert all(r["stats"]["item_count"] == 2 for r in results)


def test_add_remove_and_reorder_items(editor_api, team, photo):
    album = team.album("Work")
    a, b, c = photo(), photo(), photo()
    added = editor_api.post(
        f"/api/v1/albums/{album.pk}/items/", {"asset_ids": [a.pk, b.pk, c.pk]}, format="json"
    )
    assert added.json() == {"added": [a.pk, b.pk, c.pk], "already": []}
    again = editor_api.post(
        f"/api/v1/albums/{album.pk}/items/", {"asset_ids": [a.pk]}, format="json"
    ).json()
    assert again == {"added": [], "already": [a.pk]}

    moved = editor_api.post(
        f"/api/v1/albums/{album.pk}/items/reorder/",
        {"asset_ids": [c.pk], "before": a.pk},
        format="json",
    )
    assert moved.status_code == 204
    items = editor_api.get(f"/api/v1/albums/{album.pk}/items/").json()["results"]
    assert [i["asset"]["id"] for i in items] == [c.pk, a.pk, b.pk]

    removed = editor_api.post(
        f"/api/v1/albums/{album.pk}/items/remove/", {"asset_ids": [a.pk]}, format="json"
    )
    assert removed.json() == {"count": 1}
    assert (
        list(AlbumItem.objects.filter(album=album).values_list("asset_id", flat=True)).count(a.pk)
        == 0
    )
    missing = editor_api.post(
        f"/api/v1/albums/{album.pk}/items/reorder/",
        {"asset_ids": [a.pk], "to": "start"},
        format="json",
    )
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "not_in_album"
    both = editor_api.post(
        f"/api/v1/albums/{album.pk}/items/reorder/",
        {"asset_ids": [b.pk], "after": c.pk, "before": c.pk},
        format="json",
    )
    assert both.status_code == 400


def test_viewers_read_but_do_not_write(viewer_api, team, photo):
    album = team.album("Read only")
    asset = photo()
    services.album_items_add(actor=team.actor(), album=album, assets=[asset])
    assert viewer_api.get(f"/api/v1/albums/{album.pk}/").json()["access"] == "viewer"
    assert viewer_api.get(f"/api/v1/albums/{album.pk}/items/").status_code == 200
    refused = [
        viewer_api.post("/api/v1/albums/", {"title": "Mine"}, format="json"),
        viewer_api.patch(f"/api/v1/albums/{album.pk}/", {"title": "X"}, format="json"),
        viewer_api.delete(f"/api/v1/albums/{album.pk}/"),
        viewer_api.post(
            f"/api/v1/albums/{album.pk}/items/", {"asset_ids": [asset.pk]}, format="json"
        ),
        viewer_api.post(
            f"/api/v1/albums/{album.pk}/items/remove/", {"asset_ids": [asset.pk]}, format="json"
        ),
        viewer_api.post(
            f"/api/v1/albums/{album.pk}/items/reorder/", {"asset_ids": [asset.pk]}, format="json"
        ),
        viewer_api.post("/api/v1/share-links/", {"album": album.pk}, format="json"),
        viewer_api.get("/api/v1/share-links/"),
        viewer_api.post(
            f"/api/v1/albums/{album.pk}/shares/", {"email": "x@example.com"}, format="json"
        ),
    ]
    for response in refused:
        assert response.status_code == 403, response.json()
        assert response.json()["error"]["code"] in ("role_forbidden", "album_forbidden")
    assert Album.objects.get(pk=album.pk).title == "Read only"


def test_another_workspaces_ids_are_not_found(team, other_team, client_for, photo):
    album = team.album("Ours")
    asset = photo()
    services.album_items_add(actor=team.actor(), album=album, assets=[asset])
    stranger = client_for(other_team.owner, other_team.tenant)
    theirs = other_team.album("Theirs")
    for response in (
        stranger.get(f"/api/v1/albums/{album.pk}/"),
        stranger.get(f"/api/v1/albums/{album.pk}/items/"),
        stranger.get(f"/api/v1/albums/{album.pk}/zip/"),
        stranger.patch(f"/api/v1/albums/{album.pk}/", {"title": "Mine"}, format="json"),
        stranger.delete(f"/api/v1/albums/{album.pk}/"),
        stranger.post(
            f"/api/v1/albums/{album.pk}/items/", {"asset_ids": [asset.pk]}, format="json"
        ),
        stranger.post("/api/v1/share-links/", {"album": album.pk}, format="json"),
        stranger.post("/api/v1/share-links/", {"asset": asset.pk}, format="json"),
        # our asset into their album, their album under ours
        stranger.post(
            f"/api/v1/albums/{theirs.pk}/items/", {"asset_ids": [asset.pk]}, format="json"
        ),
        stranger.patch(f"/api/v1/albums/{theirs.pk}/", {"parent": album.pk}, format="json"),
        stranger.post("/api/v1/exports/zip/", {"asset_ids": [asset.pk]}, format="json"),
    ):
        assert response.status_code == 404, response.content[:300]
        assert response.json()["error"]["code"] == "not_found"
    assert stranger.get("/api/v1/albums/").json()["results"][0]["id"] == theirs.pk
    assert Album.objects.get(pk=album.pk).title == "Ours"
    assert not AlbumItem.objects.filter(album=theirs).exists()


def test_private_assets_of_others_stay_hidden_in_albums(editor_api, team, photo):
    album = team.album("Mixed")
    mine = photo()
    owners_private = photo(team.membership("owner"), visibility="private")
    services.album_items_add(actor=team.actor("owner"), album=album, assets=[mine, owners_private])
    items = editor_api.get(f"/api/v1/albums/{album.pk}/items/").json()["results"]
    assert [i["asset"]["id"] for i in items] == [mine.pk]
    refused = editor_api.post(
        f"/api/v1/albums/{album.pk}/items/", {"asset_ids": [owners_private.pk]}, format="json"
    )
    assert refused.status_code == 404


def test_trashed_assets_leave_album_lists(editor_api, team, photo):
    album = team.album("Trash")
    kept, trashed = photo(), photo()
    services.album_items_add(actor=team.actor(), album=album, assets=[kept, trashed])
    set_fields(trashed, deleted_at=timezone.now())
    items = editor_api.get(f"/api/v1/albums/{album.pk}/items/").json()["results"]
    assert [i["asset"]["id"] for i in items] == [kept.pk]
    assert editor_api.get(f"/api/v1/albums/{album.pk}/").json()["stats"]["item_count"] == 1


# --- sharing with people ----------------------------------------------------------------


def test_a_viewer_made_contributor_of_one_album_may_add_to_it_only(
    team, editor_api, viewer_api, photo
):
    shared, other = team.album("Shared"), team.album("Other")
    child = team.album("Child", parent=shared)
    viewers_asset = photo()
    response = editor_api.post(
        f"/api/v1/albums/{shared.pk}/shares/",
        {"user": team.viewer.pk, "role": "contributor"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["role"] == "contributor"
    assert viewer_api.get(f"/api/v1/albums/{child.pk}/").json()["access"] == "contributor"
    for album in (shared, child):
        ok = viewer_api.post(
            f"/api/v1/albums/{album.pk}/items/", {"asset_ids": [viewers_asset.pk]}, format="json"
        )
        assert ok.status_code == 200
    refused = viewer_api.post(
        f"/api/v1/albums/{other.pk}/items/", {"asset_ids": [viewers_asset.pk]}, format="json"
    )
    assert refused.status_code == 403
    # contributors remove only what they added, and do not reorder or rename
    editors_asset = photo()
    services.album_items_add(actor=team.actor(), album=shared, assets=[editors_asset])
    assert (
        viewer_api.post(
            f"/api/v1/albums/{shared.pk}/items/remove/",
            {"asset_ids": [editors_asset.pk]},
            format="json",
        ).status_code
        == 403
    )
    assert viewer_api.post(
        f"/api/v1/albums/{shared.pk}/items/remove/",
        {"asset_ids": [viewers_asset.pk]},
        format="json",
    ).json() == {"count": 1}
    assert (
        viewer_api.patch(f"/api/v1/albums/{shared.pk}/", {"title": "X"}, format="json").status_code
        == 403
    )


def test_sharing_by_email_with_someone_outside_the_workspace(
    team, editor_api, client_for, photo, clock
):
    album = team.album("For grandma")
    child = team.album("Birthday", parent=album)
    asset = photo()
    services.album_items_add(actor=team.actor(), album=album, assets=[asset])
    outsider = team.outsider
    response = editor_api.post(
        f"/api/v1/albums/{album.pk}/shares/",
        {"email": outsider.email.upper(), "ends_at": (clock.now + timedelta(days=2)).isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["user"]["id"] == outsider.pk
    assert len(mail.outbox) == 1
    assert "For grandma" in mail.outbox[0].subject
    assert f"/albums/{album.pk}/" in mail.outbox[0].body

    # the outsider works in their own workspace; the album is shared with them
    theirs = client_for(outsider, outsider.memberships.get().tenant)
    listed = theirs.get("/api/v1/albums/?shared=1").json()["results"]
    assert [a["id"] for a in listed] == [album.pk]
    assert listed[0]["access"] == "viewer"
    detail = theirs.get(f"/api/v1/albums/{child.pk}/").json()
    assert detail["access"] == "viewer"
    assert [c["title"] for c in detail["breadcrumbs"]] == ["For grandma", "Birthday"]
    items = theirs.get(f"/api/v1/albums/{album.pk}/items/").json()["results"]
    assert [i["asset"]["id"] for i in items] == [asset.pk]
    children = theirs.get(f"/api/v1/albums/?parent={album.pk}").json()["results"]
    assert [c["id"] for c in children] == [child.pk]
    assert (
        theirs.post(
            f"/api/v1/albums/{album.pk}/items/remove/", {"asset_ids": [asset.pk]}, format="json"
        ).status_code
        == 403
    )
    # the workspace's own album list does not show it; and access ends by itself
    assert theirs.get("/api/v1/albums/").json()["results"] == []
    clock.advance(days=3)
    assert theirs.get(f"/api/v1/albums/{album.pk}/").status_code == 404
    assert theirs.get("/api/v1/albums/?shared=1").json()["results"] == []


def test_sharing_with_an_address_that_has_no_account_yet(team, editor_api, client_for):
    album = team.album("Later")
    response = editor_api.post(
        f"/api/v1/albums/{album.pk}/shares/",
        {"email": "newcomer@example.com", "role": "contributor"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["user"] is None
    newcomer = account_services.user_create(email="NewComer@example.com", password=None)
    account_services.tenant_create_personal(user=newcomer)
    theirs = client_for(newcomer, newcomer.memberships.get().tenant)
    assert theirs.get(f"/api/v1/albums/{album.pk}/").json()["access"] == "contributor"
    # an unverified address does not count
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=newcomer).update(verified=False)
    assert theirs.get(f"/api/v1/albums/{album.pk}/").status_code == 404


def test_external_contributors_upload_into_the_album(team, editor_api, client_for):
    import io

    from tests import images

    album = team.album("Drop box")
    editor_api.post(
        f"/api/v1/albums/{album.pk}/shares/",
        {"email": team.outsider.email, "role": "contributor"},
        format="json",
    )
    theirs = client_for(team.outsider, team.outsider.memberships.get().tenant)
    handle = io.BytesIO(images.jpeg(80, 60, seed=77))
    handle.name = "from-outside.jpg"
    response = theirs.post(
        f"/api/v1/albums/{album.pk}/upload/", {"file": handle}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    asset_id = response.json()["id"]
    item = AlbumItem.objects.get(album=album, asset_id=asset_id)
    assert item.asset.tenant_id == team.tenant.pk
    assert item.asset.owner_id == team.outsider.pk
    assert item.added_by_id == team.outsider.pk
    # viewers by share cannot upload
    AlbumShare.objects.filter(album=album).update(role="viewer")
    handle = io.BytesIO(images.jpeg(80, 60, seed=78))
    handle.name = "again.jpg"
    refused = theirs.post(
        f"/api/v1/albums/{album.pk}/upload/", {"file": handle}, format="multipart"
    )
    assert refused.status_code == 403


def test_shares_are_listed_changed_and_removed(team, editor_api):
    album = team.album("Shares")
    made = editor_api.post(
        f"/api/v1/albums/{album.pk}/shares/", {"email": "a@example.org"}, format="json"
    ).json()
    listed = editor_api.get(f"/api/v1/albums/{album.pk}/shares/").json()
    assert [s["email"] for s in listed] == ["a@example.org"]
    changed = editor_api.patch(
        f"/api/v1/albums/{album.pk}/shares/{made['id']}/", {"role": "contributor"}, format="json"
    )
    assert changed.json()["role"] == "contributor"
    assert editor_api.delete(f"/api/v1/albums/{album.pk}/shares/{made['id']}/").status_code == 204
    assert not AlbumShare.objects.exists()
    # sharing with yourself is refused
    mine = editor_api.post(
        f"/api/v1/albums/{album.pk}/shares/", {"email": team.editor.email}, format="json"
    )
    assert mine.status_code == 400


def test_workspace_bound_tokens_do_not_reach_albums_shared_from_elsewhere(team, editor_api):
    from rest_framework.test import APIClient

    from accounts.models import ApiToken, hash_token

    album = team.album("Shared")
    editor_api.post(
        f"/api/v1/albums/{album.pk}/shares/", {"email": team.outsider.email}, format="json"
    )
    raw = "lum_test-token-for-the-outsider-0123456789"
    ApiToken.objects.create(
        user=team.outsider,
        tenant=team.outsider.memberships.get().tenant,
        name="cli",
        token_hash=hash_token(raw),
        public_prefix=raw[:12],
        scopes=["albums:read", "albums:write", "assets:read", "assets:write"],
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/albums/").status_code == 200
    assert client.get(f"/api/v1/albums/{album.pk}/").status_code == 404
    assert client.get("/api/v1/albums/?shared=1").json()["results"] == []


def test_album_reorder_placement_defaults(team, photo):
    album = team.album("Defaults")
    a, b = photo(), photo()
    services.album_items_add(actor=team.actor(), album=album, assets=[a])
    services.album_items_add(
        actor=team.actor(), album=album, assets=[b], place=Placement(to="start")
    )
    assert list(
        AlbumItem.objects.filter(album=album)
        .order_by("position")
        .values_list("asset_id", flat=True)
    ) == [b.pk, a.pk]
