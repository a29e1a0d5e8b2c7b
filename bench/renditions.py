"""Rendition throughput and memory: our engine against naive Pillow, on this machine.

    python -m bench renditions

* Throughput, per core (libvips limited to one thread, Pillow is single-threaded): a
  12 MP JPEG (gradients, shapes and noise, so the encoders do real work) -> the eager set
  (400 and 1600 px, WebP + progressive JPEG), for
  - ``naive``: Pillow as commonly written: open, ``exif_transpose``, a LANCZOS resize
    of the full image to 1600 and to 400, WebP (default method 4) and progressive JPEG;
    same qualities as ours, so the files are comparable;
  - ``pillow``: our Pillow engine (JPEG draft decode, box pre-reduce, thumbnail from the
    preview, tuned WebP effort);
  - ``vips``: our libvips engine, the default.
  Cases alternate round by round so that drift hits them alike; medians are reported.
* The WebP effort sweep (size vs time) that the engine's settings come from, AVIF cost.
* Peak memory: the RSS high-water mark (``getrusage``) of a fresh process per case,
  rendering a 24 MP and a 100 MP JPEG from a file path and from bytes in memory.
"""

from __future__ import annotations

import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
THROUGHPUT_SIZE = (4000, 3000)
ROUNDS = 8
EFFORT_ROUNDS = 3
# label -> (format, width, height)
MEMORY_INPUTS = {
    "24mp": ("jpeg", 6000, 4000),
    "100mp": ("jpeg", 12000, 8400),
    # PNG has no reduce-on-load: the full image must be decoded, which is where streaming
    # (libvips) and holding the whole image (Pillow) differ most.
    "24mp-png": ("png", 6000, 4000),
}
# (engine, input, source kind): our engine at both sizes, Pillow for reference.
MEMORY_CASES = [
    ("vips", "24mp", "path"),
    ("vips", "24mp", "bytes"),
    ("vips", "100mp", "path"),
    ("vips", "100mp", "bytes"),
    ("vips", "24mp-png", "path"),
    ("pillow", "24mp", "bytes"),
    ("pillow", "100mp", "bytes"),
    ("pillow", "24mp-png", "path"),
    ("naive", "24mp", "bytes"),
]
TARGET_RATIO = 2.5
TARGET_PEAK_MB_100MP = 300


def photo_jpeg(width: int, height: int) -> bytes:
    """A photo-like JPEG drawn with Pillow: gradients, a few hundred shapes, sensor noise."""
    import random

    from PIL import Image, ImageDraw

    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = Image.linear_gradient("L").rotate(90).resize((width, height))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(Image.merge("RGB", (red, green, blue)), noise, 0.25)
    draw = ImageDraw.Draw(image)
    rnd = random.Random(12)
    for _ in range(200):
        x, y, size = rnd.randrange(width), rnd.randrange(height), rnd.randrange(20, width // 8)
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        draw.ellipse((x, y, x + size, y + size * 0.7), fill=colour)
    image = Image.blend(image, noise, 0.15)  # noise over the shapes too, as a sensor adds
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def large_image(fmt: str, width: int, height: int, path: Path) -> None:
    """A big noisy image written by libvips in strips: tens of megapixels, little memory."""
    from gallery.renditions.decoders import configured_pyvips

    vips = configured_pyvips()
    xy = vips.Image.xyz(width, height)
    x, y = xy[0] * (255.0 / width), xy[1] * (255.0 / height)
    noise = vips.Image.gaussnoise(width, height, sigma=20, mean=0)
    image = x.bandjoin([y, (x + y) / 2]) + noise
    image = image.cast("uchar").copy(interpretation="srgb")
    if fmt == "png":
        image.pngsave(str(path), compression=1)
    else:
        image.jpegsave(str(path), Q=90)


def naive_pillow(data: bytes) -> list[bytes]:
    """The baseline: Pillow as commonly written, full decode, full-size LANCZOS twice."""
    from PIL import Image, ImageOps

    from gallery.renditions.engine import JPEG_QUALITY, WEBP_QUALITY

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    files = []
    for long_edge in (1600, 400):
        scale = long_edge / max(image.size)
        size = (round(image.width * scale), round(image.height * scale))
        resized = image.resize(size, Image.Resampling.LANCZOS)
        for fmt, options in (
            ("WEBP", {"quality": WEBP_QUALITY}),
            ("JPEG", {"quality": JPEG_QUALITY, "progressive": True, "optimize": True}),
        ):
            out = io.BytesIO()
            resized.save(out, fmt, **options)
            files.append(out.getvalue())
    return files


def _renderer(name: str) -> Callable[[Any], list[bytes]]:
    if name == "naive":
        return naive_pillow
    from gallery.renditions.engine import get_engine
    from gallery.renditions.specs import eager_specs

    engine = get_engine(name)
    specs = eager_specs()
    return lambda source: [item.data for item in engine.render(source, specs)]


def _throughput(data: bytes) -> dict[str, Any]:
    cases = {name: _renderer(name) for name in ("naive", "pillow", "vips")}
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    sizes: dict[str, int] = {}
    for name, render in cases.items():  # warm-up: imports, codec tables, page faults
        sizes[name] = sum(len(item) for item in render(data))
    for _ in range(ROUNDS):
        for name, render in cases.items():
            wall, cpu = time.perf_counter(), time.process_time()
            render(data)
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
    result: dict[str, Any] = {}
    for name in cases:
        median = statistics.median(walls[name])
        result[name] = {
            "ms_per_set": round(median * 1000, 1),
            "best_ms": round(min(walls[name]) * 1000, 1),
            "cpu_ms_per_set": round(statistics.median(cpus[name]) * 1000, 1),
            "sets_per_second_per_core": round(1 / median, 2),
            "set_bytes": sizes[name],
        }
    return result


def _effort_sweep(data: bytes) -> list[dict[str, Any]]:
    from gallery.renditions.decoders import configured_pyvips
    from gallery.renditions.engine import WEBP_QUALITY

    vips = configured_pyvips()
    preview = vips.Image.thumbnail_buffer(data, 1600, size="down").copy_memory()
    thumb = preview.thumbnail_image(400).copy_memory()
    rows = []
    for effort in range(7):
        times = []
        for _ in range(EFFORT_ROUNDS):
            started = time.perf_counter()
            big = preview.webpsave_buffer(Q=WEBP_QUALITY, effort=effort, keep="none")
            small = thumb.webpsave_buffer(Q=WEBP_QUALITY, effort=effort, keep="none")
            times.append(time.perf_counter() - started)
        rows.append(
            {
                "effort": effort,
                "ms_1600_plus_400": round(statistics.median(times) * 1000, 1),
                "bytes_1600": len(big),
                "bytes_400": len(small),
            }
        )
    return rows


def _avif(data: bytes) -> dict[str, Any]:
    from gallery.renditions.engine import get_engine
    from gallery.renditions.specs import OutputFormat, eager_specs

    specs = [spec for spec in eager_specs(avif=True) if spec.fmt is OutputFormat.AVIF]
    engine = get_engine("vips")
    engine.render(data, specs)
    started = time.perf_counter()
    rendered = engine.render(data, specs)
    return {
        "ms_thumb_plus_preview": round((time.perf_counter() - started) * 1000, 1),
        "bytes": {item.spec.key: item.nbytes for item in rendered},
    }


def _upload_checks(data: bytes) -> dict[str, Any]:
    """The request-time cost of validation and the task's hashing, for the same photo."""
    from gallery.hashing import compute_hashes
    from gallery.metadata import read_metadata
    from gallery.validators import inspect_upload

    timings = {}
    for label, call in (
        (
            "inspect_upload_ms",
            lambda: inspect_upload(
                io.BytesIO(data), filename="bench.jpg", max_bytes=10**9, max_pixels=10**9
            ),
        ),
        ("read_metadata_ms", lambda: read_metadata(data)),
        ("compute_hashes_ms", lambda: compute_hashes(data)),
    ):
        call()
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            call()
            runs.append(time.perf_counter() - started)
        timings[label] = round(statistics.median(runs) * 1000, 1)
    return timings


def _peak_rss(engine: str, path: Path, kind: str) -> dict[str, Any]:
    """Render in a fresh interpreter and read its high-water mark.

    The interpreter is forked by a small shell, not by this process: Linux carries the
    forking process's RSS high-water mark into ``ru_maxrss`` across ``exec``, so a child
    forked straight from this (large) process would report our peak instead of its own.
    """
    child = [sys.executable, "-m", "bench.renditions", "--peak-rss", engine, kind, str(path)]
    completed = subprocess.run(
        # `; exit` keeps the shell from exec-ing the command in place of forking it.
        ["/bin/sh", "-c", '"$@"; exit $?', "sh", *child],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def _child_peak_rss(engine: str, kind: str, path: str) -> None:
    """Child side of `_peak_rss`: import, note the baseline, render, report."""
    render = _renderer(engine)
    source: Any = Path(path)
    if kind == "bytes" or engine == "naive":
        source = Path(path).read_bytes()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    files = render(source)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                # Linux reports ru_maxrss in KiB.
                "peak_mb": round(peak / 1024, 1),
                "before_render_mb": round(baseline / 1024, 1),
                "vm_hwm_mb": _vm_hwm_mb(),  # the kernel's own figure, as a cross-check
                "seconds": round(seconds, 2),
                "renditions": len(files),
            }
        )
    )


def _vm_hwm_mb() -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _memory(workdir: Path) -> dict[str, Any]:
    paths = {}
    for label, (fmt, width, height) in MEMORY_INPUTS.items():
        if any(case[1] == label for case in MEMORY_CASES):
            paths[label] = workdir / f"{label}.{fmt}"
            large_image(fmt, width, height, paths[label])
    results: dict[str, Any] = {}
    for engine, label, kind in MEMORY_CASES:
        fmt, width, height = MEMORY_INPUTS[label]
        entry = _peak_rss(engine, paths[label], kind)
        size = paths[label].stat().st_size / 1e6
        entry["input"] = f"{width}x{height} {fmt.upper()}, {size:.1f} MB"
        results[f"{engine}/{label}/{kind}"] = entry
    return results


def _versions() -> dict[str, Any]:
    import PIL

    from gallery.renditions.decoders import configured_pyvips

    vips = configured_pyvips()
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "pillow": PIL.__version__,
        "libvips": f"{vips.version(0)}.{vips.version(1)}.{vips.version(2)}",
        "pyvips": vips.__version__,
    }


def run(results_dir: Path) -> dict[str, Any]:
    from gallery.renditions.decoders import configured_pyvips

    vips = configured_pyvips()
    source = photo_jpeg(*THROUGHPUT_SIZE)
    with tempfile.TemporaryDirectory(prefix="lumina-bench-") as workdir:
        memory = _memory(Path(workdir))
    threads = vips.concurrency_get()
    vips.concurrency_set(1)  # per core: one libvips worker thread, like Pillow
    try:
        throughput = _throughput(source)
        sweep = _effort_sweep(source)
        avif = _avif(source)
        checks = _upload_checks(source)
    finally:
        vips.concurrency_set(threads)

    ratio = throughput["naive"]["ms_per_set"] / throughput["vips"]["ms_per_set"]
    best_ratio = throughput["naive"]["best_ms"] / throughput["vips"]["best_ms"]
    peak_100 = max(
        entry["peak_mb"] for key, entry in memory.items() if key.startswith("vips/100mp/")
    )
    summary = [
        f"12 MP JPEG -> thumb-400 + preview-1600 (WebP + progressive JPEG), one core, "
        f"median of {ROUNDS}:",
        *(
            f"  {name:7} {row['ms_per_set']:7.1f} ms/set  {row['sets_per_second_per_core']:5.2f} "
            f"sets/s/core  {row['set_bytes'] / 1000:6.0f} KB"
            for name, row in throughput.items()
        ),
        f"  ratio vips/naive: {ratio:.2f}x on medians, {best_ratio:.2f}x on best runs "
        f"(target >= {TARGET_RATIO}x)",
        "WebP effort (1600 + 400): "
        + ", ".join(
            f"{row['effort']}: {row['ms_1600_plus_400']:.0f} ms {row['bytes_1600'] / 1000:.0f} KB"
            for row in sweep
        ),
        f"AVIF thumb + preview: {avif['ms_thumb_plus_preview']:.0f} ms",
        "upload checks: "
        + ", ".join(f"{key.removesuffix('_ms')} {value:.1f} ms" for key, value in checks.items()),
        "peak RSS, fresh process per case (after imports -> peak):",
        *(
            f"  {key:20} {entry['before_render_mb']:4.0f} -> {entry['peak_mb']:4.0f} MB "
            f"({entry['input']}, {entry['seconds']:.2f} s)"
            for key, entry in memory.items()
        ),
        f"  vips at 100 MP: {peak_100:.0f} MB (target < {TARGET_PEAK_MB_100MP} MB)",
    ]
    return {
        "summary": summary,
        "machine": _versions(),
        "input": f"{THROUGHPUT_SIZE[0]}x{THROUGHPUT_SIZE[1]} JPEG, {len(source) / 1e6:.1f} MB",
        "throughput": throughput,
        "ratio_vips_over_naive": round(ratio, 2),
        "ratio_vips_over_naive_best": round(best_ratio, 2),
        "ratio_target": TARGET_RATIO,
        "ratio_met": ratio >= TARGET_RATIO,
        "webp_effort_sweep": sweep,
        "avif": avif,
        "upload_checks": checks,
        "peak_rss": memory,
        "peak_rss_vips_100mp_mb": peak_100,
        "peak_rss_target_mb": TARGET_PEAK_MB_100MP,
        "peak_rss_met": peak_100 < TARGET_PEAK_MB_100MP,
    }


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--peak-rss":
        _child_peak_rss(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: python -m bench renditions")
