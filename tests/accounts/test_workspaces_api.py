from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Invitation, Membership, Role, Tenant
from tests.conftest import role_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def members_url(tenant: Tenant, user_id: int | None = None) -> str:
    if user_id is None:
        return f"/api/v1/tenants/{tenant.pk}/members/"
    return f"/api/v1/tenants/{tenant.pk}/members/{user_id}/"


def test_me_shows_user_current_workspace_and_role(api, user):
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["email"] == user.email
    assert body["tenant"]["personal"] is True
    assert body["role"] == "owner"
    assert [t["id"] for t in body["tenants"]] == [body["tenant"]["id"]]


def test_anonymous_api_call_gets_the_error_envelope():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_create_workspace_makes_caller_owner_and_lists_it(api, user):
    response = api.post("/api/v1/tenants/", {"name": "Family trip"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "owner"
    names = [t["name"] for t in api.get("/api/v1/tenants/").json()["results"]]
    assert "Family trip" in names


def test_create_workspace_without_name_is_a_validation_error(api):
    response = api.post("/api/v1/tenants/", {"name": ""}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "name" in error["details"]["fields"]


def test_switching_workspace_changes_me_and_is_refused_for_strangers(api, user):
    other = api.post("/api/v1/tenants/", {"name": "Second"}, format="json").json()
    assert api.post(f"/api/v1/tenants/{other['id']}/switch/").status_code == 200
    assert api.get("/api/v1/me/").json()["tenant"]["id"] == other["id"]
    stranger_tenant = Tenant.objects.exclude(
        memberships__user=user
    ).first() or Tenant.objects.create(name="x", slug="x-stranger")
    response = api.post(f"/api/v1/tenants/{stranger_tenant.pk}/switch/")
    assert response.status_code == 404


def test_another_workspaces_ids_are_404_everywhere(api_for, make_team):
    tenant, people = make_team()
    outsider = UserFactory()
    client = api_for(outsider)
    owner_id = people["owner"].pk
    for method, url, data in [
        ("get", f"/api/v1/tenants/{tenant.pk}/", None),
        ("patch", f"/api/v1/tenants/{tenant.pk}/", {"name": "mine now"}),
        ("get", members_url(tenant), None),
        ("get", members_url(tenant, owner_id), None),
        ("patch", members_url(tenant, owner_id), {"role": "viewer"}),
        ("delete", members_url(tenant, owner_id), None),
        ("get", f"/api/v1/tenants/{tenant.pk}/invitations/", None),
        ("post", f"/api/v1/tenants/{tenant.pk}/invitations/", {"email": "x@example.com"}),
    ]:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404, (method, url)
        assert response.json()["error"]["code"] == "not_found"
    assert Tenant.objects.get(pk=tenant.pk).name != "mine now"
    assert role_of(tenant, people["owner"]) == Role.OWNER


def test_members_list_is_bounded_in_queries(api_for, make_team, django_assert_max_num_queries):
    tenant, people = make_team()
    for _ in range(10):
        Membership.objects.create(tenant=tenant, user=UserFactory(), role=Role.VIEWER)
    client = api_for(people["viewer"])
    with django_assert_max_num_queries(4):
        response = client.get(members_url(tenant))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 14


def test_invitation_round_trip_by_email(api_for, make_team):
    tenant, people = make_team()
    admin = api_for(people["admin"])
    response = admin.post(
        f"/api/v1/tenants/{tenant.pk}/invitations/",
        {"email": "Gita@Example.com", "role": "editor"},
        format="json",
    )
    assert response.status_code == 201
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["gita@example.com"]
    token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[0].body).group(1)
    # only the hash is stored
    assert not Invitation.objects.filter(token_hash=token).exists()

    gita = UserFactory(email="gita@example.com")
    response = api_for(gita).post("/api/v1/invitations/accept/", {"token": token}, format="json")
    assert response.status_code == 200
    assert role_of(tenant, gita) == Role.EDITOR
    # single use
    again = api_for(gita).post("/api/v1/invitations/accept/", {"token": token}, format="json")
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "invitation_invalid"


def test_invitation_for_someone_else_cannot_be_used(api_for, make_team):
    tenant, people = make_team()
    api_for(people["owner"]).post(
        f"/api/v1/tenants/{tenant.pk}/invitations/", {"email": "hana@example.com"}, format="json"
    )
    token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[0].body).group(1)
    mallory = UserFactory(email="mallory@example.com")
    response = api_for(mallory).post("/api/v1/invitations/accept/", {"token": token}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invitation_email_mismatch"
    assert role_of(tenant, mallory) is None


def test_invitation_opens_closed_sign_up_for_that_person(make_team, settings, api_for, browser):
    settings.LUMINA_SIGNUP_OPEN = False
    tenant, people = make_team()
    api_for(people["owner"]).post(
        f"/api/v1/tenants/{tenant.pk}/invitations/",
        {"email": "indah@example.com", "role": "viewer"},
        format="json",
    )
    token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[0].body).group(1)

    page = browser.get(reverse("invitation", args=[token]))
    assert tenant.name in page.content.decode()
    response = browser.post(
        reverse("account_signup"),
        {
            "email": "indah@example.com",
            "password1": "a long enough secret 42",
            "password2": "a long enough secret 42",
        },
    )
    assert response.status_code == 302
    indah = Membership.objects.get(tenant=tenant, user__email="indah@example.com")
    assert indah.role == Role.VIEWER


def test_viewer_and_editor_cannot_invite(api_for, make_team):
    tenant, people = make_team()
    for role in ("viewer", "editor"):
        response = api_for(people[role]).post(
            f"/api/v1/tenants/{tenant.pk}/invitations/",
            {"email": f"{role}x@example.com"},
            format="json",
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "role_forbidden"
    assert not Invitation.objects.filter(tenant=tenant).exists()
    assert mail.outbox == []


def test_admin_cannot_invite_an_owner_but_owner_can(api_for, make_team):
    tenant, people = make_team()
    url = f"/api/v1/tenants/{tenant.pk}/invitations/"
    assert (
        api_for(people["admin"])
        .post(url, {"email": "a@example.com", "role": "owner"}, format="json")
        .status_code
        == 403
    )
    assert (
        api_for(people["owner"])
        .post(url, {"email": "a@example.com", "role": "owner"}, format="json")
        .status_code
        == 201
    )


def test_inviting_an_existing_member_is_a_conflict(api_for, make_team):
    tenant, people = make_team()
    response = api_for(people["owner"]).post(
        f"/api/v1/tenants/{tenant.pk}/invitations/",
        {"email": people["viewer"].email.upper()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_member"


def test_withdrawn_invitation_no_longer_works(api_for, make_team):
    tenant, people = make_team()
    owner = api_for(people["owner"])
    inv = owner.post(
        f"/api/v1/tenants/{tenant.pk}/invitations/", {"email": "j@example.com"}, format="json"
    ).json()
    token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert owner.delete(f"/api/v1/tenants/{tenant.pk}/invitations/{inv['id']}/").status_code == 204
    j = UserFactory(email="j@example.com")
    assert (
        api_for(j).post("/api/v1/invitations/accept/", {"token": token}, format="json").status_code
        == 404
    )


def test_admin_changes_roles_of_editors_and_viewers(api_for, make_team):
    tenant, people = make_team()
    response = api_for(people["admin"]).patch(
        members_url(tenant, people["viewer"].pk), {"role": "editor"}, format="json"
    )
    assert response.status_code == 200
    assert role_of(tenant, people["viewer"]) == Role.EDITOR


def test_admin_cannot_demote_or_remove_owner(api_for, make_team):
    tenant, people = make_team()
    admin = api_for(people["admin"])
    assert (
        admin.patch(
            members_url(tenant, people["owner"].pk), {"role": "viewer"}, format="json"
        ).status_code
        == 403
    )
    assert admin.delete(members_url(tenant, people["owner"].pk)).status_code == 403
    assert (
        admin.patch(
            members_url(tenant, people["viewer"].pk), {"role": "owner"}, format="json"
        ).status_code
        == 403
    )
    assert role_of(tenant, people["owner"]) == Role.OWNER
    assert role_of(tenant, people["viewer"]) == Role.VIEWER


def test_viewer_cannot_change_roles_or_remove_others(api_for, make_team):
    tenant, people = make_team()
    viewer = api_for(people["viewer"])
    assert (
        viewer.patch(
            members_url(tenant, people["editor"].pk), {"role": "viewer"}, format="json"
        ).status_code
        == 403
    )
    assert viewer.delete(members_url(tenant, people["editor"].pk)).status_code == 403
    assert role_of(tenant, people["editor"]) == Role.EDITOR


def test_last_owner_can_neither_leave_nor_be_demoted(api_for, make_team):
    tenant, people = make_team()
    owner = api_for(people["owner"])
    response = owner.patch(
        members_url(tenant, people["owner"].pk), {"role": "admin"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_owner"
    assert (
        owner.delete(members_url(tenant, people["owner"].pk)).json()["error"]["code"]
        == "last_owner"
    )
    assert role_of(tenant, people["owner"]) == Role.OWNER

    # with a second owner, the first may step down
    assert (
        owner.patch(
            members_url(tenant, people["admin"].pk), {"role": "owner"}, format="json"
        ).status_code
        == 200
    )
    assert owner.delete(members_url(tenant, people["owner"].pk)).status_code == 204
    assert role_of(tenant, people["owner"]) is None


def test_members_may_leave(api_for, make_team):
    tenant, people = make_team()
    assert (
        api_for(people["viewer"]).delete(members_url(tenant, people["viewer"].pk)).status_code
        == 204
    )
    assert role_of(tenant, people["viewer"]) is None


def test_unknown_role_is_refused(api_for, make_team):
    tenant, people = make_team()
    response = api_for(people["owner"]).patch(
        members_url(tenant, people["viewer"].pk), {"role": "god"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_rename_workspace_needs_admin(api_for, make_team):
    tenant, people = make_team()
    url = f"/api/v1/tenants/{tenant.pk}/"
    assert api_for(people["editor"]).patch(url, {"name": "Nope"}, format="json").status_code == 403
    assert (
        api_for(people["admin"]).patch(url, {"name": "Renamed"}, format="json").json()["name"]
        == "Renamed"
    )
