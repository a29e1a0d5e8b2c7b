"""Single sign-on against a real OpenID Connect provider started on 127.0.0.1 for the
test (django-oauth-toolkit with OIDC, its own RSA key and database), not a mock: the
authorisation code, token exchange, ID token and userinfo all go over HTTP."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from auditlog.models import LogEntry
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

from accounts.models import Membership, User
from tests.factories import TenantFactory, UserFactory, add_member
from tests.helpers import ROOT, free_port, wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CLIENT_ID = "lumina-test-client"
CLIENT_SECRET = "s3cret-for-the-test-provider-only"
REDIRECT = "http://testserver/accounts/oidc/sso/login/callback/"
PERSON = {
    "username": "ratna",
    "email": "ratna.sari@example.org",
    "password": "provider password 2026",
    "groups": ["photo-admins", "everyone"],
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    port = free_port()
    env = {
        **os.environ,
        "PROVIDER_DB": str(folder / "provider.sqlite3"),
        "PROVIDER_RSA_KEY": pem,
        "PROVIDER_CLIENT_ID": CLIENT_ID,
        "PROVIDER_CLIENT_SECRET": CLIENT_SECRET,
        "PROVIDER_REDIRECT_URI": REDIRECT,
        "PROVIDER_USER": json.dumps(PERSON),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (folder / "provider.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.security.oidc_provider.serve", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    issuer = f"http://127.0.0.1:{port}/o"

    def up() -> bool:
        try:
            return requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok
        except requests.RequestException:
            return False

    try:
        assert wait_for(up, timeout=60), (folder / "provider.log").read_text()
        yield {"issuer": issuer, "db": folder / "provider.sqlite3"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()


def sso_settings(issuer: str, workspace: str):
    return override_settings(
        LUMINA_OIDC_ISSUER=issuer,
        SOCIALACCOUNT_PROVIDERS={
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "sso",
                        "name": "Company SSO",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {
                            "server_url": issuer,
                            "scope": ["openid", "profile", "email"],
                        },
                    }
                ],
            }
        },
        LUMINA_OIDC_ROLE_CLAIM="groups",
        LUMINA_OIDC_ROLE_MAP={"photo-admins": "admin", "photo-viewers": "viewer", "ops": "staff"},
        LUMINA_OIDC_WORKSPACE=workspace,
    )


def sign_in_through_provider(browser, issuer: str) -> None:
    login_page = browser.get("/accounts/login/").content.decode()
    assert "Company SSO" in login_page
    confirm = browser.get("/accounts/oidc/sso/login/?process=login")
    assert confirm.status_code == 200
    to_provider = browser.post("/accounts/oidc/sso/login/?process=login")
    assert to_provider.status_code == 302
    authorize = to_provider.url
    assert authorize.startswith(issuer + "/authorize/")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]

    # the person signs in at the provider, which sends them back with a code
    agent = requests.Session()
    first = agent.get(authorize, allow_redirects=False, timeout=10)
    assert first.status_code == 302
    assert "/login/" in first.headers["Location"]
    next_url = parse_qs(urlsplit(first.headers["Location"]).query)["next"][0]
    signed = agent.post(
        issuer.rsplit("/o", 1)[0] + "/login/",
        {"username": PERSON["username"], "password": PERSON["password"], "next": next_url},
        allow_redirects=False,
        timeout=10,
    )
    assert signed.status_code == 302
    back = agent.get(
        issuer.rsplit("/o", 1)[0] + signed.headers["Location"], allow_redirects=False, timeout=10
    )
    assert back.status_code == 302
    callback = back.headers["Location"]
    assert callback.startswith(REDIRECT)

    # our server exchanges the code with the provider (real HTTP) and signs the user in
    done = browser.get(callback[len("http://testserver") :])
    assert done.status_code == 302, done.content[:500]


def test_sso_sign_in_creates_the_user_and_maps_the_role_claim(browser, provider):
    owner = UserFactory()
    team = TenantFactory(slug="company")
    add_member(team, owner, "owner")
    with sso_settings(provider["issuer"], "company"):
        sign_in_through_provider(browser, provider["issuer"])
        user = User.objects.get(email=PERSON["email"])
        assert not user.has_usable_password()
        assert Membership.objects.get(user=user, tenant=team).role == "admin"
        assert browser.get("/").status_code == 200
        assert browser.get("/api/v1/me/").json()["user"]["email"] == PERSON["email"]
        entry = LogEntry.objects.get(additional_data__event="auth.sso_signin")
        assert entry.additional_data["role"] == "admin"
        assert entry.additional_data["tenant_id"] == team.pk

        # the provider drops the group: the next SSO sign-in takes the role away
        with sqlite3.connect(provider["db"]) as db:
            db.execute("DELETE FROM auth_user_groups")
            db.execute(
                "INSERT INTO auth_group (name) SELECT 'ops' WHERE NOT EXISTS "
                "(SELECT 1 FROM auth_group WHERE name='ops')"
            )
            db.execute(
                "INSERT INTO auth_user_groups (user_id, group_id) SELECT u.id, g.id "
                "FROM auth_user u, auth_group g WHERE u.username='ratna' AND g.name='ops'"
            )
        browser.post("/accounts/logout/")
        sign_in_through_provider(browser, provider["issuer"])
        user.refresh_from_db()
        assert not Membership.objects.filter(user=user, tenant=team).exists()
        assert user.is_staff  # "ops" maps to the operator console


def test_role_mapping_rules(settings):
    from accounts.sso import claim_values, mapped_roles

    settings.LUMINA_OIDC_ROLE_MAP = {"a": "viewer", "b": "owner", "c": "staff"}
    assert mapped_roles(["a", "b"]) == ("owner", False)
    assert mapped_roles(["c"]) == (None, True)
    assert mapped_roles(["zzz"]) == (None, False)
    assert claim_values({"userinfo": {"groups": "a b"}}, "groups") == ["a", "b"]
    assert claim_values({"id_token": {"groups": ["x"]}}, "groups") == ["x"]
