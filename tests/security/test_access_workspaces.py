"""Access control around workspaces (pen-test findings H2 and M1): a workspace-bound
token acts only in its own workspace, creating workspaces needs a session, and every
request about a workspace applies that workspace's IP lists, whatever the current one."""

from __future__ import annotations

import pytest

from accounts.ipfilter import refresh_tenants_with_rules
from accounts.models import Invitation, Membership, Role, Tenant, User
from tests.factories import ApiTokenFactory, TenantFactory, UserFactory, add_member, bearer

pytestmark = pytest.mark.django_db


def two_workspaces() -> tuple[User, Tenant, Tenant, User]:
    """An owner of workspaces A and B (and another member of B)."""
    owner = UserFactory()
    a, b = TenantFactory(name="Alpha"), TenantFactory(name="Beta")
    add_member(a, owner, Role.OWNER)
    add_member(b, owner, Role.OWNER)
    colleague = UserFactory()
    add_member(b, colleague, Role.VIEWER)
    return owner, a, b, colleague


def test_a_token_does_not_reach_another_workspace_of_its_user():
    # given a token bound to A with every scope, including admin
    owner, a, b, colleague = two_workspaces()
    raw = ApiTokenFactory(user=owner, tenant=a, name="ci").raw
    client = bearer(raw)
    # then everything about B looks missing, exactly like a workspace that does not exist
    missing = bearer(raw).get("/api/v1/tenants/999999/")
    assert missing.status_code == 404
    attempts = [
        client.get(f"/api/v1/tenants/{b.pk}/"),
        client.patch(f"/api/v1/tenants/{b.pk}/", {"name": "Owned"}, format="json"),
        client.get(f"/api/v1/tenants/{b.pk}/members/"),
        client.get(f"/api/v1/tenants/{b.pk}/members/{colleague.pk}/"),
        client.patch(
            f"/api/v1/tenants/{b.pk}/members/{colleague.pk}/", {"role": "owner"}, format="json"
        ),
        client.delete(f"/api/v1/tenants/{b.pk}/members/{colleague.pk}/"),
        client.get(f"/api/v1/tenants/{b.pk}/invitations/"),
        client.post(
            f"/api/v1/tenants/{b.pk}/invitations/",
            {"email": "mallory@example.com", "role": "owner"},
            format="json",
        ),
    ]
    for response in attempts:
        assert response.status_code == 404, (response.request, response.content)
        assert response.json()["error"]["code"] == missing.json()["error"]["code"]
    b.refresh_from_db()
    assert b.name == "Beta"
    assert Membership.objects.get(tenant=b, user=colleague).role == Role.VIEWER
    assert not Invitation.objects.filter(tenant=b).exists()
    # switching is for sessions; another workspace's id stays missing
    for tenant_id in (b.pk, 999999):
        switch = client.post(f"/api/v1/tenants/{tenant_id}/switch/")
        assert switch.status_code == 404
    own = client.post(f"/api/v1/tenants/{a.pk}/switch/")
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "session_required"
    # and its own workspace still works
    assert client.get(f"/api/v1/tenants/{a.pk}/members/").status_code == 200
    renamed = client.patch(f"/api/v1/tenants/{a.pk}/", {"name": "Alpha 2"}, format="json")
    assert renamed.status_code == 200, renamed.content


def test_a_token_lists_only_its_own_workspace():
    owner, a, _b, _ = two_workspaces()
    raw = ApiTokenFactory(user=owner, tenant=a, name="ci").raw
    listed = bearer(raw).get("/api/v1/tenants/").json()["results"]
    assert [t["id"] for t in listed] == [a.pk]
    me = bearer(raw).get("/api/v1/me/").json()
    assert me["tenant"]["id"] == a.pk
    assert [t["id"] for t in me["tenants"]] == [a.pk]


def test_creating_a_workspace_needs_a_session(api_for):
    owner, a, _, _ = two_workspaces()
    raw = ApiTokenFactory(user=owner, tenant=a, name="ci").raw
    before = Tenant.objects.count()
    refused = bearer(raw).post("/api/v1/tenants/", {"name": "Shadow"}, format="json")
    assert refused.status_code == 403, refused.content
    assert refused.json()["error"]["code"] == "session_required"
    assert Tenant.objects.count() == before
    # a signed-in person still may
    created = api_for(owner).post("/api/v1/tenants/", {"name": "Shadow"}, format="json")
    assert created.status_code == 201


# --- M1: the IP lists of the workspace a request is about ---------------------------------


def allow_only(tenant: Tenant, cidr: str) -> None:
    tenant.settings = {**(tenant.settings or {}), "ip_allowlist": [cidr]}
    tenant.save(update_fields=["settings"])
    refresh_tenants_with_rules()


def test_the_workspace_in_the_path_applies_its_allowlist(api_for):
    # given B allows only 10.0.0.0/8, and the owner's current workspace is A
    owner, a, b, _colleague = two_workspaces()
    allow_only(b, "10.0.0.0/8")
    client = api_for(owner)
    assert client.post(f"/api/v1/tenants/{a.pk}/switch/").status_code == 200
    # then every request about B from 127.0.0.1 is refused
    for response in (
        client.get(f"/api/v1/tenants/{b.pk}/"),
        client.get(f"/api/v1/tenants/{b.pk}/members/"),
        client.patch(f"/api/v1/tenants/{b.pk}/", {"name": "x"}, format="json"),
        client.post(
            f"/api/v1/tenants/{b.pk}/invitations/",
            {"email": "x@example.com", "role": "viewer"},
            format="json",
        ),
        client.post(f"/api/v1/tenants/{b.pk}/switch/"),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "ip_not_allowed"
    # while A, which has no list, answers; and from an allowed address B does too
    assert client.get(f"/api/v1/tenants/{a.pk}/").status_code == 200
    inside = client.get(f"/api/v1/tenants/{b.pk}/members/", REMOTE_ADDR="10.1.2.3")
    assert inside.status_code == 200


def test_a_token_of_an_allowlisted_workspace_is_refused_outside(api_for):
    owner, a, _b, _ = two_workspaces()
    allow_only(a, "10.0.0.0/8")
    raw = ApiTokenFactory(user=owner, tenant=a, name="ci").raw
    refused = bearer(raw).get("/api/v1/assets/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "ip_not_allowed"
    assert bearer(raw).get("/api/v1/assets/", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_the_allowlist_of_a_workspace_one_does_not_belong_to_stays_hidden(api_for):
    _, _, b, _ = two_workspaces()
    allow_only(b, "10.0.0.0/8")
    stranger = UserFactory()
    response = api_for(stranger).get(f"/api/v1/tenants/{b.pk}/members/")
    assert response.status_code == 404
