"""docs/api.md and the schema list every error code the code can answer with.

The codes are found in the source: LuminaError subclasses (``code = "..."``), codes
given where an error is raised (``code="..."``), envelopes written by middleware
(``envelope("...")``) and the DRF exception codes of ``lumina.core.api``. A new code
fails this test until it is documented (docs/api.md) and in ``ERROR_CODES``."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from lumina.core import api as core_api
from lumina.core.errors import LuminaError
from lumina.core.schema import ERROR_CODES, all_error_codes
from tests.helpers import ROOT

APPS = ("lumina", "accounts", "gallery", "albums", "search", "webhooks")
PATTERNS = (
    re.compile(r"^\s+code = \"([a-z_]+)\"", re.MULTILINE),
    re.compile(r"\bcode=\"([a-z_]+)\""),
    re.compile(r"\benvelope\(\s*\"([a-z_]+)\""),
)


def codes_in_source() -> set[str]:
    found = {"server_error", *core_api._DRF_CODES.values()}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            for pattern in PATTERNS:
                found |= set(pattern.findall(text))
    return found - {"error"}  # the base class's placeholder, never raised as is


def test_the_scan_finds_the_codes_it_should():
    codes = codes_in_source()
    expected = {"quota_exceeded", "invalid_cursor", "locked_out", "rate_limited", "parse_error"}
    assert expected <= codes


def test_docs_api_lists_every_error_code():
    docs = (ROOT / "docs" / "api.md").read_text()
    missing = sorted(c for c in codes_in_source() if f"`{c}`" not in docs)
    assert not missing, f"add to docs/api.md: {missing}"


def test_the_schema_lists_every_error_code():
    missing = sorted(codes_in_source() - all_error_codes())
    assert not missing, f"add to lumina.core.schema.ERROR_CODES: {missing}"


@pytest.mark.django_db
def test_error_classes_are_listed_under_their_own_status():
    for app in APPS[1:]:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts and "tests" not in path.parts:
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                importlib.import_module(module)

    def walk(cls: type[LuminaError]) -> list[type[LuminaError]]:
        return [s for c in cls.__subclasses__() for s in (c, *walk(c))]

    wrong = [
        f"{cls.__module__}.{cls.__name__}: {cls.code} ({cls.status})"
        for cls in walk(LuminaError)
        if cls.code not in ERROR_CODES.get(cls.status, ())
    ]
    assert not wrong


def test_docs_describe_rate_limit_headers_root_and_pagination():
    docs = Path(ROOT / "docs" / "api.md").read_text()
    for needle in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"):
        assert needle in docs
    assert "GET /api/v1/" in docs
    assert '{"next": ' in docs
