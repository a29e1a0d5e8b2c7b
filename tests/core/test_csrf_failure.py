"""The page (or JSON) a form refused by Django's CSRF check gets, through the real
middleware; and the documented rate-limit defaults are the settings' defaults. The
browser side is in tests/ui/test_forms.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from lumina.urls import handler404, handler500  # noqa: F401 (looked up by Django)
from lumina.urls import urlpatterns as base_patterns

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def plain_api_view(request: HttpRequest) -> HttpResponse:
    """An API path served by a plain Django view (not DRF, which is CSRF-exempt)."""
    return HttpResponse("written")


urlpatterns = [path("api/v1/test/plain/", plain_api_view), *base_patterns]


def test_api_paths_refused_by_the_middleware_get_the_envelope(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(enforce_csrf_checks=True).post("/api/v1/test/plain/", {"x": "1"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "csrf_failed"
    assert error["details"] == {"reason": "CSRF cookie not set."}


def test_the_page_explains_and_links_back_to_the_form_on_this_site_only():
    client = Client(enforce_csrf_checks=True)
    # from a page of this site: back to that page, query included
    refused = client.post(
        "/workspaces/switch/", {"tenant": "1"}, HTTP_REFERER="http://testserver/upload/?tags=x"
    )
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "This form has expired" in html
    assert "Allow cookies for this site" in html  # no cookie was sent
    assert 'href="/upload/?tags=x" id="csrf-reload"' in html
    assert "CSRF verification failed" not in html
    assert refused["Referrer-Policy"] == "same-origin"
    assert refused["Cache-Control"] == "no-store"

    # from elsewhere (or no Referer): the address posted to, never the other site
    for referer in ("https://evil.example/upload/", ""):
        refused = client.post("/accounts/login/", {"login": "x"}, HTTP_REFERER=referer)
        assert refused.status_code == 403
        html = refused.content.decode()
        assert 'href="/accounts/login/" id="csrf-reload"' in html
        assert "evil.example" not in html


def test_a_stale_token_is_explained_as_an_old_page():
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    refused = client.post("/accounts/login/", {"csrfmiddlewaretoken": "b" * 32})
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "after signing in or out in another tab" in html
    assert "Allow cookies for this site" not in html


def _default_limits() -> dict[str, str]:
    """LUMINA_RATE_LIMITS as written in base.py (the environment can change the live one)."""
    tree = ast.parse((ROOT / "lumina" / "settings" / "base.py").read_text())
    for node in tree.body:
        name = getattr(node.targets[0], "id", "") if isinstance(node, ast.Assign) else ""
        if name == "LUMINA_RATE_LIMITS":
            assert isinstance(node.value, ast.Dict)
            return {
                ast.literal_eval(k): ast.literal_eval(v)
                for k, v in zip(node.value.keys, node.value.values, strict=True)
                if k is not None
            }
    raise AssertionError("LUMINA_RATE_LIMITS is not in base.py")


def test_documented_rate_limit_defaults_are_the_defaults():
    defaults = _default_limits()
    # room for a person's folder of 1,000 photos from the web page (docs/user-guide.md)
    assert defaults["upload"] == "600/m"
    readme = (ROOT / "README.md").read_text()
    row = re.search(r"^\| `LUMINA_RATE_LIMITS` \| `([^`]+)`", readme, flags=re.M)
    assert row is not None
    assert row.group(1) == ",".join(f"{group}={rate}" for group, rate in defaults.items())
    security = (ROOT / "docs" / "security.md").read_text()
    for group, rate in defaults.items():
        assert f"`{group}` {rate}" in security, group
