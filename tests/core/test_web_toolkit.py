"""The request toolkit: `lumina.core.dates`, `lumina.core.web` and `accounts.web`."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from gallery.models import Tag
from lumina.core.dates import parse_when
from lumina.core.errors import NotFound, ValidationFailed
from lumina.core.lookup import all_or_404
from tests.factories import TenantFactory

# --- parse_when -------------------------------------------------------------------------


def test_parse_when_empty_is_none():
    assert parse_when("", "taken_after") is None
    assert parse_when(None, "taken_after") is None
    assert parse_when("   ", "taken_after") is None


def test_a_plain_date_is_the_start_of_the_day_by_default():
    moment = parse_when("2030-05-06", "taken_after")
    assert moment is not None
    assert timezone.is_aware(moment)
    local = timezone.localtime(moment)
    assert (local.date().isoformat(), local.time()) == ("2030-05-06", time.min)


def test_a_plain_date_as_an_upper_bound_is_the_end_of_the_day():
    moment = parse_when("2030-05-06", "expires_at", end_of_day=True)
    assert moment is not None
    local = timezone.localtime(moment)
    assert (local.date().isoformat(), local.time()) == ("2030-05-06", time.max)


def test_a_date_time_is_kept_whatever_end_of_day_says():
    start = parse_when("2030-05-06T10:30:00", "taken_after")
    end = parse_when("2030-05-06T10:30:00", "taken_after", end_of_day=True)
    assert start == end
    assert timezone.localtime(start).time() == time(10, 30)  # type: ignore[arg-type]


def test_naive_values_are_in_the_current_time_zone(settings):
    with timezone.override("Asia/Jakarta"):  # UTC+7, no daylight saving
        moment = parse_when("2030-05-06", "taken_after")
    assert moment == datetime(2030, 5, 5, 17, 0, tzinfo=UTC)


def test_an_explicit_offset_is_kept():
    moment = parse_when("2030-05-06T10:00:00+02:00", "taken_after")
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=2)
    assert moment == datetime(2030, 5, 6, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "2030-13-01", "2030-02-30", "06/05/2030"])
def test_bad_input_names_the_field(value):
    with pytest.raises(ValidationFailed) as caught:
        parse_when(value, "uploaded_before")
    assert caught.value.details == {"field": "uploaded_before"}
    assert "uploaded_before" in caught.value.message


def test_bad_input_can_carry_its_own_message():
    with pytest.raises(ValidationFailed) as caught:
        parse_when("soon", "expires_at", message="Use a date like 2030-12-31.")
    assert caught.value.message == "Use a date like 2030-12-31."
    assert caught.value.details == {"field": "expires_at"}


@pytest.mark.parametrize("value", ["2030-05-06", "2030-5-6"])
def test_every_spelling_of_a_plain_date_gets_the_same_meaning(value):
    # parse_datetime alone reads "2030-05-06" as midnight but not "2030-5-6".
    start = parse_when(value, "taken_after")
    end = parse_when(value, "taken_before", end_of_day=True)
    assert start is not None
    assert end is not None
    assert timezone.localtime(start).time() == time.min
    assert timezone.localtime(end).time() == time.max


# --- all_or_404 -------------------------------------------------------------------------


@pytest.fixture
def tags(db):
    """Two tags of our workspace and one of another."""
    ours, theirs = TenantFactory(), TenantFactory()
    a = Tag.objects.create(tenant=ours, name="a")
    b = Tag.objects.create(tenant=ours, name="b")
    foreign = Tag.objects.create(tenant=theirs, name="x")
    return Tag.objects.filter(tenant=ours), a, b, foreign


def test_all_or_404_returns_them_in_the_order_given_without_duplicates(tags):
    scoped, a, b, __ = tags
    assert all_or_404(scoped, [str(b.pk), a.pk, b.pk]) == [b, a]


def test_all_or_404_names_the_missing_ids(tags):
    scoped, a, b, __ = tags
    absent = max(a.pk, b.pk) + 1000
    with pytest.raises(NotFound) as caught:
        all_or_404(scoped, [a.pk, absent, b.pk], noun="tag")
    assert caught.value.details == {"missing": [absent]}
    assert caught.value.message == "Some tags were not found."


def test_all_or_404_reports_another_workspaces_id_as_missing_like_an_absent_one(tags):
    scoped, a, __, foreign = tags
    with pytest.raises(NotFound) as caught:
        all_or_404(scoped, [foreign.pk, a.pk])
    # Refused whole, and the foreign id is named missing, never returned as found.
    assert caught.value.details == {"missing": [foreign.pk]}


def test_all_or_404_names_the_field_for_a_non_integer(tags):
    scoped, *__ = tags
    with pytest.raises(ValidationFailed) as caught:
        all_or_404(scoped, ["1", "two"], field="asset_ids")
    assert caught.value.details == {"field": "asset_ids"}
