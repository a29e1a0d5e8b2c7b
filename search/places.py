"""GPS coordinates to place names, offline.

`reverse-geocoder` ships GeoNames' cities of more than 1,000 people (with region and
country code) and looks the nearest one up in a k-d tree: no network, ~0.5 s to load
once per process, microseconds per point after that. The tree is loaded on first use
only, so web processes that never geocode never pay for it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .countries import ALIASES, country_name

# Farther than this from the nearest known town, a photo gets no place: the open sea or
# a polar ice field is not "in" the town 300 km away.
MAX_DISTANCE_KM = 100.0
EARTH_RADIUS_KM = 6371.0088

_lock = threading.Lock()
_geocoder: Any = None


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    region: str
    country: str
    country_code: str

    @property
    def label(self) -> str:
        return ", ".join(p for p in (self.city, self.region, self.country) if p)

    @property
    def aliases(self) -> tuple[str, ...]:
        return ALIASES.get(self.country_code, ())

    def terms(self) -> list[str]:
        """What the `place` filter matches (folded in SQL): each name and the code."""
        names = [self.city, self.region, self.country, *self.aliases, self.country_code]
        return sorted({n for n in names if n})


def valid_point(latitude: float | None, longitude: float | None) -> bool:
    if latitude is None or longitude is None:
        return False
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return False
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return False
    # (0, 0) is what broken GPS units write, not a photo in the Gulf of Guinea.
    return not (latitude == 0 and longitude == 0)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _load() -> Any:
    global _geocoder
    if _geocoder is None:
        with _lock:
            if _geocoder is None:
                import reverse_geocoder

                # mode=1: one process; the default forks a pool per query batch.
                _geocoder = reverse_geocoder.RGeocoder(mode=1, verbose=False)
    return _geocoder


def enabled() -> bool:
    return bool(settings.LUMINA_SEARCH_PLACES)


def lookup(points: Sequence[tuple[float, float]]) -> list[Place | None]:
    """The place of each (latitude, longitude), None where there is none (or lookups
    are turned off with ``LUMINA_SEARCH_PLACES=false``)."""
    if not points or not enabled():
        return [None] * len(points)
    wanted = [i for i, (lat, lon) in enumerate(points) if valid_point(lat, lon)]
    found: list[Place | None] = [None] * len(points)
    if not wanted:
        return found
    results = _load().query([points[i] for i in wanted])
    for index, row in zip(wanted, results, strict=True):
        lat, lon = points[index]
        if distance_km(lat, lon, float(row["lat"]), float(row["lon"])) > MAX_DISTANCE_KM:
            continue
        code = str(row.get("cc") or "").upper()[:2]
        found[index] = Place(
            city=str(row.get("name") or "")[:200],
            region=str(row.get("admin1") or "")[:200],
            country=country_name(code) if code else "",
            country_code=code,
        )
    return found
