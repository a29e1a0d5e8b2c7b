"""Upload-to-ready latency through a real Celery worker.

Uploads 50 distinct 12 MP JPEGs one at a time through the upload service (a real commit,
the task queued on commit, a `celery worker` process on the filesystem broker) and
measures the time from the start of the upload call until the asset is ready.
Runs against its own embedded PostgreSQL database (``lumina_bench``) under
``var/bench``, so it leaves the development data alone.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUNT = int(os.environ.get("BENCH_UPLOADS", "50"))


def _photo(seed: int) -> bytes:
    from PIL import Image, ImageChops

    size = (4000, 3000)
    # Gradients plus noise: encoders and decoders do real work, as on a photo.
    noise = Image.effect_noise(size, 30 + seed % 17)
    gradient = Image.linear_gradient("L").resize(size)
    red = ImageChops.add(gradient, noise, scale=2.0, offset=seed % 64)
    green = noise.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    blue = gradient.transpose(Image.Transpose.ROTATE_180)
    out = io.BytesIO()
    Image.merge("RGB", (red, green, blue)).save(out, "JPEG", quality=90)
    return out.getvalue()


def run(results_dir: Path) -> dict[str, Any]:
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    os.environ["LUMINA_VAR_DIR"] = str(var)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lumina.settings.local"
    os.environ.pop("REDIS_URL", None)
    from lumina.core.embedded import start_postgres

    server = start_postgres("lumina_bench")
    os.environ["DATABASE_URL"] = server.url("lumina_bench")
    os.environ["LUMINA_MEDIA_ROOT"] = str(var / "media")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import Membership, User
    from accounts.services import user_create
    from gallery import services
    from gallery.models import Asset, Status

    user = User.objects.filter(email="bench@example.com").first() or user_create(
        email="bench@example.com", password=None
    )
    membership = Membership.objects.select_related("tenant", "user").get(
        user=user, tenant__personal=True
    )
    membership.tenant.quota_bytes = 0
    membership.tenant.save()
    # A clean slate: earlier runs' assets would make every upload a duplicate.
    Asset.objects.filter(tenant=membership.tenant).delete()

    log = open(var / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lumina",
            "worker",
            "--concurrency",
            "2",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    latencies: list[float] = []
    try:
        time.sleep(3)  # let the worker connect
        photos = [_photo(seed) for seed in range(COUNT)]
        for index, data in enumerate(photos):
            started = time.perf_counter()
            asset, _ = services.asset_upload(
                membership=membership, fileobj=io.BytesIO(data), filename=f"IMG_{index:04}.JPG"
            )
            deadline = started + 120
            while time.perf_counter() < deadline:
                status = Asset.objects.filter(pk=asset.pk).values_list("status", flat=True).first()
                if status in (Status.READY, Status.FAILED):
                    break
                time.sleep(0.01)
            if status != Status.READY:
                raise RuntimeError(f"asset {asset.pk} ended {status}")
            latencies.append(time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
        server.stop()
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    result = {
        "uploads": len(latencies),
        "input": "4000x3000 JPEG (12 MP), quality 90",
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }
    print(
        f"upload-to-ready over {result['uploads']} uploads of 12 MP JPEGs: "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms"
    )
    return result
