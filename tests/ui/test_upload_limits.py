"""The web uploader under the upload rate limit and a flaky network, in real Chromium: a
429 makes files wait for the server's Retry-After and then go on by themselves (never
"failed"); a lost connection or a 5xx is tried again after a pause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from gallery.models import Asset
from tests.factories import UserFactory
from tests.ui.photos import photo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

DONE = ".upload-item[data-state=done]"
FAILED = ".upload-item[data-state=failed]"
BUSY = ".upload-item:is([data-state=queued], [data-state=uploading], [data-state=waiting])"

# Every state an upload row passes through, and the texts shown while waiting: the
# waits last about a second, too short to catch by polling the page.
WATCH_STATES = """() => {
  window.__states = new Set();
  window.__waitTexts = [];
  window.__summaries = [];
  const panel = document.getElementById('upload-panel');
  new MutationObserver((records) => {
    for (const r of records) {
      const item = r.target.closest && r.target.closest('.upload-item');
      if (item) {
        window.__states.add(item.dataset.state);
        if (item.dataset.state === 'waiting') {
          window.__waitTexts.push(item.querySelector('.msg').textContent);
        }
      }
    }
    window.__summaries.push(panel.querySelector('.summary').textContent);
  }).observe(panel, {
    subtree: true, attributes: true, attributeFilter: ['data-state'], childList: true,
    characterData: true,
  });
}"""


def _folder(root: Path, count: int) -> Path:
    folder = root / "holiday"
    folder.mkdir()
    for i in range(count):
        (folder / f"IMG_{i:04d}.jpg").write_bytes(photo(96, 64, seed=100 + i))
    return folder


def _settled(page: Any, count: int) -> None:
    """Every file has come to an end (done or failed); all of them uploaded."""
    expect(page.locator(".upload-item")).to_have_count(count)
    expect(page.locator(BUSY)).to_have_count(0, timeout=120_000)
    expect(page.locator(FAILED)).to_have_count(0)
    expect(page.locator(DONE)).to_have_count(count)


def _seen(page: Any) -> tuple[set[str], list[str], list[str]]:
    return (
        set(page.evaluate("Array.from(window.__states)")),
        page.evaluate("window.__waitTexts"),
        page.evaluate("window.__summaries"),
    )


def test_a_folder_under_a_tight_upload_limit_ends_all_uploaded(new_page, media, tmp_path, settings):
    # Two uploads a second: the three parallel uploads meet the limit at once and again
    # in every window, so the run is about 15 s for 30 files, whatever the machine.
    settings.LUMINA_RATE_LIMITS = {**settings.LUMINA_RATE_LIMITS, "upload": "2/s"}
    cache.clear()
    user = UserFactory(email="putri@example.com")
    folder = _folder(tmp_path, 30)
    page = new_page(user=user)
    refused: list[str] = []
    page.on(
        "response",
        lambda r: refused.append(r.headers.get("retry-after", "")) if r.status == 429 else None,
    )
    page.goto("/upload/")
    page.evaluate(WATCH_STATES)

    page.set_input_files("#folder", str(folder))
    _settled(page, 30)
    expect(page.locator("#upload-panel .summary")).to_contain_text("Uploads finished")
    expect(page.locator("#upload-panel .summary")).to_contain_text("30 of 30 done")

    # the server did refuse some, with Retry-After; the files waited instead of failing
    assert refused, "the limit was never reached"
    assert all(value.isdigit() for value in refused)
    states, wait_texts, summaries = _seen(page)
    assert "waiting" in states
    assert "failed" not in states
    assert any("Waiting: too many uploads at once. Resuming in" in text for text in wait_texts), (
        wait_texts
    )
    assert any("Paused for" in text for text in summaries), summaries
    assert Asset.objects.filter(owner=user).count() == 30
    assert sorted(Asset.objects.filter(owner=user).values_list("original_filename", flat=True)) == [
        f"IMG_{i:04d}.jpg" for i in range(30)
    ]
    assert page.js_errors == []


def test_lost_connections_and_server_errors_are_tried_again(new_page, media, tmp_path):
    user = UserFactory(email="wulan@example.com")
    folder = _folder(tmp_path, 4)
    page = new_page(user=user)
    # The network as it sometimes is: the first try of each file fails, two by a dropped
    # connection, two by a gateway that answers 502/503 (one with Retry-After).
    tries: dict[str, int] = {}

    def flaky(route: Any) -> None:
        request = route.request
        if request.method != "POST":
            route.continue_()
            return
        key = request.header_value("idempotency-key") or ""
        tries[key] = tries.get(key, 0) + 1
        n = len(tries)
        if tries[key] > 1:
            route.continue_()
        elif n <= 2:
            route.abort("connectionreset")
        elif n == 3:
            route.fulfill(status=502, body="Bad gateway", content_type="text/plain")
        else:
            route.fulfill(status=503, body="", headers={"Retry-After": "1"})

    page.route("**/api/v1/assets/", flaky)
    page.goto("/upload/")
    page.evaluate(WATCH_STATES)
    page.set_input_files("#folder", str(folder))
    _settled(page, 4)
    states, wait_texts, _ = _seen(page)
    assert "waiting" in states
    assert "failed" not in states
    assert any("Connection problem. Trying again in" in text for text in wait_texts), wait_texts
    assert sorted(tries.values()) == [2, 2, 2, 2]
    assert Asset.objects.filter(owner=user).count() == 4
