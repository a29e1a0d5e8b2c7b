"""The share-link password throttle counts atomically, before the password is checked
(pen-test finding M3): forty visitors guessing at once, each in their own session, get
at most the limit of guesses evaluated; the rest are refused with 429. Real server,
real HTTP clients in threads, production's PBKDF2 hasher (the slow step the race used)."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from albums.models import AccessKind, ShareAccess
from albums.sharing import services as sharing_services
from tests.factories import Team
from tests.helpers import free_port

pytestmark = pytest.mark.django_db(transaction=True)
GUESSERS = 40


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:  # the test reads statuses, not logs
        pass


class Server(ThreadedWSGIServer):
    # Django's live server listens with a backlog of 5, which resets most of forty
    # simultaneous connections before they reach the application.
    request_queue_size = 128


@pytest.fixture
def server() -> Iterator[str]:
    port = free_port()
    httpd = Server(("127.0.0.1", port), QuietHandler, allow_reuse_address=True)
    httpd.set_app(WSGIHandler())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def guess(base: str, token: str, password: str, start: threading.Barrier) -> int:
    """One visitor: open the link (a session and its CSRF token), then post a guess."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    url = f"{base}/s/{token}/"
    with opener.open(url, timeout=60) as page:  # our own test server
        html = page.read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert csrf, html[:500]
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf.group(1), "password": password}
    ).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    start.wait(timeout=60)
    try:
        with opener.open(request, timeout=60) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_parallel_wrong_guesses_are_counted_before_they_are_checked(media, server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.LUMINA_SHARE_PASSWORD_ATTEMPTS = 5
    team = Team()
    album = team.album("Private party")
    link, token = sharing_services.share_link_create(
        actor=team.actor(), album=album, password="right"
    )
    start = threading.Barrier(GUESSERS)
    statuses: list[int] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        status = guess(server, token, f"wrong {n}", start)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(GUESSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(statuses) == GUESSERS
    evaluated = [s for s in statuses if s != 429]
    assert len(evaluated) <= 5, sorted(statuses)
    assert set(evaluated) <= {401}
    assert statuses.count(429) >= GUESSERS - 5
    failed = ShareAccess.objects.filter(link=link, what=AccessKind.PASSWORD_FAILED).count()
    assert failed <= 5
