"""Drag and drop in a real Chromium against a live server: images onto albums, albums
onto albums (re-parenting, cycles refused) and reordering inside an album."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from albums import selectors, services
from albums.models import Album, AlbumItem
from tests.factories import Team, upload

from .conftest import login

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _close_loop_connections() -> Iterator[None]:
    yield
    # Connections opened while Playwright's loop ran live in their own context: close
    # them here, or the test database cannot be dropped at the end.
    connections.close_all()


@pytest.fixture
def live_team(transactional_db, live_server, media) -> Team:  # type: ignore[no-untyped-def]
    return Team()


def open_as(chromium: Any, live_server: Any, user: Any, tenant: Any) -> Any:
    client = login(Client(), user, tenant)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = chromium.new_context(base_url=live_server.url)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def status_of(page: Any) -> Any:
    return page.locator("[data-albums-status]")


def tree_link(page: Any, album: Album) -> Any:
    return page.locator(f'.al-sidebar a[data-album-drop="{album.pk}"]')


def test_drag_images_onto_an_album_in_the_sidebar(chromium, live_server, live_team):
    team = live_team
    trip = team.album("Trip")
    first = upload(team.membership(), seed=1, title="First")
    second = upload(team.membership(), seed=2, title="Second")
    third = upload(team.membership(), seed=3, title="Third")
    page = open_as(chromium, live_server, team.editor, team.tenant)
    page.goto("/albums/")

    page.drag_and_drop(
        f'.al-tile[data-asset-id="{first.pk}"]', f'.al-sidebar a[data-album-drop="{trip.pk}"]'
    )
    expect(status_of(page)).to_contain_text("added")
    assert "1 added to “Trip”" in status_of(page).inner_text()
    assert list(AlbumItem.objects.filter(album=trip).values_list("asset_id", flat=True)) == [
        first.pk
    ]
    assert tree_link(page, trip).locator(".al-count").inner_text() == "1"

    # several selected images go together
    page.check(f'.al-tile[data-asset-id="{second.pk}"] [data-select]')
    page.check(f'.al-tile[data-asset-id="{third.pk}"] [data-select]')
    page.evaluate("document.querySelector('[data-albums-status]').textContent = ''")
    page.drag_and_drop(
        f'.al-tile[data-asset-id="{third.pk}"]', f'.al-sidebar a[data-album-drop="{trip.pk}"]'
    )
    expect(status_of(page)).to_contain_text("added")
    assert set(AlbumItem.objects.filter(album=trip).values_list("asset_id", flat=True)) == {
        first.pk,
        second.pk,
        third.pk,
    }
    assert page.js_errors == []


def test_drag_albums_to_re_parent_them_and_cycles_are_refused(chromium, live_server, live_team):
    team = live_team
    trip = team.album("Trip")
    day = team.album("Day 1", parent=trip)
    archive = team.album("Archive")
    page = open_as(chromium, live_server, team.editor, team.tenant)
    page.goto(f"/albums/{trip.pk}/")

    # into its own sub-album: refused, with the reason shown
    page.drag_and_drop(
        f'.al-sidebar a[data-album-drag="{trip.pk}"]', f'.al-sidebar a[data-album-drop="{day.pk}"]'
    )
    expect(status_of(page)).not_to_be_empty()
    assert "cannot be moved into itself" in status_of(page).inner_text()
    assert Album.objects.get(pk=trip.pk).parent_id is None

    # into another album: moved, and the tree shows it after the reload
    with page.expect_navigation():
        page.drag_and_drop(
            f'.al-sidebar a[data-album-drag="{day.pk}"]',
            f'.al-sidebar a[data-album-drop="{archive.pk}"]',
        )
    assert Album.objects.get(pk=day.pk).parent_id == archive.pk
    nested = page.locator(
        f'.al-sidebar li[data-tree-id="{archive.pk}"] a[data-album-drop="{day.pk}"]'
    )
    assert nested.count() == 1

    # onto the top-level zone
    with page.expect_navigation():
        page.drag_and_drop(f'.al-sidebar a[data-album-drag="{day.pk}"]', '[data-album-drop="root"]')
    assert Album.objects.get(pk=day.pk).parent_id is None
    assert page.js_errors == []


def test_drag_to_reorder_inside_an_album(chromium, live_server, live_team):
    team = live_team
    album = team.album("Ordered")
    assets = [upload(team.membership(), seed=10 + n, title=f"Shot {n}") for n in range(4)]
    services.album_items_add(actor=team.actor(), album=album, assets=assets)
    a, b, c, d = (asset.pk for asset in assets)
    page = open_as(chromium, live_server, team.editor, team.tenant)
    page.goto(f"/albums/{album.pk}/")

    def dom_order() -> list[int]:
        return [
            int(v)
            for v in page.eval_on_selector_all(
                ".al-main [data-grid] .al-tile", "tiles => tiles.map(t => t.dataset.assetId)"
            )
        ]

    def saved() -> list[int]:
        fresh = Album.objects.get(pk=album.pk)
        return [i.asset_id for i in selectors.album_items(actor=team.actor(), album=fresh)]

    def drop(source: int, target: int, side: str) -> None:
        box = page.locator(f'.al-main .al-tile[data-asset-id="{target}"]').bounding_box()
        x = 6 if side == "before" else box["width"] - 6
        page.evaluate("document.querySelector('[data-albums-status]').textContent = ''")
        page.drag_and_drop(
            f'.al-main .al-tile[data-asset-id="{source}"]',
            f'.al-main .al-tile[data-asset-id="{target}"]',
            target_position={"x": x, "y": box["height"] / 2},
        )
        expect(status_of(page)).to_contain_text("Order saved")

    drop(d, a, "before")
    assert saved() == [d, a, b, c]
    assert dom_order() == [d, a, b, c]
    drop(d, c, "after")
    assert saved() == [a, b, c, d]
    drop(a, c, "before")
    assert saved() == [b, a, c, d]
    page.reload()
    assert dom_order() == [b, a, c, d]
    assert page.js_errors == []


def test_the_lightbox_opens_and_steps_through_images(chromium, live_server, live_team):
    team = live_team
    album = team.album("Look")
    assets = [upload(team.membership(), seed=40 + n, title=f"Pic {n}") for n in range(2)]
    services.album_items_add(actor=team.actor(), album=album, assets=assets)
    page = open_as(chromium, live_server, team.editor, team.tenant)
    page.goto(f"/albums/{album.pk}/")
    page.click(f'.al-main .al-tile[data-asset-id="{assets[0].pk}"] [data-open]')
    dialog = page.locator("[data-lightbox]")
    assert dialog.is_visible()
    assert page.locator("[data-lb-title]").inner_text() == "Pic 0"
    page.keyboard.press("ArrowRight")
    assert page.locator("[data-lb-title]").inner_text() == "Pic 1"
    expect(page.locator("[data-lb-image]")).to_have_js_property("complete", True)
    assert page.locator("[data-lb-image]").evaluate("image => image.naturalWidth") > 0
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE") == "true"
    assert page.js_errors == []
