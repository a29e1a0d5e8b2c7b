"""docs/api.md and the schema list every error code the code can answer with.

The codes are found in the code itself: the ``LuminaError`` subclasses (walked from the
class, after importing every module of the apps, and found in the source as
``code = "..."``), codes given where an error is raised (``code="..."``), module
constants (``CODE = "..."``), envelopes written by middleware (``envelope("...")``,
``json_error_view("...")``, the sign-in gate's ``HOLD_MESSAGES``) and the DRF exception
codes of ``lumina.core.api``. A new code fails these tests until it is documented in an
error table of docs/api.md (code, status, meaning) and in ``ERROR_CODES``; a documented
code that nothing answers with fails too."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from accounts.middleware import HOLD_MESSAGES
from lumina.core import api as core_api
from lumina.core.errors import LuminaError
from lumina.core.schema import ERROR_CODES
from tests.helpers import ROOT

APPS = ("lumina", "accounts", "gallery", "albums", "search", "webhooks")
PATTERNS = (
    re.compile(r"^\s+code = \"([a-z_]+)\"", re.MULTILINE),
    re.compile(r"^CODE = \"([a-z_]+)\"", re.MULTILINE),  # a module's error code
    re.compile(r"\bcode=\"([a-z_]+)\""),
    re.compile(r"\benvelope\(\s*\"([a-z_]+)\""),
    re.compile(r"\bjson_error_view\(\s*\"([a-z_]+)\""),
)


def codes_in_source() -> set[str]:
    # The sign-in gate's answers to API calls come from its table of hold codes.
    hold_codes = {code for code, _message in HOLD_MESSAGES}
    found = {"server_error", *core_api._DRF_CODES.values(), *hold_codes}
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
    expected = {
        *("quota_exceeded", "invalid_cursor", "locked_out", "rate_limited", "parse_error"),
        *("csrf_failed", "two_factor_pending", "password_expired", "not_found"),
    }
    assert expected <= codes


def test_docs_api_lists_every_error_code():
    docs = (ROOT / "docs" / "api.md").read_text()
    missing = sorted(c for c in codes_in_source() if f"`{c}`" not in docs)
    assert not missing, f"add to docs/api.md: {missing}"


def test_the_schema_lists_every_error_code():
    in_schema = {code for codes in ERROR_CODES.values() for code in codes}
    missing = sorted(codes_in_source() - in_schema)
    assert not missing, f"add to lumina.core.schema.ERROR_CODES: {missing}"


def error_classes() -> list[type[LuminaError]]:
    """Every ``LuminaError`` subclass the apps define (their modules imported first)."""
    for app in APPS[1:]:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts and "tests" not in path.parts:
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                importlib.import_module(module)

    def walk(cls: type[LuminaError]) -> list[type[LuminaError]]:
        return [s for c in cls.__subclasses__() for s in (c, *walk(c))]

    return [cls for cls in walk(LuminaError) if cls.__module__.split(".")[0] in APPS]


_ROW = re.compile(r"^\|([^|\n]*)\|([^|\n]*)\|([^\n]*)\|\s*$", re.MULTILINE)


def documented_errors() -> dict[str, list[tuple[set[int], str]]]:
    """The rows of docs/api.md's error tables (``| code | status | when |``): each code
    with the statuses and the meaning given for it."""
    docs = (ROOT / "docs" / "api.md").read_text()
    rows: dict[str, list[tuple[set[int], str]]] = {}
    for table in re.findall(r"^\|.*(?:\n\|.*)*", docs, re.MULTILINE):
        if not table.startswith("| code | status | when |"):
            continue
        for codes, statuses, meaning in _ROW.findall(table):
            for code in re.findall(r"`([a-z_]+)`", codes):
                entry = ({int(s) for s in re.findall(r"\d{3}", statuses)}, meaning.strip())
                rows.setdefault(code, []).append(entry)
    return rows


@pytest.mark.django_db
def test_error_classes_are_listed_under_their_own_status():
    wrong = [
        f"{cls.__module__}.{cls.__name__}: {cls.code} ({cls.status})"
        for cls in error_classes()
        if cls.code not in ERROR_CODES.get(cls.status, ())
    ]
    assert not wrong


@pytest.mark.django_db
def test_every_error_class_is_in_the_docs_error_table_with_its_status_and_a_meaning():
    classes = error_classes()
    assert len(classes) > 30, "the walk should see every app's errors"
    rows = documented_errors()
    wrong = [
        f"{cls.__module__}.{cls.__name__}: `{cls.code}` {cls.status}"
        for cls in classes
        if not any(
            cls.status in statuses and meaning for statuses, meaning in rows.get(cls.code, [])
        )
    ]
    assert not wrong, f"add a row (code, status, meaning) to an error table in docs/api.md: {wrong}"


@pytest.mark.django_db
def test_the_docs_error_tables_name_only_codes_the_api_answers_with():
    known = codes_in_source() | {cls.code for cls in error_classes()}
    stale = sorted(set(documented_errors()) - known)
    assert not stale, f"docs/api.md documents codes nothing raises: {stale}"


def test_docs_describe_rate_limit_headers_root_and_pagination():
    docs = Path(ROOT / "docs" / "api.md").read_text()
    for needle in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"):
        assert needle in docs
    assert "GET /api/v1/" in docs
    assert '{"next": ' in docs


@pytest.mark.django_db
def test_every_error_class_is_used_somewhere():
    # A class nothing raises documents a code the API never answers with.
    sources = [
        path.read_text()
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]
    unused = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in error_classes()
        if not cls.__subclasses__()
        and sum(len(re.findall(rf"\b{cls.__name__}\b", text)) for text in sources) < 2
    ]
    assert not unused, f"raise them or remove them (and their rows in docs/api.md): {unused}"
