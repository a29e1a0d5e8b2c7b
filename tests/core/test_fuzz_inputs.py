"""Hostile input is the client's error, never a 500: a small corpus of the payloads an
outside penetration test used (issue 11, L1/L2) over every API operation and every web
page that takes input, against the app served by a real HTTP server.

Both lists are enumerated, not written down: the operations from the live OpenAPI
schema, the web pages from the URL resolver (with the field names of their forms and
of the ``request.POST`` / ``request.GET`` reads in their view's module). A new
endpoint or form is fuzzed without touching this file.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory
from tests.images import jpeg

pytestmark = pytest.mark.django_db(transaction=True)

# Text payloads, each sent as every field / parameter at once.
TEXT_PAYLOADS: list[bytes] = [
    b"\x00",
    b"abc\x00def",
    b"\xed\xa0\x80",  # a lone UTF-16 surrogate, UTF-8-encoded (not valid UTF-8)
    b"2030-02-30",
    b"2147483648",
    b"99999999999999999999999",
    b"-9223372036854775809",
    b"abc",
    b"1e400",
    base64.b64encode(b"p=2030-02-30 00:00:00"),  # a crafted DRF cursor
    base64.b64encode(b"o=99999999999999999999&p=\x00"),
    b"v1.9999999999999999999.abc",  # a crafted search cursor
]
# The web pages get the kinds that reached them in the penetration test (each is sent as
# GET and POST to some 40 pages, so the list stays short).
WEB_PAYLOADS: list[bytes] = [
    b"abc\x00def",
    b"\xed\xa0\x80",
    b"2030-02-30",
    b"2147483648",
    b"99999999999999999999999",
    b"abc",
    base64.b64encode(b"p=2030-02-30 00:00:00"),
]
DEEP = 100_000
BIG_INT = 2**63


def _json_values() -> list[Any]:
    return [
        "\x00",
        "\ud800",
        "2030-02-30",
        2147483648,
        BIG_INT,
        -(BIG_INT + 1),
        10**30,
        "abc",
        ["abc", "\x00"],
        {"a": "\ud800"},
    ]


# ---------------------------------------------------------------------------- API

FORM = "application/x-www-form-urlencoded"
BOUNDARY = "lumina-fuzz-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def _multipart(fields: list[str]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{fields[0]}"\r\n\r\n{n}\r\n'
        for n in ("0", "0.5") * 550
    ]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


def _schema_operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


def _body_properties(schema: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    content = (operation.get("requestBody") or {}).get("content") or {}
    names: set[str] = set()
    for media in content.values():
        ref = media.get("schema", {}).get("$ref", "")
        component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        names |= set(component.get("properties", {}))
    return sorted(names)


def _fill_path(path: str, ids: dict[str, int], value: Any = None) -> str:
    def sub(match: re.Match[str]) -> str:
        return str(value if value is not None else ids.get(match.group(1), 1))

    return re.sub(r"\{(\w+)\}", sub, path)


def _api_requests(
    schema: dict[str, Any], ids: dict[str, int]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    deep = ("[" * DEEP + "]" * DEEP).encode()
    for method, path, operation in _schema_operations(schema):
        url = _fill_path(path, ids)
        query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for payload in TEXT_PAYLOADS:
            if query:
                qs = "&".join(f"{name}={quote_from_bytes(payload)}" for name in query)
                yield method, f"{url}?{qs}", {}
        yield method, _fill_path(path, ids, BIG_INT), {}
        yield method, _fill_path(path, ids, 2147483648), {}
        if method in ("GET", "DELETE"):
            continue
        fields = _body_properties(schema, operation)
        for value in _json_values():
            body = json.dumps(dict.fromkeys(fields or ["x"], value))
            yield method, url, {"data": body.encode(), "content_type": "application/json"}
        yield method, url, {"data": deep, "content_type": "application/json"}
        yield method, url, {"data": b"{" * 5000, "content_type": "application/json"}
        big = b'{"x": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
        yield method, url, {"data": big, "content_type": "application/json"}
        # More fields than DATA_UPLOAD_MAX_NUMBER_FIELDS, as a form and as multipart.
        many = "&".join(f"{(fields or ['x'])[0]}={n}" for n in range(1100))
        yield method, url, {"data": many.encode(), "content_type": FORM}
        yield method, url, {"data": _multipart(fields or ["x"]), "content_type": MULTIPART}
        for payload in TEXT_PAYLOADS:
            form = "&".join(f"{name}={quote_from_bytes(payload)}" for name in fields or ["x"])
            yield (
                method,
                url,
                {"data": form.encode(), "content_type": "application/x-www-form-urlencoded"},
            )


# ---------------------------------------------------------------------------- web


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "textarea", "select", "button"):
            name = dict(attrs).get("name")
            if name and name != "csrfmiddlewaretoken":
                self.names.add(name)


_READS = re.compile(r"request\.(?:POST|GET)(?:\.get(?:list)?\(|\[)\s*[\"']([\w-]+)[\"']")


def _web_routes() -> Iterator[tuple[str, Any]]:
    def walk(patterns: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback

    skip = ("api/", "admin/", "static/", "media/", "i18n/", "healthz", "readyz", "accounts/logout/")
    for route, callback in walk(get_resolver().url_patterns):
        if route.startswith(skip) or route.startswith("^"):
            continue
        yield route, callback


def _fill_route(route: str, ids: dict[str, Any]) -> str:
    def sub(match: re.Match[str]) -> str:
        return str(ids.get(match.group(2), "1" if match.group(1) == "int" else "x"))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


def _view_reads(callback: Any) -> set[str]:
    target = getattr(callback, "view_class", None) or callback
    target = inspect.unwrap(target)
    try:
        source = inspect.getsource(inspect.getmodule(target))  # type: ignore[arg-type]
    except (TypeError, OSError):
        return set()
    return set(_READS.findall(source))


# ---------------------------------------------------------------------------- test


@pytest.fixture
def signed_in(live_server, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AXES_ENABLED = False  # the payloads include wrong sign-ins; lockout has its tests
    user = UserFactory()
    client = Client()
    client.force_login(user)
    http = requests.Session()
    http.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    csrf = "c" * 32
    http.cookies.set(settings.CSRF_COOKIE_NAME, csrf)
    http.headers["X-CSRFToken"] = csrf
    api = f"{live_server.url}/api/v1"
    asset = http.post(f"{api}/assets/", files={"file": ("a.jpg", jpeg(), "image/jpeg")}).json()
    album = http.post(f"{api}/albums/", json={"title": "Trip"}).json()
    http.post(f"{api}/albums/{album['id']}/items/", json={"asset_ids": [asset["id"]]})
    link = http.post(f"{api}/share-links/", json={"album": album["id"]}).json()
    tenant_id = user.memberships.get().tenant_id
    ids = {
        "asset_id": asset["id"],
        "album_id": album["id"],
        "link_id": link["id"],
        "tenant_id": tenant_id,
        "user_id": user.pk,
        "token": link["url"].rstrip("/").rsplit("/", 1)[-1] if "url" in link else "x",
        "spec": "thumb-400",
        "fmt": "webp",
    }
    return http, ids, csrf


def test_no_payload_of_the_corpus_makes_any_api_operation_fail(live_server, signed_in):
    http, ids, _csrf = signed_in
    schema = http.get(f"{live_server.url}/api/v1/schema/?format=json").json()
    failures = []
    sent = 0
    for method, url, options in _api_requests(schema, ids):
        headers = {"Content-Type": options["content_type"]} if "content_type" in options else {}
        response = http.request(
            method, live_server.url + url, data=options.get("data"), headers=headers
        )
        sent += 1
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        if response.status_code >= 500 or (response.status_code >= 400 and not is_json):
            failures.append(
                f"{method} {url[:120]} {options.get('content_type', '')} -> "
                f"{response.status_code} {response.text[:120]}"
            )
    assert sent > 500
    assert not failures, "\n".join(failures)


def test_no_payload_of_the_corpus_makes_any_web_page_fail(live_server, signed_in):
    http, ids, csrf = signed_in
    failures = []
    pages = 0
    for route, callback in _web_routes():
        url = live_server.url + _fill_route(route, ids)
        page = http.get(url)
        names = _view_reads(callback)
        if page.status_code == 200 and "html" in page.headers.get("Content-Type", ""):
            forms = _Forms()
            forms.feed(page.text)
            names |= forms.names
        pages += 1
        if not names:
            names = {"q"}
        for payload in WEB_PAYLOADS:
            encoded = "&".join(f"{n}={quote_from_bytes(payload)}" for n in sorted(names))
            for method in ("GET", "POST"):
                data = (
                    f"csrfmiddlewaretoken={csrf}&{encoded}".encode() if method == "POST" else None
                )
                target = url if method == "POST" else f"{url}?{encoded}"
                response = http.request(
                    method,
                    target,
                    data=data,
                    headers={"Content-Type": "application/x-www-form-urlencoded"} if data else {},
                    allow_redirects=False,
                )
                if response.status_code >= 500:
                    failures.append(f"{method} {route} {payload[:30]!r} -> {response.status_code}")
    assert pages > 20
    assert not failures, "\n".join(failures)
