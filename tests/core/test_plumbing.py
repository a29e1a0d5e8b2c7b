from __future__ import annotations

import json
import logging

import pytest
from django.test import RequestFactory

from lumina.core.logging import JsonFormatter, RequestContextFilter, request_context
from lumina.core.net import client_ip


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # no proxy configured: header ignored
        (["10.0.0.0/8"], "198.51.100.7", "1.2.3.4", "198.51.100.7"),  # untrusted peer spoofing
        (["10.0.0.0/8"], "10.0.0.2", "1.2.3.4", "1.2.3.4"),
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.3", "1.2.3.4"),  # chain of proxies
        (["10.0.0.0/8"], "10.0.0.2", "garbage", "10.0.0.2"),
        (["10.0.0.0/8", "::1/128"], "::1", "2001:db8::5", "2001:db8::5"),
    ],
)
def test_client_ip_trusts_forwarded_for_only_from_trusted_proxies(
    settings, proxies, remote, forwarded, expected
):
    settings.LUMINA_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_json_log_lines_carry_the_request_context():
    record = logging.makeLogRecord(
        {
            "name": "lumina.request",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "GET %s",
            "args": ("/x",),
        }
    )
    record.status = 200
    token = request_context.set({"request_id": "r1", "user_id": 7, "tenant_id": 3})
    try:
        RequestContextFilter().filter(record)
    finally:
        request_context.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /x"
    assert line["request_id"] == "r1"
    assert line["user_id"] == 7
    assert line["tenant_id"] == 3
    assert line["status"] == 200
    assert line["level"] == "INFO"


def test_access_log_names_user_tenant_status_and_duration(api, user, caplog):
    with caplog.at_level(logging.INFO, logger="lumina.request"):
        api.get("/api/v1/me/")
    record = next(r for r in caplog.records if r.name == "lumina.request")
    assert record.status == 200
    assert record.path == "/api/v1/me/"
    assert record.user_id == user.pk
    assert record.duration_ms >= 0
