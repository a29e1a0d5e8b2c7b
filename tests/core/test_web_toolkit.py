"""The request toolkit: `lumina.core.dates`, `lumina.core.web` and `accounts.web`."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from lumina.core.dates import parse_when
from lumina.core.errors import ValidationFailed

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
