"""An invitation opens closed sign-up only for its own address and only while it is
pending (pen-test finding M4). Through the real pages: the invitation link, then
allauth's sign-up form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Role, User
from tests.factories import TenantFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough secret 42"


@pytest.fixture
def invited(settings):  # type: ignore[no-untyped-def]
    """A closed site, a workspace and an invitation for invited@example.com; the client
    opened the invitation link (which keeps the token in its session)."""
    settings.LUMINA_SIGNUP_OPEN = False
    tenant = TenantFactory()
    owner = UserFactory()
    add_member(tenant, owner, Role.OWNER)
    membership = Membership.objects.get(tenant=tenant, user=owner)
    invitation, token = services.invitation_create(
        membership=membership, email="Invited@Example.com", role=Role.EDITOR
    )
    client = Client()
    assert client.get(f"/invitations/{token}/").status_code == 200
    return {"client": client, "invitation": invitation, "membership": membership, "tenant": tenant}


def sign_up(client: Client, email: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "username": email.split("@")[0],
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_an_invitation_opens_sign_up_only_for_its_own_address(invited):
    client = invited["client"]
    form = client.get(reverse("account_signup"))
    assert "closed" not in form.content.decode().lower()
    refused = sign_up(client, "someone.else@example.com")
    assert refused.status_code == 200
    assert "invitation" in refused.content.decode().lower()
    assert not User.objects.filter(email="someone.else@example.com").exists()

    accepted = sign_up(client, "invited@example.com")
    assert accepted.status_code == 302
    user = User.objects.get(email="invited@example.com")
    assert Membership.objects.get(user=user, tenant=invited["tenant"]).role == Role.EDITOR


@pytest.mark.parametrize("state", ["withdrawn", "expired", "accepted"])
def test_an_invitation_that_is_no_longer_pending_opens_nothing(invited, state):
    invitation: Invitation = invited["invitation"]
    if state == "withdrawn":
        services.invitation_revoke(membership=invited["membership"], invitation=invitation)
    elif state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    else:
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    client = invited["client"]
    assert "closed" in client.get(reverse("account_signup")).content.decode().lower()
    for email in ("invited@example.com", "someone.else@example.com"):
        sign_up(client, email)
        assert not User.objects.filter(email=email).exists()
