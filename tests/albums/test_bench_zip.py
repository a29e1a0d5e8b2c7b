"""The ZIP memory benchmark's own code, run tiny (the figures come from
``python -m bench zip_memory``)."""

from __future__ import annotations

import pytest

import bench.zip_memory

pytestmark = pytest.mark.django_db


def test_the_zip_benchmark_prepares_an_album_and_measures_a_download(media):
    made = bench.zip_memory.prepare(count=3, size=300_000, media_root=media)
    for token in (made["plain"], made["stripped"]):
        figures = bench.zip_memory.measure(f"/s/{token}/zip/")
        assert figures["archive_mib"] > 0.8
        assert figures["rss_peak_mib"] >= figures["rss_before_mib"] > 0
        assert figures["chunks"] > 3
