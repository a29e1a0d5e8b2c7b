"""Albums through their services and selectors: the tree, covers, statistics, order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.errors import RoleForbidden
from albums import positions, selectors, services
from albums.errors import AlbumCycle, AlbumForbidden, NotInAlbum
from albums.models import Album, AlbumItem, SortDirection, SortMode
from albums.services import Placement
from gallery.models import Asset
from lumina.core.errors import NotFound, ValidationFailed

from .conftest import set_fields

pytestmark = pytest.mark.django_db


def order(team, album):
    album = Album.objects.get(pk=album.pk)
    items = selectors.album_items(actor=team.actor(), album=album)
    return [item.asset_id for item in items]


def add(team, album, assets, **place):
    return services.album_items_add(
        actor=team.actor(), album=album, assets=assets, place=Placement(**place)
    )


# --- the tree ---------------------------------------------------------------------------


def test_moving_an_album_under_itself_or_a_descendant_is_refused(team):
    trip = team.album("Trip")
    day = team.album("Day 1", parent=trip)
    morning = team.album("Morning", parent=day)
    for target in (trip, day, morning):
        with pytest.raises(AlbumCycle) as caught:
            services.album_update(actor=team.actor(), album=trip, data={"parent": target})
        assert caught.value.code == "album_cycle"
        assert caught.value.status == 409
    trip.refresh_from_db()
    assert trip.parent_id is None
    # a sideways move is fine, and so is moving back to the top
    other = team.album("Other")
    services.album_update(actor=team.actor(), album=day, data={"parent": other})
    assert Album.objects.get(pk=day.pk).parent_id == other.pk
    services.album_update(actor=team.actor(), album=day, data={"parent": None})
    assert Album.objects.get(pk=day.pk).parent_id is None


def test_deleting_an_album_moves_its_children_up_and_keeps_the_assets(team, photo):
    trip = team.album("Trip")
    day = team.album("Day 1", parent=trip)
    night = team.album("Night", parent=day)
    asset = photo()
    add(team, day, [asset])

    deleted = services.album_delete(actor=team.actor(), album=day, children="move_up")

    assert deleted == 1
    assert not Album.objects.filter(pk=day.pk).exists()
    assert Album.objects.get(pk=night.pk).parent_id == trip.pk
    assert Asset.objects.filter(pk=asset.pk, deleted_at__isnull=True).exists()


def test_deleting_an_album_with_its_children_keeps_every_asset(team, photo):
    trip = team.album("Trip")
    day = team.album("Day 1", parent=trip)
    night = team.album("Night", parent=day)
    kept = team.album("Kept")
    assets = [photo(), photo(), photo()]
    add(team, trip, assets[:1])
    add(team, day, assets[1:2])
    add(team, night, assets[2:])
    add(team, kept, assets)

    deleted = services.album_delete(actor=team.actor(), album=trip, children="delete")

    assert deleted == 3
    assert list(Album.objects.filter(tenant=team.tenant).values_list("title", flat=True)) == [
        "Kept"
    ]
    assert Asset.objects.filter(pk__in=[a.pk for a in assets], deleted_at__isnull=True).count() == 3
    assert AlbumItem.objects.filter(album=kept).count() == 3


def test_delete_refuses_an_unknown_children_choice(team):
    album = team.album("A")
    with pytest.raises(ValidationFailed):
        services.album_delete(actor=team.actor(), album=album, children="orphan")


def test_albums_for_path_makes_nested_albums_once(team):
    day = services.albums_for_path(membership=team.membership(), path="Trip/Day 1")
    assert day.title == "Day 1"
    assert day.parent.title == "Trip"
    again = services.albums_for_path(membership=team.membership(), path=" trip // day 1 /")
    assert again.pk == day.pk
    other = services.albums_for_path(membership=team.membership(), path="Trip\\Day 2")
    assert other.parent_id == day.parent_id
    assert Album.objects.filter(tenant=team.tenant).count() == 3
    with pytest.raises(ValidationFailed):
        services.albums_for_path(membership=team.membership(), path="/ ./../")
    with pytest.raises(RoleForbidden):
        services.albums_for_path(membership=team.membership("viewer"), path="Nope")


def test_tree_comes_in_one_query_at_any_depth(team):
    parent = None
    for depth in range(30):
        parent = team.album(f"Level {depth}", parent=parent)
    team.album("Another root")
    actor = team.actor()
    with CaptureQueriesContext(connection) as queries:
        roots = selectors.album_tree(actor=actor)
    assert len(queries) == 1
    assert [r.title for r in roots] == ["Another root", "Level 0"]
    deepest = list(selectors.flatten(roots))[-1]
    assert deepest.title == "Level 29"
    assert deepest.depth == 29


def test_viewers_cannot_change_albums(team, photo):
    album = team.album("A")
    viewer = team.actor("viewer")
    with pytest.raises(RoleForbidden):
        services.album_create(actor=viewer, title="Mine")
    with pytest.raises(RoleForbidden):
        services.album_update(actor=viewer, album=album, data={"title": "B"})
    with pytest.raises(AlbumForbidden):
        services.album_items_add(actor=viewer, album=album, assets=[photo()])


def test_another_workspace_cannot_reach_or_use_an_album(team, other_team, photo):
    album = team.album("Private matters")
    stranger = other_team.actor("owner")
    with pytest.raises(NotFound):
        selectors.album_get(actor=stranger, album_id=album.pk)
    # their own asset cannot go into our album
    theirs = photo(other_team.membership("editor"))
    actor = team.actor()
    with pytest.raises(NotFound):
        services.album_items_add(actor=actor, album=album, assets=[theirs])
    with pytest.raises(NotFound):
        selectors.addable_assets(actor=team.actor(), album=album, ids=[theirs.pk])


# --- covers and statistics ---------------------------------------------------------------


def test_cover_is_the_chosen_one_else_the_first_in_the_albums_order(team, photo):
    album = team.album("Covers")
    first, second, third = photo(), photo(), photo()
    add(team, album, [first, second, third])

    covers = selectors.cover_for([Album.objects.get(pk=album.pk)], team.editor)
    assert covers[album.pk].pk == first.pk

    # the first in the order shown, whatever the order
    services.album_update(
        actor=team.actor(), album=album, data={"sort_mode": "manual", "sort_direction": "desc"}
    )
    covers = selectors.cover_for([Album.objects.get(pk=album.pk)], team.editor)
    assert covers[album.pk].pk == third.pk

    services.album_update(actor=team.actor(), album=album, data={"cover": second.pk})
    covers = selectors.cover_for([Album.objects.get(pk=album.pk)], team.editor)
    assert covers[album.pk].pk == second.pk

    # the chosen cover leaves the album: back to the automatic one
    services.album_items_remove(actor=team.actor(), album=album, asset_ids=[second.pk])
    assert Album.objects.get(pk=album.pk).cover_id is None
    covers = selectors.cover_for([Album.objects.get(pk=album.pk)], team.editor)
    assert covers[album.pk].pk == third.pk

    # a trashed chosen cover is not shown either
    services.album_update(actor=team.actor(), album=album, data={"cover": first.pk})
    set_fields(first, deleted_at=datetime.now(UTC))
    covers = selectors.cover_for([Album.objects.get(pk=album.pk)], team.editor)
    assert covers[album.pk].pk == third.pk

    empty = team.album("Empty")
    assert selectors.cover_for([empty], team.editor) == {}


def test_the_cover_must_be_in_the_album(team, photo):
    album = team.album("A")
    with pytest.raises(NotInAlbum):
        services.album_update(actor=team.actor(), album=album, data={"cover": photo().pk})


def test_covers_of_many_albums_take_a_bounded_number_of_queries(team, photo):
    assets = [photo() for _ in range(3)]
    albums = []
    for n in range(12):
        album = team.album(f"A{n}", sort_mode=["manual", "taken", "uploaded", "title"][n % 4])
        add(team, album, assets)
        albums.append(Album.objects.get(pk=album.pk))
    with CaptureQueriesContext(connection) as queries:
        covers = selectors.cover_for(albums, team.editor)
    assert len(covers) == 12
    assert len(queries) <= 5


def test_statistics_come_in_one_query(team, photo):
    album = team.album("Stats")
    early, late = photo(), photo()
    private_of_someone_else = photo(team.membership("owner"), visibility="private")
    trashed = photo()
    add(team, album, [early, late, trashed])
    # its owner filed it; the editor reading the statistics must not count it
    services.album_items_add(
        actor=team.actor("owner"), album=album, assets=[private_of_someone_else]
    )
    set_fields(early, taken_at=datetime(2020, 5, 1, 12, tzinfo=UTC))
    set_fields(late, taken_at=datetime(2021, 7, 3, 9, tzinfo=UTC))
    set_fields(trashed, deleted_at=datetime.now(UTC))
    team.album("Child", parent=album)

    actor = team.actor()
    with CaptureQueriesContext(connection) as queries:
        found = selectors.album_list(actor=actor).get(pk=album.pk)
    assert len(queries) == 1
    assert found.item_count == 2  # not the trashed one, nor someone else's private one
    assert found.total_bytes == early.bytes + late.bytes
    assert found.first_date == datetime(2020, 5, 1, 12, tzinfo=UTC)
    assert found.last_date == datetime(2021, 7, 3, 9, tzinfo=UTC)
    assert found.child_count == 1
    assert found.last_added is not None


def test_every_change_to_the_items_touches_the_album(team, photo, clock):
    album = team.album("Touched")
    created = Album.objects.get(pk=album.pk).updated_at
    a, b = photo(), photo()
    clock.advance(minutes=5)
    add(team, album, [a, b])
    added = Album.objects.get(pk=album.pk).updated_at
    assert added > created
    clock.advance(minutes=5)
    services.album_items_reorder(
        actor=team.actor(), album=album, asset_ids=[b.pk], place=Placement(to="start")
    )
    reordered = Album.objects.get(pk=album.pk).updated_at
    assert reordered > added
    clock.advance(minutes=5)
    services.album_items_remove(actor=team.actor(), album=album, asset_ids=[a.pk])
    assert Album.objects.get(pk=album.pk).updated_at > reordered


# --- order --------------------------------------------------------------------------------


@pytest.fixture
def sorted_album(team, photo):
    """Three assets whose taken, uploaded and title orders all differ."""
    album = team.album("Sorted")
    x, y, z = photo(title="Banana"), photo(title=""), photo(title="cherry")
    set_fields(y, original_filename="apple.jpg")
    base = datetime(2022, 1, 1, tzinfo=UTC)
    set_fields(x, taken_at=base + timedelta(days=2), created_at=base + timedelta(days=10))
    set_fields(y, taken_at=None, created_at=base + timedelta(days=1))  # no date taken: upload date
    set_fields(z, taken_at=base, created_at=base + timedelta(days=5))
    add(team, album, [x, y, z])
    return album, x, y, z


@pytest.mark.parametrize(
    ("mode", "direction", "expected"),
    [
        ("manual", "asc", "xyz"),
        ("manual", "desc", "zyx"),
        ("taken", "asc", "zyx"),
        ("taken", "desc", "xyz"),
        ("uploaded", "asc", "yzx"),
        ("uploaded", "desc", "xzy"),
        ("title", "asc", "yxz"),  # apple, Banana, cherry: without regard to case
        ("title", "desc", "zxy"),
    ],
)
def test_every_ordering(team, sorted_album, mode, direction, expected):
    album, x, y, z = sorted_album
    names = {x.pk: "x", y.pk: "y", z.pk: "z"}
    services.album_update(
        actor=team.actor(), album=album, data={"sort_mode": mode, "sort_direction": direction}
    )
    assert "".join(names[pk] for pk in order(team, album)) == expected


def test_unknown_sort_modes_are_refused(team):
    album = team.album("A")
    with pytest.raises(ValidationFailed):
        services.album_update(actor=team.actor(), album=album, data={"sort_mode": "random"})


def test_manual_reorder_in_bulk(team, photo):
    album = team.album("Manual")
    a, b, c, d, e = (photo() for _ in range(5))
    add(team, album, [a, b, c, d, e])
    move = services.album_items_reorder

    move(actor=team.actor(), album=album, asset_ids=[d.pk, b.pk], place=Placement(after=a.pk))
    assert order(team, album) == [a.pk, d.pk, b.pk, c.pk, e.pk]
    move(actor=team.actor(), album=album, asset_ids=[a.pk], place=Placement(before=e.pk))
    assert order(team, album) == [d.pk, b.pk, c.pk, a.pk, e.pk]
    move(actor=team.actor(), album=album, asset_ids=[e.pk, c.pk], place=Placement(to="start"))
    assert order(team, album) == [e.pk, c.pk, d.pk, b.pk, a.pk]
    move(actor=team.actor(), album=album, asset_ids=[e.pk], place=Placement(to="end"))
    assert order(team, album) == [c.pk, d.pk, b.pk, a.pk, e.pk]
    # a full permutation: everything, in the new order, to the start
    wanted = [b.pk, e.pk, a.pk, d.pk, c.pk]
    move(actor=team.actor(), album=album, asset_ids=wanted, place=Placement(to="start"))
    assert order(team, album) == wanted


def test_a_move_rewrites_only_the_moved_items(team, photo):
    album = team.album("Stable")
    assets = [photo() for _ in range(6)]
    add(team, album, assets)
    before = dict(AlbumItem.objects.filter(album=album).values_list("asset_id", "position"))
    services.album_items_reorder(
        actor=team.actor(),
        album=album,
        asset_ids=[assets[5].pk],
        place=Placement(after=assets[1].pk),
    )
    after = dict(AlbumItem.objects.filter(album=album).values_list("asset_id", "position"))
    changed = {pk for pk in before if before[pk] != after[pk]}
    assert changed == {assets[5].pk}


def test_many_inserts_between_two_neighbours(team, photo, django_assert_max_num_queries):
    album = team.album("Squeeze")
    left, right = photo(), photo()
    add(team, album, [left, right])
    inserted = []
    # Always right after "left": the worst case for fractional keys.
    for _ in range(120):
        asset = photo(process=False)  # the order does not need renditions
        add(team, album, [asset], after=left.pk)
        inserted.append(asset.pk)
    expected = [left.pk, *reversed(inserted), right.pk]
    assert order(team, album) == expected
    keys = list(AlbumItem.objects.filter(album=album).values_list("position", flat=True))
    assert len(set(keys)) == len(keys)
    assert max(len(k) for k in keys) <= positions.MAX_LENGTH
    # moving between the same two neighbours again and again stays correct too
    a, b = inserted[0], inserted[1]
    for _ in range(200):
        services.album_items_reorder(
            actor=team.actor(), album=album, asset_ids=[a], place=Placement(after=left.pk)
        )
        services.album_items_reorder(
            actor=team.actor(), album=album, asset_ids=[b], place=Placement(after=left.pk)
        )
    now = order(team, album)
    assert now[:3] == [left.pk, b, a]
    assert sorted(now) == sorted(expected)
    keys = list(AlbumItem.objects.filter(album=album).values_list("position", flat=True))
    assert max(len(k) for k in keys) <= positions.MAX_LENGTH


def test_reordering_a_sorted_album_switches_to_manual_keeping_the_order_shown(team, sorted_album):
    album, x, y, z = sorted_album
    services.album_update(
        actor=team.actor(), album=album, data={"sort_mode": "taken", "sort_direction": "asc"}
    )
    assert order(team, album) == [z.pk, y.pk, x.pk]
    services.album_items_reorder(
        actor=team.actor(), album=album, asset_ids=[x.pk], place=Placement(after=z.pk)
    )
    album.refresh_from_db()
    assert album.sort_mode == SortMode.MANUAL
    assert album.sort_direction == SortDirection.ASC
    assert order(team, album) == [z.pk, x.pk, y.pk]


def test_reorder_refuses_items_not_in_the_album(team, photo):
    album = team.album("A")
    inside, outside = photo(), photo()
    add(team, album, [inside])
    with pytest.raises(NotInAlbum) as caught:
        services.album_items_reorder(
            actor=team.actor(), album=album, asset_ids=[outside.pk], place=Placement()
        )
    assert caught.value.details == {"missing": [outside.pk]}
    with pytest.raises(NotInAlbum):
        services.album_items_reorder(
            actor=team.actor(),
            album=album,
            asset_ids=[inside.pk],
            place=Placement(after=outside.pk),
        )
    with pytest.raises(ValidationFailed):
        services.album_items_reorder(
            actor=team.actor(), album=album, asset_ids=[inside.pk], place=Placement(after=inside.pk)
        )


def test_adding_twice_keeps_one_item_in_place(team, photo):
    album = team.album("A")
    a, b = photo(), photo()
    first = add(team, album, [a, b])
    again = add(team, album, [b, a], to="start")
    assert first.added == [a.pk, b.pk]
    assert again.added == []
    assert again.already == [b.pk, a.pk]
    assert order(team, album) == [a.pk, b.pk]


def test_an_asset_can_be_in_several_albums(team, photo):
    asset = photo()
    one, two = team.album("One"), team.album("Two")
    add(team, one, [asset])
    add(team, two, [asset])
    assert set(AlbumItem.objects.filter(asset=asset).values_list("album_id", flat=True)) == {
        one.pk,
        two.pk,
    }


def test_the_album_is_renumbered_once_in_a_while_when_keys_get_too_long(team, photo, monkeypatch):
    monkeypatch.setattr(positions, "MAX_LENGTH", 3)
    renumbered: list[int] = []  # the inserts that rewrote the keys already there

    def keys_of(album):  # type: ignore[no-untyped-def]
        return dict(AlbumItem.objects.filter(album=album).values_list("asset_id", "position"))

    album = team.album("Tight")
    left, right = photo(process=False), photo(process=False)
    add(team, album, [left, right])
    inserted = []
    for _ in range(40):
        asset = photo(process=False)
        before = keys_of(album)
        add(team, album, [asset], after=left.pk)
        after = keys_of(album)
        if any(after[pk] != key for pk, key in before.items()):
            renumbered.append(len(after))
        inserted.append(asset.pk)
    assert order(team, album) == [left.pk, *reversed(inserted), right.pk]
    keys = list(AlbumItem.objects.filter(album=album).values_list("position", flat=True))
    assert max(len(k) for k in keys) <= 3
    assert len(set(keys)) == len(keys)
    # rarely: most inserts still write one row only
    assert 1 <= len(renumbered) <= 10
