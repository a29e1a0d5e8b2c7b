"""The gallery page at 10,000 assets: server time and queries, bytes sent, and Largest
Contentful Paint in Chromium.

    python -m bench gallery_page          # BENCH_GALLERY_ASSETS=10000 by default

* A workspace of ``BENCH_GALLERY_ASSETS`` ready assets in its own embedded PostgreSQL
  database (``lumina_bench_gallery`` under ``var/bench``): twelve real photos uploaded and
  processed, the rest rows that share their files (kept between runs when the count
  matches, so a second run skips the seeding).
* Server: the first page (``GET /``, 50 tiles) through Django's test client, signed in,
  median and 95th percentile of 30 requests after a warm-up; the number of SQL queries
  at 20, 50 and 100 tiles a page (it must not change with the page size).
* Bytes: the page's HTML and the CSS and JS it loads, raw and gzip-compressed (level 6,
  what a proxy or whitenoise sends).
* LCP: Chromium (headless, /usr/bin/chromium) loads the page from gunicorn on
  127.0.0.1 (2 workers x 4 threads; whitenoise serves the static files from the source
  folders, uncompressed) five times with a cold cache; median Largest Contentful Paint
  and First Contentful Paint from the browser's own performance entries.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUNT = int(os.environ.get("BENCH_GALLERY_ASSETS", "10000"))
REAL = 12
SERVER_RUNS = 30
LCP_RUNS = 5


def _photo(seed: int, size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageDraw

    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    pen = ImageDraw.Draw(image)
    colours = [(240, 120, 60), (60, 140, 220), (90, 180, 120), (200, 80, 160)]
    for i in range(8):
        x, y = (seed * 97 + i * 131) % width, (seed * 53 + i * 71) % height
        pen.ellipse([x, y, x + width // 4, y + height // 4], fill=colours[(seed + i) % 4])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _setup() -> None:
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    os.environ["LUMINA_VAR_DIR"] = str(var)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lumina.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"  # no query log, no debug pages: as deployed
    os.environ.pop("REDIS_URL", None)
    os.environ["LUMINA_MEDIA_ROOT"] = str(var / "gallery-media")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["LUMINA_STATIC_ROOT"] = str(var / "static")
    os.environ.setdefault("LUMINA_LOG_LEVEL", "WARNING")
    (var / "static").mkdir(exist_ok=True)
    from lumina.core.embedded import start_postgres

    server = start_postgres("lumina_bench_gallery")
    os.environ["DATABASE_URL"] = server.url("lumina_bench_gallery")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(count: int) -> Any:
    """The bench user's membership, with ``count`` ready assets in its workspace."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Membership, User
    from accounts.services import user_create
    from gallery import services
    from gallery.models import Asset, Rendition, Status

    email = "bench-gallery@example.com"
    user = User.objects.filter(email=email).first() or user_create(email=email, password=None)
    membership = Membership.objects.select_related("tenant", "user").get(
        user=user, tenant__personal=True
    )
    membership.tenant.quota_bytes = 0
    membership.tenant.save()
    assets = Asset.objects.filter(tenant=membership.tenant)
    if assets.filter(status=Status.READY, deleted_at__isnull=True).count() == count:
        return membership
    assets.delete()

    shapes = [(1600, 1067), (1067, 1600), (1400, 1400), (2000, 900)]
    real = []
    for seed in range(REAL):
        asset, __ = services.asset_upload(
            membership=membership,
            fileobj=io.BytesIO(_photo(seed, shapes[seed % len(shapes)])),
            filename=f"real-{seed}.jpg",
        )
        processed = services.asset_process(asset_id=asset.pk)  # no worker here: inline
        assert processed is not None
        assert processed.status == Status.READY
        real.append(Asset.objects.prefetch_related("renditions").get(pk=asset.pk))

    now = timezone.now()
    copies = []
    for i in range(count - REAL):
        source = real[i % REAL]
        copies.append(
            Asset(
                tenant=membership.tenant,
                owner=user,
                original=source.original,
                original_filename=f"copy-{i}.jpg",
                sha256=f"{i:064x}",
                format=source.format,
                mime=source.mime,
                bytes=source.bytes,
                width=source.width,
                height=source.height,
                status=Status.READY,
                placeholder=source.placeholder,
                created_at=now - timedelta(minutes=i + 1),
            )
        )
    created = Asset.objects.bulk_create(copies, batch_size=2000)
    renditions = []
    for i, asset in enumerate(created):
        for r in real[i % REAL].renditions.all():
            renditions.append(
                Rendition(
                    asset=asset,
                    spec=r.spec,
                    format=r.format,
                    file=r.file,
                    width=r.width,
                    height=r.height,
                    bytes=r.bytes,
                )
            )
    Rendition.objects.bulk_create(renditions, batch_size=5000)
    # The real ones are the newest: they open the first page.
    Asset.objects.filter(pk__in=[a.pk for a in real]).update(created_at=now)
    return membership


def _server(membership: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(membership.user)
    for __ in range(3):
        assert client.get("/").status_code == 200
    times = []
    for __ in range(SERVER_RUNS):
        started = time.perf_counter()
        response = client.get("/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    queries = {}
    for size in (20, 50, 100):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/?page_size={size}")
        assert page.content.count(b'<li class="tile"') == size
        queries[size] = len(captured)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "queries_by_page_size": queries,
        "queries_constant": len(set(queries.values())) == 1,
        "html": response.content,
        "session": client.cookies,
    }


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def _bytes(html: bytes) -> dict[str, Any]:
    from django.contrib.staticfiles import finders

    text = html.decode()
    assets = re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', text)
    assets += re.findall(r'<script src="/static/([^"]+)"', text)
    files = {}
    for name in assets:
        path = finders.find(name)
        assert path, name
        data = Path(str(path)).read_bytes()
        files[name] = {"raw": len(data), "gzip": _gz(data)}
    css_js_gzip = sum(f["gzip"] for f in files.values())
    return {
        "html_raw": len(html),
        "html_gzip": _gz(html),
        "files": files,
        "css_js_raw": sum(f["raw"] for f in files.values()),
        "css_js_gzip": css_js_gzip,
        "css_js_under_60kb": css_js_gzip < 60 * 1024,
    }


@contextmanager
def _web_server() -> Iterator[str]:
    """gunicorn (2 workers x 4 threads, as a small deployment) on a free local port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench._gallery_settings"}
    log = open(ROOT / "var" / "bench" / "gallery-gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "lumina.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--worker-class", "gthread"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("gunicorn did not start; see var/bench/gallery-gunicorn.log")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _lcp(session_cookies: Any) -> dict[str, Any]:
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    cookie = session_cookies[settings.SESSION_COOKIE_NAME].value
    lcps, fcps, transferred, html_done, dom_ready = [], [], [], [], []
    elements: list[str] = []
    with _web_server() as base, sync_playwright() as playwright:
        # A running server is warm: every worker has answered a few requests.
        warm = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 server
            f"{base}/", headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}
        )
        for __ in range(8):
            with urllib.request.urlopen(warm, timeout=30) as answer:  # noqa: S310
                answer.read()
        browser = launch(playwright)
        for __ in range(LCP_RUNS):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
            )
            page = context.new_page()
            page.goto(f"{base}/", wait_until="load")
            page.wait_for_timeout(500)  # let the last candidate be reported
            entry, element = page.evaluate(
                """() => new Promise(resolve => {
                    new PerformanceObserver(list => {
                        const all = list.getEntries();
                        const last = all[all.length - 1];
                        const node = last.element;
                        resolve([last.startTime, node ? node.tagName.toLowerCase() +
                            (node.className ? '.' + node.className : '') : '']);
                    }).observe({type: 'largest-contentful-paint', buffered: true});
                })"""
            )
            elements.append(element)
            nav = page.evaluate(
                """() => { const n = performance.getEntriesByType('navigation')[0];
                    return [n.responseEnd, n.domContentLoadedEventEnd]; }"""
            )
            html_done.append(float(nav[0]))
            dom_ready.append(float(nav[1]))
            fcp = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0].startTime"
            )
            size = page.evaluate(
                """() => performance.getEntriesByType('navigation')[0].transferSize +
                    performance.getEntriesByType('resource')
                        .reduce((total, r) => total + r.transferSize, 0)"""
            )
            lcps.append(float(entry))
            fcps.append(float(fcp))
            transferred.append(int(size))
            context.close()
        browser.close()
    return {
        "lcp_ms_median": round(statistics.median(lcps), 1),
        "lcp_ms_runs": [round(v, 1) for v in lcps],
        "fcp_ms_median": round(statistics.median(fcps), 1),
        "html_received_ms_median": round(statistics.median(html_done), 1),
        "dom_content_loaded_ms_median": round(statistics.median(dom_ready), 1),
        "lcp_elements": elements,
        "transferred_bytes_median": int(statistics.median(transferred)),
    }


def run(results_dir: Path) -> dict[str, Any]:
    _setup()
    from django.test.utils import override_settings

    # Static files from the source folders (no collectstatic step, unhashed names).
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**_storages(), "staticfiles": plain}):
        return _run()


def _storages() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.STORAGES)


def _run() -> dict[str, Any]:
    started = time.perf_counter()
    membership = _seed(COUNT)
    seeded = round(time.perf_counter() - started, 1)
    server = _server(membership)
    html = server.pop("html")
    session = server.pop("session")
    sizes = _bytes(html)
    browser = _lcp(session)
    summary = [
        f"first page at {COUNT:,} assets: {server['median_ms']} ms median, "
        f"{server['p95_ms']} ms p95 (server, 50 tiles)",
        f"queries by page size {server['queries_by_page_size']} "
        f"(constant: {server['queries_constant']})",
        f"HTML {sizes['html_raw']:,} B ({sizes['html_gzip']:,} B gzip); CSS+JS "
        f"{sizes['css_js_raw']:,} B ({sizes['css_js_gzip']:,} B gzip)",
        f"LCP {browser['lcp_ms_median']} ms median in Chromium on localhost "
        f"(FCP {browser['fcp_ms_median']} ms; {browser['transferred_bytes_median']:,} B "
        "transferred)",
    ]
    return {
        "assets": COUNT,
        "seed_s": seeded,
        "server": server,
        "bytes": sizes,
        "browser": browser,
        "summary": summary,
    }
