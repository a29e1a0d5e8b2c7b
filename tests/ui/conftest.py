"""Browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's
live server. One browser for the whole session; each test opens its own context."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.gallery_web.translations import ensure_compiled

# Playwright's sync API keeps an event loop in this thread; the tests still call the
# ORM synchronously between browser steps, which is safe here (one thread, no awaits).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
# `make screenshots` writes the user guide's pictures into docs/screenshots; a plain test
# run keeps its pictures under var/ so that it leaves the tracked tree untouched.
SCREENSHOTS = Path(os.environ.get("LUMINA_SCREENSHOTS_DIR") or ROOT / "var" / "screenshots")


# Before any test activates French or Indonesian (catalogues are cached per process).
ensure_compiled()


@pytest.fixture
def new_page(chromium, live_server) -> Iterator[Callable[..., Any]]:  # type: ignore[no-untyped-def]
    """new_page(width=1280, height=800, user=None) -> a page on the live server; with a
    user, already signed in (a session cookie made by Django's test client)."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 800, user: Any = None, **options: Any) -> Any:
        context = chromium.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            locale="en-GB",
            **options,
        )
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": cookie.value,
                        "url": live_server.url,
                    }
                ]
            )
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # CSP: no inline script, handler or style may be refused anywhere.
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        page.js_errors = errors  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str, **options: Any) -> Path:
    """Save a screenshot (for the user guide with `make screenshots`)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    options.setdefault("animations", "disabled")  # fades finished: the same picture each run
    page.screenshot(path=str(path), **options)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
