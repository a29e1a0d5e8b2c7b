"""Swagger UI and ReDoc in a real Chromium: they render the operations from files the
app serves itself, under the nonce-based CSP, and nothing leaves 127.0.0.1."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _open(chromium: Any, live_server: Any, path: str) -> tuple[Any, Any, list[str], list[str]]:
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if msg.type == "error" or "Content Security Policy" in msg.text
            else None
        ),
    )

    def check(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", check)
    page.goto(path)
    return context, page, problems, outside


def test_swagger_ui_renders_every_operation_from_local_files(chromium, live_server):
    context, page, problems, outside = _open(chromium, live_server, "/api/v1/docs/")
    try:
        page.wait_for_selector(".opblock-summary-path")
        page.wait_for_load_state("networkidle")
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/v1/assets/" in [p.replace("\u200b", "") for p in paths]
        assert len(paths) >= 50
        assert not problems, "\n".join(problems)
        assert not outside
    finally:
        context.close()


def test_redoc_renders_the_operations_from_local_files(chromium, live_server):
    context, page, problems, outside = _open(chromium, live_server, "/api/v1/redoc/")
    try:
        page.wait_for_selector("h2:has-text('Assets, newest first')")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-section-id^='operation/']").count() >= 50
        assert not problems, "\n".join(problems)
        assert not outside
    finally:
        context.close()
