"""The album pages (server-rendered) and their forms."""

from __future__ import annotations

import pytest
from django.core import mail

from albums import services
from albums.models import Album, AlbumItem, AlbumShare, ShareLink
from albums.sharing import services as sharing_services

from .conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_web(team, browser):
    return login(browser, team.editor, team.tenant)


def test_index_shows_the_tree_and_the_images_to_file(editor_web, team, photo):
    trip = team.album("Trip")
    team.album("Day 1", parent=trip)
    asset = photo(title="Loose photo")
    page = editor_web.get("/albums/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Trip" in html
    assert "Day 1" in html
    assert f'data-album-drop="{trip.pk}"' in html
    assert f'data-asset-id="{asset.pk}"' in html
    assert "js/albums.js" in html
    assert "css/albums.css" in html
    assert "<script>" not in html.split("<body")[1]  # no inline scripts (CSP)


def test_album_page_with_breadcrumbs_children_items_and_bounded_queries(
    editor_web, team, photo, django_assert_max_num_queries
):
    trip = team.album("Trip")
    day = team.album("Day 1", parent=trip)
    team.album("Morning", parent=day)
    for n in range(6):
        team.album(f"Sibling {n}", parent=trip)
    assets = [photo(title=f"Shot {n}") for n in range(8)]
    services.album_items_add(actor=team.actor(), album=day, assets=assets)
    with django_assert_max_num_queries(30):
        page = editor_web.get(f"/albums/{day.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    crumbs = html.split('class="al-crumbs"')[1].split("</nav>")[0]
    assert "Albums" in crumbs
    assert "Trip" in crumbs
    assert "Day 1" in crumbs
    assert "Morning" in html
    assert all(f"Shot {n}" in html for n in range(8))
    assert 'data-reorder="1"' in html
    assert f'data-album-id="{day.pk}"' in html
    # more albums and items cost no more queries
    for n in range(6):
        team.album(f"More {n}", parent=day)
    services.album_items_add(
        actor=team.actor(), album=day, assets=[photo(title=f"Extra {n}") for n in range(6)]
    )
    with django_assert_max_num_queries(30):
        assert editor_web.get(f"/albums/{day.pk}/").status_code == 200


def test_viewers_see_albums_without_editing_tools(browser, team, photo):
    album = team.album("Look only")
    services.album_items_add(actor=team.actor(), album=album, assets=[photo()])
    login(browser, team.viewer, team.tenant)
    html = browser.get(f"/albums/{album.pk}/").content.decode()
    assert "Look only" in html
    assert "Edit album" not in html
    assert "Share links" not in html
    assert 'data-reorder="1"' not in html
    assert 'draggable="true" data-album-drag' not in html
    refused = browser.post(f"/albums/{album.pk}/edit/", {"title": "Mine"}, follow=True)
    assert "does not allow" in refused.content.decode()
    assert Album.objects.get(pk=album.pk).title == "Look only"


def test_other_workspaces_albums_are_not_found(browser, team, other_team):
    album = team.album("Ours")
    login(browser, other_team.owner, other_team.tenant)
    for url in (f"/albums/{album.pk}/", f"/albums/{album.pk}/pick/", f"/albums/{album.pk}/zip/"):
        assert browser.get(url).status_code == 404
    assert browser.post(f"/albums/{album.pk}/edit/", {"title": "x"}).status_code == 404
    assert browser.post(f"/albums/{album.pk}/delete/").status_code == 404
    assert Album.objects.filter(pk=album.pk).exists()


def test_create_rename_move_and_delete_through_forms(editor_web, team):
    response = editor_web.post("/albums/new/", {"title": "Holiday"}, follow=True)
    holiday = Album.objects.get(title="Holiday")
    assert response.redirect_chain[-1][0] == f"/albums/{holiday.pk}/"
    editor_web.post("/albums/new/", {"title": "Beach", "parent": holiday.pk})
    beach = Album.objects.get(title="Beach")
    assert beach.parent_id == holiday.pk

    editor_web.post(
        f"/albums/{holiday.pk}/edit/",
        {"title": "Holidays", "sort_mode": "title", "sort_direction": "desc"},
    )
    holiday.refresh_from_db()
    assert (holiday.title, holiday.sort_mode, holiday.sort_direction) == (
        "Holidays",
        "title",
        "desc",
    )

    cycle = editor_web.post(f"/albums/{holiday.pk}/edit/", {"parent": beach.pk}, follow=True)
    assert "cannot be moved into itself" in cycle.content.decode()
    editor_web.post(f"/albums/{beach.pk}/edit/", {"parent": ""})
    assert Album.objects.get(pk=beach.pk).parent_id is None

    editor_web.post(f"/albums/{beach.pk}/edit/", {"parent": holiday.pk})
    editor_web.post(f"/albums/{holiday.pk}/delete/", {"children": "move_up"})
    assert Album.objects.get(pk=beach.pk).parent_id is None
    assert not Album.objects.filter(pk=holiday.pk).exists()


def test_add_selected_images_and_take_them_out(editor_web, team, photo):
    album = team.album("Picks")
    a, b = photo(title="Alpha"), photo(title="Beta")
    picker = editor_web.get(f"/albums/{album.pk}/pick/").content.decode()
    assert "Alpha" in picker
    assert "Beta" in picker
    editor_web.post(f"/albums/{album.pk}/items/", {"asset_ids": [a.pk, b.pk], "action": "add"})
    assert AlbumItem.objects.filter(album=album).count() == 2
    picker = editor_web.get(f"/albums/{album.pk}/pick/").content.decode()
    assert "Alpha" not in picker
    editor_web.post(f"/albums/{album.pk}/items/", {"asset_ids": [a.pk], "action": "remove"})
    assert list(AlbumItem.objects.filter(album=album).values_list("asset_id", flat=True)) == [b.pk]


def test_making_a_link_shows_it_once(editor_web, team):
    album = team.album("Shared")
    response = editor_web.post(
        f"/albums/{album.pk}/links/",
        {"name": "Family", "allow_download": "on", "strip_metadata": "on", "max_views": "5"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    link = ShareLink.objects.get(album=album)
    url = html.split('id="al-newlink" readonly value="')[1].split('"')[0]
    token = url.rstrip("/").rsplit("/", 1)[1]
    from accounts.models import hash_token

    assert link.token_hash == hash_token(token)
    assert (link.max_views, link.strip_metadata, link.allow_download) == (5, True, True)
    again = editor_web.get(f"/albums/{album.pk}/").content.decode()
    assert token not in again
    editor_web.post(f"/albums/{album.pk}/links/{link.pk}/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_sharing_with_a_person_by_email(editor_web, team, browser_factory):
    album = team.album("Family")
    editor_web.post(f"/albums/{album.pk}/shares/", {"email": team.outsider.email, "role": "viewer"})
    share = AlbumShare.objects.get(album=album)
    assert share.user_id == team.outsider.pk
    assert len(mail.outbox) == 1
    # the outsider finds it under "Shared with me" and opens it
    outsider = login(browser_factory(), team.outsider, team.outsider.memberships.get().tenant)
    index = outsider.get("/albums/").content.decode()
    assert "Shared with me" in index
    assert "Family" in index
    page = outsider.get(f"/albums/{album.pk}/")
    assert page.status_code == 200
    assert "Shared with you" in page.content.decode()
    editor_web.post(f"/albums/{album.pk}/shares/", {"action": "remove", "share": share.pk})
    assert outsider.get(f"/albums/{album.pk}/").status_code == 404


@pytest.fixture
def browser_factory():
    from tests.conftest import CommittingClient

    return CommittingClient


def test_public_pages_render_for_visitors(team, photo, client):
    album = team.album("Open")
    services.album_items_add(actor=team.actor(), album=album, assets=[photo(title="Visible")])
    __, token = sharing_services.share_link_create(actor=team.actor(), album=album, password="pw")
    locked = client.get(f"/s/{token}/")
    assert "This link is protected" in locked.content.decode()
    client.post(f"/s/{token}/", {"password": "pw"})
    page = client.get(f"/s/{token}/").content.decode()
    assert "Visible" in page
    assert "Download all" in page


def test_a_link_expiring_on_a_day_lasts_through_that_day(editor_web, team):
    # A plain date is an inclusive bound (lumina.core.dates.parse_when, end_of_day).
    from datetime import time

    from django.utils import timezone

    album = team.album("Until Sunday")
    editor_web.post(f"/albums/{album.pk}/links/", {"name": "x", "expires_at": "2030-05-06"})
    expires = timezone.localtime(ShareLink.objects.get(album=album).expires_at)
    assert (expires.date().isoformat(), expires.time()) == ("2030-05-06", time.max)


def test_a_bad_expiry_date_is_a_message_on_the_album_page(editor_web, team):
    album = team.album("Soon")
    response = editor_web.post(f"/albums/{album.pk}/links/", {"expires_at": "next week"})
    assert response.status_code == 302
    assert response["Location"] == f"/albums/{album.pk}/"
    page = editor_web.get(response["Location"]).content.decode()
    assert "expires_at: use an ISO date or date-time." in page
    assert not ShareLink.objects.filter(album=album).exists()


def test_operators_see_albums_and_links_and_can_revoke_links(team, rf):
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from tests.factories import UserFactory

    album = team.album("Console")
    link, __ = sharing_services.share_link_create(actor=team.actor(), album=album, name="ops")
    operator = UserFactory(is_staff=True, is_superuser=True)

    def request(path, method="get", data=None):
        made = getattr(rf, method)(path, data or {})
        made.user = operator
        made.session = SessionStore()
        made._messages = FallbackStorage(made)
        return made

    for model in (Album, ShareLink):
        view = admin.site._registry[model]
        response = view.changelist_view(request(f"/admin/albums/{model._meta.model_name}/"))
        response.render()
        assert response.status_code == 200
    page = admin.site._registry[Album].change_view(
        request(f"/admin/albums/album/{album.pk}/change/"), str(album.pk)
    )
    page.render()
    assert "Console" in page.content.decode()
    links = admin.site._registry[ShareLink]
    links.revoke(request("/admin/albums/sharelink/", "post"), ShareLink.objects.filter(pk=link.pk))
    link.refresh_from_db()
    assert link.revoked_at is not None
    form = links.get_form(request("/"), link)
    assert "token_hash" not in form.base_fields
    assert "password" not in form.base_fields
