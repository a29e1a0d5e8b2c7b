"""The benchmark runner and the renditions benchmark, run small (the real figures come
from ``python -m bench renditions``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bench.renditions
from bench.__main__ import discover, main


def test_the_runner_finds_the_benchmarks() -> None:
    assert "renditions" in discover()
    with pytest.raises(SystemExit):
        main(["no-such-benchmark"])


def test_the_renditions_benchmark_runs_and_records_its_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a scaled-down run: small images, one round, two memory cases
    monkeypatch.setattr(bench.renditions, "THROUGHPUT_SIZE", (480, 360))
    monkeypatch.setattr(bench.renditions, "ROUNDS", 1)
    monkeypatch.setattr(bench.renditions, "EFFORT_ROUNDS", 1)
    monkeypatch.setattr(
        bench.renditions,
        "MEMORY_INPUTS",
        {"24mp": ("jpeg", 300, 200), "100mp": ("jpeg", 600, 400), "24mp-png": ("png", 300, 200)},
    )
    monkeypatch.setattr(
        bench.renditions,
        "MEMORY_CASES",
        [("vips", "100mp", "path"), ("naive", "24mp", "bytes"), ("pillow", "24mp-png", "path")],
    )

    # when
    status = main(["renditions"], results_dir=tmp_path)

    # then
    assert status == 0
    recorded = json.loads((tmp_path / "renditions.json").read_text())
    results = recorded["results"]
    assert recorded["benchmark"] == "renditions"
    assert set(results["throughput"]) == {"naive", "pillow", "vips"}
    assert results["throughput"]["vips"]["sets_per_second_per_core"] > 0
    assert results["ratio_vips_over_naive"] > 0
    assert [row["effort"] for row in results["webp_effort_sweep"]] == list(range(7))
    peak = results["peak_rss"]["vips/100mp/path"]
    assert peak["renditions"] == 4
    # A child forked by the shell reports its own peak, not the test process's.
    assert 0 < peak["before_render_mb"] <= peak["peak_mb"] < 1000
    assert peak["vm_hwm_mb"] == pytest.approx(peak["peak_mb"], rel=0.25)
    assert "ratio vips/naive" in capsys.readouterr().out
