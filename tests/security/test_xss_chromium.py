"""User text is inert in a real browser: payloads in titles, descriptions, tags, file
names, display names and workspace names never run, on the pages that show them.
Checked in Chromium (headless) against the live server, with the CSP in force."""

from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import Client

from accounts import services as account_services
from accounts.models import Role
from tests import images
from tests.factories import TenantFactory, UserFactory, add_member

PAYLOADS = [
    "<img src=x onerror=window.__xss=1>",
    '"><svg onload=window.__xss=2>',
    "</script><script>window.__xss=3</script>",
    "'-alert(window.__xss=4)-'",
    "{{7*7}}<style>body{display:none}</style>",
]

pytestmark = pytest.mark.slow


@contextmanager
def chromium_context(browser):  # type: ignore[no-untyped-def]
    """A fresh context in the run's shared Chromium (tests/conftest.py)."""
    context = browser.new_context()
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def eager_celery():
    """Processing runs in-process here, whatever an earlier test did to the Celery app."""
    from kombu import pools

    from lumina.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    # Eager tasks still take a producer; a test that pointed the app at a real broker may
    # have closed the pools it leaves behind.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.task_always_eager = saved


def test_payloads_do_not_run_in_chromium(
    chromium, live_server, transactional_db, eager_celery, tmp_path
):
    from django.test import override_settings

    from gallery import services as gallery_services

    with override_settings(MEDIA_ROOT=tmp_path):
        user = UserFactory(display_name=PAYLOADS[1])
        tenant = TenantFactory(name=PAYLOADS[2])
        add_member(tenant, user, Role.OWNER)
        other = UserFactory(display_name=PAYLOADS[0])
        add_member(tenant, other, Role.VIEWER)
        membership = tenant.memberships.get(user=user)
        asset_ids = []
        for n, payload in enumerate(PAYLOADS):
            asset, _ = gallery_services.asset_upload(
                membership=membership,
                fileobj=io.BytesIO(images.jpeg(seed=20 + n)),
                filename=f"{payload}.jpg",
                title=payload,
                description=payload,
                tags=[payload[:40]],
                visibility="tenant",
            )
            asset_ids.append(asset.pk)
        account_services.api_token_create(user=user, tenant=tenant, name=PAYLOADS[0])

        client = Client()
        client.force_login(user)
        client.post("/workspaces/switch/", {"tenant": tenant.pk})
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        host = live_server.url.split("//", 1)[1].split(":")[0]
        with chromium_context(chromium) as browser_page:
            check_pages(browser_page, live_server.url, host, cookie, asset_ids)


def check_pages(browser_page, base, host, cookie, asset_ids):
    browser_page.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "domain": host, "path": "/"}]
    )
    page = browser_page.new_page()
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    paths = [
        "/",
        "/workspaces/members/",
        "/security/tokens/",
        "/security/audit/",
        f"/assets/{asset_ids[0]}/",
        f"/assets/{asset_ids[2]}/",
        "/api/v1/assets/?format=api",
    ]
    for path in paths:
        response = page.goto(base + path)
        assert response is not None, path
        assert response.status == 200, path
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", path
        assert page.evaluate("document.body && getComputedStyle(document.body).display") != "none"
    # the payload text itself is on the page, as text
    page.goto(base + f"/assets/{asset_ids[0]}/")
    assert PAYLOADS[0] in page.inner_text("body")
    # and the CSP would stop an injected inline script even if one got through
    page.goto(base + "/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__xss = 99'; document.body.appendChild(s); }"
    )
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert any("Content Security" in v for v in violations)
