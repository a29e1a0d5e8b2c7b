"""The share-link password form in real Chromium: the share pages keep their URL (which
holds the token) from other sites, yet the browser's Origin on the password POST stays
the site's own, so Django's CSRF origin check accepts it."""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from albums import services as album_services
from albums.models import AccessKind, ShareAccess
from tests.factories import AlbumFactory, ShareLinkFactory, UserFactory, actor_of, upload
from tests.helpers import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        type(self).seen.append({"path": self.path, **headers})
        body = b"<!doctype html><title>elsewhere</title><p>elsewhere</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def other_site() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Another origin (its own port) that records the headers of what reaches it."""
    seen: list[dict[str, str]] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def _shared_album(password: str) -> tuple[Any, str]:
    owner = UserFactory(email="rani@example.com")
    actor = actor_of(owner)
    album = AlbumFactory(actor=actor, title="Lombok trip")
    photo = upload(actor.membership, seed=3, title="Beach at dawn")
    album_services.album_items_add(actor=actor, album=album, assets=[photo])
    link = ShareLinkFactory(actor=actor, album=album, password=password)
    return link, link.token


def test_share_password_form_wrong_then_right(new_page, media, other_site, settings):
    url, seen = other_site
    # images from another origin allowed, as for a CDN or bucket (LUMINA_CSP_IMG_SRC)
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"] = [*policy["DIRECTIVES"]["img-src"], url]
    settings.CONTENT_SECURITY_POLICY = policy
    link, token = _shared_album("island breeze")
    page = new_page()
    page.goto(f"/s/{token}/")
    expect(page.locator("h1")).to_have_text("This link is protected")
    expect(page.locator("body")).not_to_contain_text("Lombok trip")

    # a wrong password: the form again, with the reason, and nothing shared
    page.fill("#share-password", "island breath")
    page.click("form button[type=submit]")
    expect(page.locator("p.error[role=alert]")).to_be_visible()
    expect(page.locator("h1")).to_have_text("This link is protected")
    expect(page.locator("body")).not_to_contain_text("Lombok trip")

    # the right one opens the album
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.fill("#share-password", "island breeze")
        page.click("form button[type=submit]")
    assert posted.value.status == 302
    # the browser sent the site's own origin, not "null"
    assert posted.value.request.header_value("origin") == page.evaluate("location.origin")
    expect(page.locator("h1")).to_have_text("Lombok trip")
    expect(page.locator(".al-public")).to_contain_text("1 image")
    assert ShareAccess.objects.filter(link=link, what=AccessKind.PASSWORD_FAILED).count() == 1
    assert ShareAccess.objects.filter(link=link, what=AccessKind.VIEW).count() == 1

    # an image from another site: that site learns nothing of the page (no Referer at all)
    page.evaluate(
        """(url) => new Promise((done) => {
             const img = new Image();
             img.onload = img.onerror = done;
             img.src = url + '/pixel.png';
             document.body.append(img);
           })""",
        url,
    )
    pixel = [request for request in seen if request["path"] == "/pixel.png"]
    assert len(pixel) == 1
    assert "referer" not in pixel[0]
    # nor does a site the visitor goes on to
    page.evaluate(
        """(url) => { const a = document.createElement('a'); a.href = url + '/landing';
                      document.body.append(a); a.click(); }""",
        url,
    )
    page.wait_for_url(re.compile(r"/landing$"))
    landing = [request for request in seen if request["path"] == "/landing"]
    assert len(landing) == 1
    assert "referer" not in landing[0]
