"""The published API contract is true: schemathesis, an outside client, runs against
the live schema of the app served by a real HTTP server (pytest-django's live server)
and finds no response that the schema does not describe.

Twice: as a signed-in browser would (session cookie + CSRF token) and as a script
would (a Bearer token with every scope). Every operation of the schema is tested (the
JUnit report has one test case per operation; none may be skipped), the examples per
operation are bounded so both runs take a couple of minutes on two cores, and the
totals are printed (``-s`` shows them) so they can be quoted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import Client

from accounts import services as account_services
from accounts.models import User
from tests.factories import UserFactory
from tests.images import jpeg

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)
# Bounded so that both runs together stay within a few minutes on a 2-core machine.
MAX_EXAMPLES = int(os.environ.get("LUMINA_SCHEMATHESIS_EXAMPLES", "12"))
SEED = 20261207
# The coverage phase (every boundary of every parameter: ~3,500 cases a run) is for a
# deeper look: LUMINA_SCHEMATHESIS_PHASES=examples,coverage,fuzzing,stateful.
PHASES = os.environ.get("LUMINA_SCHEMATHESIS_PHASES", "examples,fuzzing,stateful")
ST = str(Path(sys.executable).parent / "st")


@dataclass
class Totals:
    tested: set[str]  # "METHOD /path/{param}/" of every operation a request was sent to
    cases: int
    failures: int
    output: str


METHODS = {"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}


def _operations_in(schema: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method.upper() in METHODS
    }


def _run(base_url: str, headers: dict[str, str], report_dir: Path, ids: dict[str, int]) -> Totals:
    report_dir.mkdir(parents=True)
    # Real ids for the path parameters, so that cases reach the views instead of 404s
    # (the token's own id is left out: revoking it would end the Bearer run).
    config = report_dir / "schemathesis.toml"
    config.write_text(
        "[parameters]\n" + "".join(f'"path.{name}" = {value}\n' for name, value in ids.items())
    )
    command = [
        ST,
        "--config-file",
        str(config),
        "run",
        f"{base_url}/api/v1/schema/?format=json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        # One worker: with two, Hypothesis' (not thread-safe) lambda-description cache
        # sometimes raises KeyError inside schemathesis and an operation goes untested.
        "--workers",
        "1",
        "--phases",
        PHASES,
        "--no-shrink",
        "--continue-on-failure",
        "--request-timeout",
        "30",
        "--report",
        "junit,ndjson",
        "--report-dir",
        str(report_dir),
        "--output-truncate",
        "false",
        "--generation-database",
        "none",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    command += os.environ.get("LUMINA_SCHEMATHESIS_ARGS", "").split()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=report_dir,  # its cache stays out of the checkout
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"},
    )
    output = done.stdout + done.stderr
    junit = ET.parse(next(report_dir.glob("*.xml"))).getroot()  # noqa: S314
    failures = int(junit.get("failures", "0")) + int(junit.get("errors", "0"))
    generated = 0
    tested: set[str] = set()
    for line in next(report_dir.glob("*.ndjson")).read_text().splitlines():
        # Each ScenarioFinished event carries the requests one scenario sent.
        finished = json.loads(line).get("ScenarioFinished")
        if finished:
            recorder = finished.get("recorder") or {}
            sent = recorder.get("interactions") or {}
            generated += len(sent)
            for case_id, case in (recorder.get("cases") or {}).items():
                if case_id in sent:  # a request went out for this case
                    tested.add(f"{case['value']['method']} {case['value']['path']}")
    return Totals(tested=tested, cases=generated, failures=failures, output=output)


def _world(live_url: str, tmp_media: Path) -> tuple[User, dict[str, str], str, dict[str, int]]:
    """A user with a workspace that has something in it; their session and a token."""
    user = UserFactory()
    membership = user.memberships.get()
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = "c" * 32  # the cookie holds the secret; the header may send it as it is
    cookie_headers = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
    }
    http = requests.Session()
    http.headers.update(cookie_headers)
    api = f"{live_url}/api/v1"
    asset = http.post(f"{api}/assets/", files={"file": ("a.jpg", jpeg(), "image/jpeg")})
    assert asset.status_code == 201, asset.text
    album = http.post(f"{api}/albums/", json={"title": "Trip"})
    assert album.status_code == 201, album.text
    added = http.post(
        f"{api}/albums/{album.json()['id']}/items/", json={"asset_ids": [asset.json()["id"]]}
    )
    assert added.status_code == 200, added.text
    link = http.post(f"{api}/share-links/", json={"album": album.json()["id"]})
    assert link.status_code == 201, link.text
    _token, raw = account_services.api_token_create(
        user=user, tenant=membership.tenant, name="schemathesis"
    )
    ids = {
        "asset_id": asset.json()["id"],
        "album_id": album.json()["id"],
        "link_id": link.json()["id"],
        "tenant_id": membership.tenant_id,
        "user_id": user.pk,
    }
    return user, cookie_headers, raw, ids


@pytest.fixture
def world(live_server, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    # schemathesis sends wrong credentials on purpose (documented 401s); the lockout they
    # would trigger has its own tests and would turn the second run into 429s.
    settings.AXES_ENABLED = False
    return _world(live_server.url, settings.MEDIA_ROOT)


def test_the_live_api_answers_only_what_its_schema_says(live_server, world, tmp_path, capsys):
    _user, cookie_headers, raw_token, ids = world
    schema = requests.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30).json()
    in_schema = _operations_in(schema)

    results = {
        "session + CSRF": _run(live_server.url, cookie_headers, tmp_path / "session", ids),
        "Bearer token": _run(
            live_server.url, {"Authorization": f"Bearer {raw_token}"}, tmp_path / "bearer", ids
        ),
    }

    with capsys.disabled():
        for mode, totals in results.items():
            print(
                f"\nschemathesis ({mode}): {len(totals.tested & in_schema)} operations tested of "
                f"{len(in_schema)} in the schema, "
                f"{totals.cases} cases, {totals.failures} failures"
            )
    for mode, totals in results.items():
        untested = sorted(in_schema - totals.tested)
        assert not untested, f"{mode}: no request for {untested}\n{totals.output}"
        assert totals.cases >= len(in_schema), f"{mode}\n{totals.output}"
        assert totals.failures == 0, f"{mode}\n{totals.output}"
