"""Fractional position keys: always one between two neighbours, short when appending."""

from __future__ import annotations

import random

import pytest

from albums import positions


def test_a_key_fits_between_any_two_keys_and_never_ends_in_zero():
    rng = random.Random(7)
    keys = [positions.key_between(None, None)]
    for _ in range(3000):
        at = rng.randint(0, len(keys))
        low = keys[at - 1] if at > 0 else None
        high = keys[at] if at < len(keys) else None
        key = positions.key_between(low, high)
        assert low is None or low < key
        assert high is None or key < high
        assert not key.endswith("0")
        keys.insert(at, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_appending_and_prepending_one_by_one_keep_keys_short():
    key = positions.key_between(None, None)
    for _ in range(100_000):
        following = positions.key_between(key, None)
        assert following > key
        key = following
    assert len(key) <= 8
    key = "V"
    for _ in range(100_000):
        preceding = positions.key_between(None, key)
        assert preceding < key
        key = preceding
    assert len(key) <= 8


def test_inserting_at_the_same_spot_grows_keys_slowly():
    low, high = "V", "W"
    for _ in range(200):
        high = positions.key_between(low, high)
    # About one character per six inserts at the very same place.
    assert len(high) < 60


def test_blocks_of_keys_are_ordered_and_between_their_neighbours():
    keys = positions.keys_between("A", "B", 1000)
    assert keys == sorted(keys)
    assert len(set(keys)) == 1000
    assert keys[0] > "A"
    assert keys[-1] < "B"
    assert max(len(k) for k in keys) <= 4
    assert positions.keys_between(None, None, 3) == sorted(positions.keys_between(None, None, 3))
    assert positions.keys_between(None, "1", 3)[-1] < "1"


def test_spread_gives_short_evenly_spaced_keys_with_room_after():
    keys = positions.spread(50_000)
    assert keys == sorted(keys)
    assert len(set(keys)) == 50_000
    assert max(len(k) for k in keys) <= 4
    assert positions.key_between(keys[-1], None) > keys[-1]


@pytest.mark.parametrize(("low", "high"), [("B", "A"), ("A", "A"), ("a0", None), ("", None)])
def test_bad_keys_are_refused(low, high):
    with pytest.raises(positions.PositionError):
        positions.key_between(low, high)
