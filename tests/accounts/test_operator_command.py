"""`manage.py lumina_operator --reset-password EMAIL`: an operator recovers access."""

from __future__ import annotations

import io
import re

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> User:
    return UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("lumina_operator", *args, stdout=out)
    return out.getvalue()


def test_reset_password_prints_a_new_generated_password(operator, monkeypatch):
    monkeypatch.delenv("LUMINA_ADMIN_PASSWORD", raising=False)

    output = _run("--reset-password", "OPS@example.com")

    password = re.search(r"^Password: (\S+)", output, re.M).group(1)
    operator.refresh_from_db()
    assert operator.check_password(password)
    assert not operator.check_password("correct horse battery staple")
    entry = LogEntry.objects.filter(object_pk=str(operator.pk)).latest("timestamp")
    assert entry.additional_data["event"] == "auth.password_changed"
    assert password not in str(entry.additional_data)


def test_reset_password_takes_the_password_from_the_environment(operator, monkeypatch):
    monkeypatch.setenv("LUMINA_ADMIN_PASSWORD", "a long chosen passphrase 42")

    output = _run("--reset-password", "ops@example.com")

    operator.refresh_from_db()
    assert operator.check_password("a long chosen passphrase 42")
    assert "a long chosen passphrase 42" not in output
    assert "LUMINA_ADMIN_PASSWORD" in output


def test_reset_password_reads_standard_input(operator, monkeypatch):
    monkeypatch.setenv("LUMINA_ADMIN_PASSWORD", "not this one, the piped one")
    monkeypatch.setattr("sys.stdin", io.StringIO("piped passphrase for ops 7\n"))

    _run("--reset-password", "ops@example.com", "--password-stdin")

    operator.refresh_from_db()
    assert operator.check_password("piped passphrase for ops 7")


def test_reset_password_refuses_unknown_and_non_operator_accounts(operator):
    UserFactory(email="member@example.com")
    for email in ("nobody@example.com", "member@example.com"):
        with pytest.raises(CommandError, match="No operator account"):
            _run("--reset-password", email)


def test_reset_password_refuses_a_weak_password(operator, monkeypatch):
    monkeypatch.setenv("LUMINA_ADMIN_PASSWORD", "short")

    with pytest.raises(CommandError, match="too short"):
        _run("--reset-password", "ops@example.com")

    operator.refresh_from_db()
    assert operator.check_password("correct horse battery staple")
