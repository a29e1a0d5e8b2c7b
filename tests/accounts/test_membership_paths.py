"""Every membership change goes through ``accounts.services``: the member-facing
services, single sign-on and account deletion take the same owners' lock, record the
same audit entries and emit ``member.role_changed`` with one payload shape."""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import connection, transaction

from accounts import gdpr, services, sso
from accounts.errors import LastOwner
from accounts.models import Membership, Role, Tenant, User
from lumina.core import events
from tests.factories import TenantFactory, UserFactory, add_member
from tests.helpers import ROOT, wait_for

ROLE_CHANGED_KEYS = {"tenant_id", "user_id", "old_role", "new_role", "actor_id"}


@pytest.fixture
def emitted() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(event: events.Event) -> None:
        seen.append((event.name, event.payload()))

    events.subscribe("*", record)
    try:
        yield seen
    finally:
        events.unsubscribe("*", record)


@pytest.fixture
def sso_claims(settings):  # type: ignore[no-untyped-def]
    """sso_claims(tenant) -> extra_data(*groups): the provider's answer for the claim."""

    def configure(tenant: Tenant):  # type: ignore[no-untyped-def]
        settings.LUMINA_OIDC_ROLE_CLAIM = "groups"
        settings.LUMINA_OIDC_ROLE_MAP = {
            "photo-owners": "owner",
            "photo-admins": "admin",
            "photo-editors": "editor",
        }
        settings.LUMINA_OIDC_WORKSPACE = tenant.slug
        return lambda *groups: {"groups": list(groups)}

    return configure


def role_changes(seen: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [payload for name, payload in seen if name == "member.role_changed"]


# --- one payload shape -------------------------------------------------------------------


@pytest.mark.django_db
def test_role_changed_has_one_payload_shape_from_every_path(
    make_team, sso_claims, emitted, django_capture_on_commit_callbacks
):
    tenant, people = make_team()
    claims = sso_claims(tenant)
    owner = Membership.objects.get(tenant=tenant, user=people["owner"])

    with django_capture_on_commit_callbacks(execute=True):
        # a member changes a role
        services.membership_change_role(
            membership=owner,
            target=Membership.objects.get(tenant=tenant, user=people["viewer"]),
            role=Role.EDITOR,
        )
        # single sign-on changes a role
        sso.apply_roles(user=people["editor"], extra_data=claims("photo-admins"), request=None)
        # an owner deleting their account hands the workspace over
        gdpr.account_delete(user=people["owner"], plan={str(tenant.pk): str(people["admin"].pk)})

    changes = role_changes(emitted)
    assert [set(p) for p in changes] == [ROLE_CHANGED_KEYS] * 3
    assert changes == [
        {
            "tenant_id": tenant.pk,
            "user_id": people["viewer"].pk,
            "old_role": "viewer",
            "new_role": "editor",
            "actor_id": owner.user_id,
        },
        {
            "tenant_id": tenant.pk,
            "user_id": people["editor"].pk,
            "old_role": "editor",
            "new_role": "admin",
            "actor_id": people["editor"].pk,
        },
        {
            "tenant_id": tenant.pk,
            "user_id": people["admin"].pk,
            "old_role": "admin",
            "new_role": "owner",
            "actor_id": owner.user_id,
        },
    ]


# --- the same audit entries and events as before -----------------------------------------


@pytest.mark.django_db
def test_sso_adds_changes_and_removes_through_the_services(
    sso_claims, emitted, django_capture_on_commit_callbacks
):
    tenant = TenantFactory()
    add_member(tenant, UserFactory(), Role.OWNER)
    person = UserFactory()
    claims = sso_claims(tenant)

    with django_capture_on_commit_callbacks(execute=True):
        sso.apply_roles(user=person, extra_data=claims("photo-editors"), request=None)
    assert Membership.objects.get(tenant=tenant, user=person).role == Role.EDITOR
    added = LogEntry.objects.get(additional_data__event="member.sso_added")
    assert added.additional_data["role"] == "editor"

    with django_capture_on_commit_callbacks(execute=True):
        sso.apply_roles(user=person, extra_data=claims("photo-admins"), request=None)
    changed = LogEntry.objects.get(additional_data__event="member.sso_role_changed")
    assert changed.changes["role"] == ["editor", "admin"]

    with django_capture_on_commit_callbacks(execute=True):
        sso.apply_roles(user=person, extra_data=claims(), request=None)
    assert not Membership.objects.filter(tenant=tenant, user=person).exists()
    assert LogEntry.objects.filter(additional_data__event="member.sso_removed").count() == 1
    assert LogEntry.objects.filter(additional_data__event="auth.sso_signin").count() == 3

    member_events = [(n, p) for n, p in emitted if n.startswith("member.")]
    assert member_events == [
        ("member.added", {"tenant_id": tenant.pk, "user_id": person.pk, "role": "editor"}),
        (
            "member.role_changed",
            {
                "tenant_id": tenant.pk,
                "user_id": person.pk,
                "old_role": "editor",
                "new_role": "admin",
                "actor_id": person.pk,
            },
        ),
        ("member.removed", {"tenant_id": tenant.pk, "user_id": person.pk}),
    ]


@pytest.mark.django_db
def test_sso_never_takes_the_last_owner_away(
    sso_claims, emitted, django_capture_on_commit_callbacks
):
    tenant = TenantFactory()
    owner = UserFactory()
    add_member(tenant, owner, Role.OWNER)
    claims = sso_claims(tenant)

    with django_capture_on_commit_callbacks(execute=True):
        sso.apply_roles(user=owner, extra_data=claims("photo-editors"), request=None)
        sso.apply_roles(user=owner, extra_data=claims(), request=None)

    assert Membership.objects.get(tenant=tenant, user=owner).role == Role.OWNER
    assert [n for n, _ in emitted if n.startswith("member.")] == []
    assert not LogEntry.objects.filter(additional_data__event__startswith="member.").exists()


@pytest.mark.django_db
def test_account_deletion_hands_over_with_the_same_audit_entry(
    make_team, emitted, django_capture_on_commit_callbacks
):
    tenant, people = make_team()
    heir = people["editor"]

    with django_capture_on_commit_callbacks(execute=True):
        gdpr.account_delete(user=people["owner"], plan={str(tenant.pk): str(heir.pk)})

    assert Membership.objects.get(tenant=tenant, user=heir).role == Role.OWNER
    entry = LogEntry.objects.get(additional_data__event="member.role_changed")
    assert entry.changes["role"] == ["editor", "owner"]
    assert entry.additional_data["reason"] == "account deletion"
    assert Tenant.objects.filter(pk=tenant.pk).exists()


@pytest.mark.django_db
def test_account_deletion_deletes_the_workspace_when_the_heir_has_left(
    make_team, emitted, django_capture_on_commit_callbacks
):
    tenant, people = make_team()
    Membership.objects.filter(tenant=tenant, user=people["editor"]).delete()

    with django_capture_on_commit_callbacks(execute=True):
        gdpr.account_delete(user=people["owner"], plan={str(tenant.pk): str(people["editor"].pk)})

    assert not Tenant.objects.filter(pk=tenant.pk).exists()
    assert ("tenant.deleted", {"tenant_id": tenant.pk}) in emitted
    assert role_changes(emitted) == []


@pytest.mark.django_db
def test_account_deletion_keeps_a_workspace_someone_else_came_to_own(make_team):
    tenant, people = make_team()
    Membership.objects.filter(tenant=tenant, user=people["admin"]).update(role=Role.OWNER)

    gdpr.account_delete(user=people["owner"], plan={str(tenant.pk): gdpr.DELETE})

    assert Tenant.objects.filter(pk=tenant.pk).exists()
    assert Membership.objects.get(tenant=tenant, user=people["editor"]).role == Role.EDITOR
    assert not LogEntry.objects.filter(additional_data__event="member.role_changed").exists()


# --- the same row lock everywhere ---------------------------------------------------------


class Held:
    """Run ``work`` in a thread, in a transaction held open until ``release()``."""

    def __init__(self, work: Any) -> None:
        self.inside = threading.Event()
        self.go = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True)

    def _run(self, work: Any) -> None:
        try:
            with transaction.atomic():
                work()
                self.inside.set()
                self.go.wait(timeout=30)
        except BaseException as exc:  # reported to the test
            self.error = exc
        finally:
            self.inside.set()
            connection.close()

    def start(self) -> Held:
        self.thread.start()
        return self

    def release(self) -> None:
        self.go.set()
        self.thread.join(timeout=30)


class Free:
    """Run ``work`` in a thread in its own transaction, to the end."""

    def __init__(self, work: Any) -> None:
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True)

    def _run(self, work: Any) -> None:
        try:
            with transaction.atomic():
                work()
        except BaseException as exc:  # reported to the test
            self.error = exc
        finally:
            connection.close()

    def start(self) -> Free:
        self.thread.start()
        return self


def blocked_on_a_lock_or_done(other: Free) -> bool:
    """Whether ``other`` waits for a row lock (or has finished: the old code did not
    wait at all)."""
    if not other.thread.is_alive():
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


def two_owners(sso_claims) -> tuple[Tenant, User, User, Any]:  # type: ignore[no-untyped-def]
    tenant = TenantFactory()
    first, second = UserFactory(), UserFactory()
    add_member(tenant, first, Role.OWNER)
    add_member(tenant, second, Role.OWNER)
    return tenant, first, second, sso_claims(tenant)


def race(first_work: Any, second_work: Any) -> tuple[BaseException | None, BaseException | None]:
    """``first_work`` commits only once ``second_work`` is waiting for its lock (or, on
    code without the lock, has already finished)."""
    first = Held(first_work).start()
    assert first.inside.wait(timeout=30)
    assert first.error is None, first.error
    second = Free(second_work).start()
    assert wait_for(lambda: blocked_on_a_lock_or_done(second), timeout=30, interval=0.05)
    first.release()
    second.thread.join(timeout=30)
    assert not second.thread.is_alive()
    return first.error, second.error


@pytest.mark.django_db(transaction=True)
def test_sso_demoting_two_owners_at_once_keeps_one_owner(sso_claims):
    tenant, first, second, claims = two_owners(sso_claims)

    errors = race(
        lambda: sso.apply_roles(user=first, extra_data=claims("photo-admins"), request=None),
        lambda: sso.apply_roles(user=second, extra_data=claims("photo-admins"), request=None),
    )

    assert errors == (None, None)  # a sign-in never fails over the last owner
    roles = dict(Membership.objects.filter(tenant=tenant).values_list("user_id", "role"))
    assert roles == {first.pk: Role.ADMIN, second.pk: Role.OWNER}


@pytest.mark.django_db(transaction=True)
def test_sso_demoting_an_owner_while_the_other_deletes_their_account_keeps_an_owner(sso_claims):
    tenant, first, second, claims = two_owners(sso_claims)

    # first deletes their account (the workspace has another owner: nothing to hand
    # over) while single sign-on demotes second
    errors = race(
        lambda: gdpr.account_delete(user=first, plan={str(tenant.pk): gdpr.DELETE}),
        lambda: sso.apply_roles(user=second, extra_data=claims("photo-admins"), request=None),
    )

    assert errors == (None, None)
    roles = dict(Membership.objects.filter(tenant=tenant).values_list("user_id", "role"))
    assert roles == {second.pk: Role.OWNER}


@pytest.mark.django_db(transaction=True)
def test_a_member_leaving_while_sso_demotes_the_other_owner_is_refused(sso_claims):
    tenant, first, second, claims = two_owners(sso_claims)

    def second_leaves() -> None:
        mine = Membership.objects.get(tenant=tenant, user=second)
        services.membership_remove(membership=mine, target=mine)

    _, refused = race(
        lambda: sso.apply_roles(user=first, extra_data=claims("photo-admins"), request=None),
        second_leaves,
    )

    assert isinstance(refused, LastOwner)
    roles = dict(Membership.objects.filter(tenant=tenant).values_list("user_id", "role"))
    assert roles == {first.pk: Role.ADMIN, second.pk: Role.OWNER}


# --- the system paths stay system paths ---------------------------------------------------

SYSTEM_PATHS = {
    "membership_sync_sso": {"accounts/sso.py"},
    "membership_hand_over": {"accounts/gdpr.py"},
    "membership_operator_step": {"accounts/admin.py"},
    "membership_operator_remove": {"accounts/admin.py"},
}


def test_only_sso_and_account_deletion_reach_the_system_membership_paths():
    """They ask nothing of an acting member, so no view, API or form may call them."""
    callers: dict[str, set[str]] = {name: set() for name in SYSTEM_PATHS}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "var/")) or relative == "accounts/services.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if name in callers:
                callers[name].add(relative)
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in callers:
                        callers[alias.name].add(relative)
    assert callers == SYSTEM_PATHS
    assert isinstance(ROOT, Path)
