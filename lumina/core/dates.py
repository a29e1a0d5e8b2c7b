"""The one parser for dates and date-times taken from a request (query strings, form
fields, API parameters)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from lumina.core.errors import ValidationFailed


def parse_when(
    value: str | None,
    field: str,
    *,
    end_of_day: bool = False,
    message: str | None = None,
) -> datetime | None:
    """An ISO date-time, or an ISO date meaning the start of that day (midnight) — or,
    with ``end_of_day``, its last instant (23:59:59.999999), for inclusive upper bounds
    such as an expiry date or a "before" filter that should include the day itself.

    Naive values are read in the current time zone; an explicit offset is kept. Empty
    (or blank) is ``None``. Anything else, including well-formed but impossible dates
    (2030-02-30), raises `ValidationFailed` naming ``field`` (in the message and in
    ``details["field"]``); ``message`` replaces the default text (e.g. a translated one).
    """
    value = (value or "").strip()
    if not value:
        return None
    moment: datetime | None
    day: date | None
    # The date first: parse_datetime reads a plain date as midnight (Python 3.11's
    # fromisoformat), which would lose end_of_day. Both return None for a malformed value
    # and raise ValueError for an impossible one.
    try:
        day = parse_date(value)
        moment = None if day else parse_datetime(value)
    except ValueError:
        moment = day = None
    if moment is None:
        if day is None:
            raise ValidationFailed(
                message or f"{field}: use an ISO date or date-time.", details={"field": field}
            )
        moment = datetime.combine(day, time.max if end_of_day else time.min)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
