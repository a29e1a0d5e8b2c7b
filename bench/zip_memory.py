"""Memory of a streamed album ZIP: flat, whatever the size of the album.

    python -m bench zip_memory

A fresh process (so that nothing else sits in its memory) starts its own embedded
PostgreSQL in a temporary folder, makes an album of ``BENCH_ZIP_COUNT`` originals of
``BENCH_ZIP_MIB`` MiB each (a real JPEG with EXIF and GPS, then a sparse tail: the disk
holds almost nothing, the reader still reads every byte) and downloads it through a
share link, twice: originals as they are, and with the metadata stripped. The RSS is
sampled after every chunk the response hands over and compared with the RSS before the
download started. Nothing under var/ is touched.
"""

from __future__ import annotations

import gc
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUNT = int(os.environ.get("BENCH_ZIP_COUNT", "200"))
SIZE_MIB = int(os.environ.get("BENCH_ZIP_MIB", "4"))
MIB = 1024 * 1024


def _jpeg(seed: int) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS R5"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 30.0), "E", (2.0, 17.0, 40.0)
    image = Image.new("RGB", (640, 480), ((seed * 37) % 256, (seed * 91) % 256, 120))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def prepare(*, count: int, size: int, media_root: Path) -> dict[str, Any]:
    """An album of ``count`` originals of ``size`` bytes and two share links to it."""
    import hashlib

    from accounts.models import Membership
    from accounts.services import user_create
    from albums import services
    from albums.selectors import Actor
    from albums.sharing import services as sharing_services
    from gallery import storage
    from gallery.models import Asset, Status

    user = user_create(email=f"zip-bench-{time.time_ns()}@example.com", password=None)
    membership = Membership.objects.select_related("tenant", "user").get(
        user=user, tenant__personal=True
    )
    actor = Actor(user=user, membership=membership)
    album = services.album_create(actor=actor, title="Bench album")
    assets = []
    for n in range(count):
        head = _jpeg(n)
        digest = hashlib.sha256(head + n.to_bytes(4, "big")).hexdigest()
        key = storage.original_key(tenant_id=membership.tenant_id, sha256=digest, fmt="jpeg")
        path = media_root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            handle.write(head)
            handle.truncate(size)  # a sparse tail after the end of the image
        # Rows made directly: processing 200 large images is not what is measured here.
        assets.append(
            Asset(
                tenant_id=membership.tenant_id,
                owner=user,
                original=key,
                original_filename=f"IMG_{n % 50:04}.JPG",  # duplicates, as in real life
                sha256=digest,
                format="jpeg",
                mime="image/jpeg",
                bytes=size,
                width=640,
                height=480,
                status=Status.READY,
            )
        )
    Asset.objects.bulk_create(assets)
    services.album_items_add(actor=actor, album=album, assets=assets)
    __, plain = sharing_services.share_link_create(actor=actor, album=album, strip_metadata=False)
    __, stripped = sharing_services.share_link_create(actor=actor, album=album, strip_metadata=True)
    return {"album_id": album.pk, "plain": plain, "stripped": stripped}


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def measure(url: str) -> dict[str, Any]:
    """Download ``url`` through Django's handler, reading it as a client would."""
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    gc.collect()
    before = _rss()
    peak = before
    total = chunks = 0
    tail = b""
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    for chunk in response.streaming_content:  # type: ignore[attr-defined]
        total += len(chunk)
        chunks += 1
        tail = (tail + chunk)[-64:]
        peak = max(peak, _rss())
    elapsed = time.perf_counter() - started  # reading to the end closed the response
    assert b"PK\x05\x06" in tail or b"PK\x06\x06" in tail, "the archive did not end"
    return {
        "archive_mib": round(total / MIB, 1),
        "chunks": chunks,
        "rss_before_mib": round(before / MIB, 1),
        "rss_peak_mib": round(peak / MIB, 1),
        "rss_growth_mib": round((peak - before) / MIB, 1),
        "seconds": round(elapsed, 2),
        "mib_per_second": round(total / MIB / elapsed, 1) if elapsed else None,
    }


def _child(work: Path, out: Path) -> None:
    os.environ["LUMINA_VAR_DIR"] = str(work / "var")
    os.environ["LUMINA_MEDIA_ROOT"] = str(work / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "lumina.settings.local"
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("LUMINA_LOG_LEVEL", "ERROR")
    from lumina.core.embedded import start_postgres

    server = start_postgres("lumina_zip_bench")
    try:
        os.environ["DATABASE_URL"] = server.url("lumina_zip_bench")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        made = prepare(count=COUNT, size=SIZE_MIB * MIB, media_root=work / "media")
        result = {
            "album": f"{COUNT} originals of {SIZE_MIB} MiB ({COUNT * SIZE_MIB} MiB)",
            "chunk_bytes": int(__import__("django.conf").conf.settings.LUMINA_ZIP_CHUNK_BYTES),
            "originals": measure(f"/s/{made['plain']}/zip/"),
            "stripped": measure(f"/s/{made['stripped']}/zip/"),
            "ru_maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        from django.db import connections

        connections.close_all()
    finally:
        server.stop()
    out.write_text(json.dumps(result))


def run(results_dir: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lumina-zip-bench-") as folder:
        work = Path(folder)
        out = work / "result.json"
        subprocess.run(
            [sys.executable, "-m", "bench.zip_memory", str(work), str(out)],
            cwd=ROOT,
            check=True,
            timeout=3600,
        )
        result: dict[str, Any] = json.loads(out.read_text())
    lines = [f"album: {result['album']}, read {result['chunk_bytes'] // 1024} KiB at a time"]
    for case in ("originals", "stripped"):
        figures = result[case]
        lines.append(
            f"{case}: {figures['archive_mib']} MiB ZIP in {figures['seconds']} s; RSS "
            f"{figures['rss_before_mib']} MiB before, {figures['rss_peak_mib']} MiB peak "
            f"(+{figures['rss_growth_mib']} MiB)"
        )
    result["summary"] = lines
    for line in lines:
        print(line)
    return result


if __name__ == "__main__":
    _child(Path(sys.argv[1]), Path(sys.argv[2]))
