"""The audit rule is structural: every public function of the write modules, and every
admin action, leaves an audit entry, or is exempted here with a reason.

A new service without an audit entry fails ``test_every_write_service_is_audited``
until it records one (and gets a recipe below) or is added to ``EXEMPT`` with a reason.
"""

from __future__ import annotations

import importlib
import inspect
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.utils import timezone

from accounts.models import (
    AccountDeletion,
    DataExport,
    Invitation,
    Membership,
    Role,
    Tenant,
    User,
    hash_token,
)
from tests import images
from tests.factories import PASSWORD, UserFactory, add_member
from tests.security.helpers import force_login_verified

pytestmark = pytest.mark.django_db

WRITE_MODULES = (
    "accounts.services",
    "accounts.gdpr",
    "accounts.sso",
    "gallery.services",
    "albums.services",
    "albums.sharing.services",
    "search.services",
)

# Public functions that write nothing of their own, or nothing anyone decided, with why.
EXEMPT: dict[str, str] = {
    "accounts.services.invitation_by_token": "reads: finds a pending invitation by its token",
    "accounts.services.device_fingerprint": "pure: hashes a user agent and an address",
    "accounts.sso.claim_values": "pure: reads a claim of the provider's answer",
    "accounts.sso.mapped_roles": "pure: maps claim values to roles",
    "gallery.services.normalise_tags": "pure: cleans tag names",
    "gallery.services.folder_of": "pure: the folder part of a relative path",
    "gallery.services.usage_add": "storage counters; the upload, purge or rendition that "
    "moves them is what is audited",
    "gallery.services.tags_ensure": "creates tag rows only as part of an audited change "
    "(upload, edit, bulk tag)",
    "gallery.services.asset_process": "the worker derives metadata and renditions; nobody "
    "decided anything (failures are logged and shown on the asset)",
    "gallery.services.rendition_record": "derived files made by the worker or on demand",
    "gallery.services.asset_mark_failed": "processing outcome, logged and shown on the asset",
    "albums.services.require_editor": "a check, writes nothing",
    "albums.sharing.services.share_link_check_download": "a check for HEAD requests, "
    "counts nothing",
    "gallery.services.rename_pattern_parse": "pure: parses a bulk rename pattern",
    "albums.sharing.services.password_fingerprint": "pure: a hash for the visitor's session",
    "albums.sharing.services.share_access_record": "visitors' use of a link goes to the link's own "
    "access log (ShareAccess), shown with the link",
    "albums.sharing.services.share_link_count_view": "visitor access: the link's access log",
    "albums.sharing.services.share_link_count_download": "visitor access: the link's access log",
    "albums.sharing.services.share_password_check": "visitor access: the link's access log",
    "search.services.documents_refresh": "derived search index, rebuilt from the assets",
    "search.services.documents_rebuild": "derived search index, rebuilt from the assets",
    "search.services.documents_index_missing": "derived search index, rebuilt from the assets",
}


def write_services() -> list[str]:
    found = []
    for module_name in WRITE_MODULES:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if (
                inspect.isfunction(obj)
                and not name.startswith("_")
                and obj.__module__ == module_name
            ):
                found.append(f"{module_name}.{name}")
    return sorted(found)


@dataclass
class World:
    tenant: Tenant
    owner: User
    editor: User
    viewer: User
    outsider: User
    settings: Any  # pytest-django's, restored after the test

    def membership(self, user: User) -> Membership:
        return Membership.objects.select_related("tenant", "user").get(
            user=user, tenant=self.tenant
        )

    def actor(self, user: User | None = None) -> Any:
        from albums.selectors import Actor

        who = user or self.editor
        return Actor(user=who, membership=self.membership(who), shared=True)

    def asset(self, seed: int, user: User | None = None, **fields: Any) -> Any:
        from gallery import services

        asset, _ = services.asset_upload(
            membership=self.membership(user or self.editor),
            fileobj=io.BytesIO(images.jpeg(seed=seed)),
            filename=f"photo-{seed}.jpg",
            **fields,
        )
        return asset

    def album(self, title: str = "Trip") -> Any:
        from albums import services

        return services.album_create(actor=self.actor(), title=title)


@pytest.fixture
def world(make_team, media, settings) -> World:  # type: ignore[no-untyped-def]
    tenant, people = make_team()
    return World(
        tenant, people["owner"], people["editor"], people["viewer"], UserFactory(), settings
    )


Recipe = Callable[[World], Callable[[], Any]]


def _accounts() -> dict[str, Recipe]:
    from accounts import services as s

    def accept(w: World) -> Callable[[], Any]:
        _, raw = s.invitation_create(
            membership=w.membership(w.owner), email=w.outsider.email, role="editor"
        )
        return lambda: s.invitation_accept(user=w.outsider, token=raw)

    def revoke_invitation(w: World) -> Callable[[], Any]:
        invitation, _ = s.invitation_create(
            membership=w.membership(w.owner), email="later@example.com", role="viewer"
        )
        return lambda: s.invitation_revoke(membership=w.membership(w.owner), invitation=invitation)

    def personal(w: World) -> Callable[[], Any]:
        Membership.objects.filter(user=w.outsider, tenant__personal=True).delete()
        return lambda: s.tenant_create_personal(user=w.outsider)

    def token_revoke(w: World) -> Callable[[], Any]:
        token, _ = s.api_token_create(user=w.owner, tenant=w.tenant, name="ci")
        return lambda: s.api_token_revoke(user=w.owner, token=token)

    def token_touch(w: World) -> Callable[[], Any]:
        token, _ = s.api_token_create(user=w.owner, tenant=w.tenant, name="ci")
        return lambda: s.api_token_touch(token=token, ip="203.0.113.7")

    def purge(w: World) -> Callable[[], Any]:
        Invitation.objects.create(
            tenant=w.tenant,
            email="old@example.com",
            role="viewer",
            token_hash=hash_token("old"),
            expires_at=timezone.now() - timedelta(days=90),
        )
        return lambda: s.invitations_purge(older_than_days=30)

    def operator_reset(w: World) -> Callable[[], Any]:
        UserFactory(is_staff=True, email="ops@example.com")
        return lambda: s.operator_password_reset(
            email="ops@example.com", password="a-long-new-operator-passphrase"
        )

    def device(w: World) -> Callable[[], Any]:
        s.device_seen(user=w.owner, ip="198.51.100.1", user_agent="first")
        return lambda: s.device_seen(user=w.owner, ip="198.51.100.2", user_agent="second")

    return {
        "user_create": lambda w: lambda: s.user_create(email="new@example.com", password=None),
        "tenant_create": lambda w: lambda: s.tenant_create(name="New", owner=w.owner),
        "tenant_create_personal": personal,
        "operator_password_reset": operator_reset,
        "tenant_update": lambda w: (
            lambda: s.tenant_update(membership=w.membership(w.owner), name="Renamed")
        ),
        "invitation_create": lambda w: (
            lambda: s.invitation_create(
                membership=w.membership(w.owner), email="inv@example.com", role="editor"
            )
        ),
        "invitation_accept": accept,
        "invitation_revoke": revoke_invitation,
        "membership_change_role": lambda w: (
            lambda: s.membership_change_role(
                membership=w.membership(w.owner),
                target=w.membership(w.viewer),
                role=Role.EDITOR,
            )
        ),
        "membership_operator_step": lambda w: (
            lambda: s.membership_operator_step(
                operator=w.owner, targets=[w.membership(w.viewer)], step=1
            )
        ),
        "membership_operator_remove": lambda w: (
            lambda: s.membership_operator_remove(operator=w.owner, targets=[w.membership(w.viewer)])
        ),
        "membership_remove": lambda w: (
            lambda: s.membership_remove(
                membership=w.membership(w.owner), target=w.membership(w.viewer)
            )
        ),
        "membership_sync_sso": lambda w: (
            lambda: s.membership_sync_sso(user=w.viewer, tenant=w.tenant, role=Role.EDITOR)
        ),
        "membership_hand_over": lambda w: (
            lambda: s.membership_hand_over(
                leaving=w.owner, tenant=w.tenant, heir_user_id=w.editor.pk
            )
        ),
        "api_token_create": lambda w: (
            lambda: s.api_token_create(user=w.owner, tenant=w.tenant, name="ci")
        ),
        "api_token_revoke": token_revoke,
        "api_token_touch": token_touch,
        "ensure_operator": lambda w: (
            lambda: s.ensure_operator(email="operator@example.com", password=PASSWORD)
        ),
        "invitations_purge": purge,
        "device_seen": device,
        "tenant_security_update": lambda w: (
            lambda: s.tenant_security_update(
                membership=w.membership(w.owner),
                require_2fa=False,
                ip_allowlist=[],
                ip_blocklist=["192.0.2.0/24"],
            )
        ),
    }


def _gdpr() -> dict[str, Recipe]:
    from accounts import gdpr

    def built(w: World) -> DataExport:
        export = gdpr.data_export_request(user=w.viewer)
        built = gdpr.data_export_build(export_id=export.pk)
        assert built is not None
        return built

    def build(w: World) -> Callable[[], Any]:
        export = gdpr.data_export_request(user=w.viewer)
        return lambda: gdpr.data_export_build(export_id=export.pk)

    def open_(w: World) -> Callable[[], Any]:
        export = built(w)
        return lambda: gdpr.data_export_open(user=w.viewer, export=export).close()

    def purge(w: World) -> Callable[[], Any]:
        export = built(w)
        DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
        return gdpr.data_exports_purge

    def cancel(w: World) -> Callable[[], Any]:
        gdpr.account_deletion_request(user=w.viewer, password=PASSWORD, plan={})
        return lambda: gdpr.account_deletion_cancel(user=w.viewer)

    def execute(w: World) -> Callable[[], Any]:
        gdpr.account_deletion_request(user=w.viewer, password=PASSWORD, plan={})
        AccountDeletion.objects.filter(user=w.viewer).update(scheduled_for=timezone.now())
        return gdpr.account_deletions_execute

    def delete(w: World) -> Callable[[], Any]:
        personal = Tenant.objects.get(memberships__user=w.viewer, personal=True)
        return lambda: gdpr.account_delete(user=w.viewer, plan={str(personal.pk): gdpr.DELETE})

    return {
        "data_export_request": lambda w: lambda: gdpr.data_export_request(user=w.viewer),
        "data_export_build": build,
        "data_export_open": open_,
        "data_exports_purge": purge,
        "account_deletion_request": lambda w: (
            lambda: gdpr.account_deletion_request(user=w.viewer, password=PASSWORD, plan={})
        ),
        "account_deletion_cancel": cancel,
        "account_delete": delete,
        "account_deletions_execute": execute,
    }


def _sso() -> dict[str, Recipe]:
    from accounts import sso

    def apply(w: World) -> Callable[[], Any]:
        w.settings.LUMINA_OIDC_ROLE_CLAIM = "groups"
        w.settings.LUMINA_OIDC_ROLE_MAP = {"photo-team": "editor"}
        w.settings.LUMINA_OIDC_WORKSPACE = w.tenant.slug
        return lambda: sso.apply_roles(
            user=w.outsider, extra_data={"groups": ["photo-team"]}, request=None
        )

    return {"apply_roles": apply}


def _gallery() -> dict[str, Recipe]:
    from gallery import services as s
    from gallery.models import Asset, Status

    def trashed(w: World, seed: int) -> Any:
        asset = w.asset(seed)
        s.asset_delete(membership=w.membership(w.editor), assets=[asset])
        return asset

    def restore(w: World) -> Callable[[], Any]:
        asset = trashed(w, 1)
        return lambda: s.asset_restore(membership=w.membership(w.editor), assets=[asset])

    def empty(w: World) -> Callable[[], Any]:
        trashed(w, 1)
        return lambda: s.trash_empty(membership=w.membership(w.editor))

    def purge(w: World) -> Callable[[], Any]:
        asset = trashed(w, 1)
        Asset.objects.filter(pk=asset.pk).update(deleted_at=timezone.now() - timedelta(days=60))
        return lambda: s.trash_purge(older_than_days=30)

    def stuck(w: World) -> Callable[[], Any]:
        asset = w.asset(1)
        Asset.objects.filter(pk=asset.pk).update(
            status=Status.PROCESSING, updated_at=timezone.now() - timedelta(hours=2)
        )
        return lambda: s.assets_requeue_stuck(older_than=timedelta(minutes=15))

    def with_asset(call: Callable[[World, Any], Any]) -> Recipe:
        def recipe(w: World) -> Callable[[], Any]:
            asset = w.asset(1)
            return lambda: call(w, asset)

        return recipe

    return {
        "asset_upload": lambda w: lambda: w.asset(1),
        "asset_reprocess": with_asset(lambda w, a: s.asset_reprocess(asset_ids=[a.pk])),
        "assets_requeue_stuck": stuck,
        "asset_update": with_asset(
            lambda w, a: s.asset_update(
                membership=w.membership(w.editor), asset=a, data={"title": "Sunset"}
            )
        ),
        "asset_delete": with_asset(
            lambda w, a: s.asset_delete(membership=w.membership(w.editor), assets=[a])
        ),
        "asset_restore": restore,
        "trash_empty": empty,
        "trash_purge": purge,
        "favorite_set": with_asset(
            lambda w, a: s.favorite_set(membership=w.membership(w.viewer), assets=[a], on=True)
        ),
        "asset_bulk": with_asset(
            lambda w, a: s.asset_bulk(
                membership=w.membership(w.editor),
                assets=[a],
                action="rename",
                params={"pattern": "Trip {n:02}"},
            )
        ),
    }


def _albums() -> dict[str, Recipe]:
    from albums import services as s
    from albums.models import ShareAccess
    from albums.services import Placement
    from albums.sharing import services as sh

    def with_album(call: Callable[[World, Any], Any]) -> Recipe:
        def recipe(w: World) -> Callable[[], Any]:
            album = w.album()
            return lambda: call(w, album)

        return recipe

    def filled(w: World) -> tuple[Any, list[Any]]:
        album = w.album()
        assets = [w.asset(1), w.asset(2)]
        s.album_items_add(actor=w.actor(), album=album, assets=assets)
        return album, assets

    def items_add(w: World) -> Callable[[], Any]:
        album, asset = w.album(), w.asset(1)
        return lambda: s.album_items_add(actor=w.actor(), album=album, assets=[asset])

    def items_remove(w: World) -> Callable[[], Any]:
        album, assets = filled(w)
        return lambda: s.album_items_remove(actor=w.actor(), album=album, asset_ids=[assets[0].pk])

    def items_reorder(w: World) -> Callable[[], Any]:
        album, assets = filled(w)
        return lambda: s.album_items_reorder(
            actor=w.actor(), album=album, asset_ids=[assets[1].pk], place=Placement(to="start")
        )

    def upload(w: World) -> Callable[[], Any]:
        album = w.album()
        return lambda: s.album_upload(
            actor=w.actor(),
            album=album,
            fileobj=io.BytesIO(images.jpeg(seed=9)),
            filename="into-album.jpg",
        )

    def link(w: World) -> Any:
        found, _ = sh.share_link_create(actor=w.actor(), album=w.album(), name="Summer")
        return found

    def share(w: World) -> tuple[Any, Any]:
        album = w.album()
        return album, s.album_share_create(actor=w.actor(), album=album, user=w.outsider)

    def share_update(w: World) -> Callable[[], Any]:
        album, found = share(w)
        return lambda: s.album_share_update(
            actor=w.actor(), album=album, share=found, data={"role": "contributor"}
        )

    def share_delete(w: World) -> Callable[[], Any]:
        album, found = share(w)
        return lambda: s.album_share_delete(actor=w.actor(), album=album, share=found)

    def access_purge(w: World) -> Callable[[], Any]:
        found = link(w)
        sh.share_access_record(link=found, what="view", ip="192.0.2.1")
        ShareAccess.objects.update(at=timezone.now() - timedelta(days=400))
        return lambda: sh.share_access_purge(older_than_days=180)

    def link_recipe(call: Callable[[World, Any], Any]) -> Recipe:
        def recipe(w: World) -> Callable[[], Any]:
            found = link(w)
            return lambda: call(w, found)

        return recipe

    return {
        "album_create": lambda w: lambda: w.album(),
        "album_update": with_album(
            lambda w, a: s.album_update(actor=w.actor(), album=a, data={"title": "Holiday"})
        ),
        "album_delete": with_album(lambda w, a: s.album_delete(actor=w.actor(), album=a)),
        "albums_for_path": lambda w: (
            lambda: s.albums_for_path(membership=w.membership(w.editor), path="Trip/Day 1")
        ),
        "album_items_add": items_add,
        "album_items_remove": items_remove,
        "album_items_reorder": items_reorder,
        "album_upload": upload,
        "share_link_create": with_album(
            lambda w, a: sh.share_link_create(actor=w.actor(), album=a, name="Summer")
        ),
        "share_link_update": link_recipe(
            lambda w, found: sh.share_link_update(
                actor=w.actor(), link=found, data={"max_views": 5, "password": "a long secret"}
            )
        ),
        "share_link_revoke": link_recipe(
            lambda w, found: sh.share_link_revoke(actor=w.actor(), link=found)
        ),
        "share_links_revoke_operator": link_recipe(
            lambda w, found: sh.share_links_revoke_operator(links=[found])
        ),
        "share_access_purge": access_purge,
        "album_share_create": with_album(
            lambda w, a: s.album_share_create(actor=w.actor(), album=a, user=w.outsider)
        ),
        "album_share_update": share_update,
        "album_share_delete": share_delete,
    }


def _search() -> dict[str, Recipe]:
    from gallery.models import Asset, Status
    from search import services as s

    def resolve(w: World) -> Callable[[], Any]:
        keep, copy = w.asset(1), w.asset(2)
        # The same perceptual hash, as processing would leave it: near duplicates.
        Asset.objects.filter(pk__in=[keep.pk, copy.pk]).update(phash=12345, status=Status.READY)
        s.documents_refresh(asset_ids=[keep.pk, copy.pk])
        return lambda: s.duplicates_resolve(
            membership=w.membership(w.editor), keep_id=keep.pk, trash_ids=[copy.pk]
        )

    return {"duplicates_resolve": resolve}


SHARING_SERVICES = {
    n.rsplit(".", 1)[1] for n in write_services() if n.startswith("albums.sharing.services.")
}


def recipes() -> dict[str, Recipe]:
    found: dict[str, Recipe] = {}
    for module, table in (
        ("accounts.services", _accounts()),
        ("accounts.gdpr", _gdpr()),
        ("accounts.sso", _sso()),
        ("gallery.services", _gallery()),
        ("albums.services", _albums()),
        ("search.services", _search()),
    ):
        for name, recipe in table.items():
            # The albums table holds the share-link recipes too (they share set-ups).
            if module == "albums.services" and name in SHARING_SERVICES:
                found[f"albums.sharing.services.{name}"] = recipe
            else:
                found[f"{module}.{name}"] = recipe
    return found


def audit_entries() -> int:
    return LogEntry.objects.filter(additional_data__has_key="event").count()


def test_exemptions_name_real_services_and_are_not_also_audited():
    services = set(write_services())
    assert set(EXEMPT) <= services, set(EXEMPT) - services
    assert not set(EXEMPT) & set(recipes())
    assert all(reason.strip() for reason in EXEMPT.values())


@pytest.mark.parametrize("name", [n for n in write_services() if n not in EXEMPT])
def test_every_write_service_is_audited(name, world):
    recipe = recipes().get(name)
    assert recipe is not None, (
        f"{name} is a public function of a write module but has no audit recipe: make it "
        "record an audit entry (accounts.audit.record) and add a recipe here, or exempt "
        "it in EXEMPT with a reason"
    )
    call = recipe(world)
    before = audit_entries()
    call()
    assert audit_entries() > before, f"{name} wrote no audit entry"


# --- the operator console ---------------------------------------------------------------

OUR_APPS = ("accounts", "gallery", "albums", "search")


def admin_actions() -> list[tuple[str, str]]:
    found = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        # What the console offers an operator (Django's delete_selected included).
        for name in model_admin.get_actions(_request()):
            found.append((model._meta.label_lower, name))
    return sorted(found)


def _request() -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User(is_staff=True, is_superuser=True, is_active=True)
    return request


def _admin_objects(w: World) -> dict[str, Callable[[], Any]]:
    from accounts import services as account_services
    from albums.sharing import services as sharing_services
    from gallery.models import StorageUsage, Tag

    def link() -> Any:
        found, _ = sharing_services.share_link_create(actor=w.actor(), album=w.album(), name="S")
        return found

    def token() -> Any:
        return account_services.api_token_create(user=w.owner, tenant=w.tenant, name="ops")[0]

    return {
        "accounts.user": lambda: UserFactory(),
        "accounts.tenant": lambda: Tenant.objects.create(name="Gone", slug="gone"),
        "accounts.membership": lambda: add_member(w.tenant, UserFactory(), Role.EDITOR),
        "accounts.invitation": lambda: Invitation.objects.create(
            tenant=w.tenant,
            email="x@example.com",
            role="viewer",
            token_hash=hash_token("x"),
            expires_at=timezone.now() + timedelta(days=1),
        ),
        "accounts.apitoken": token,
        "accounts.knowndevice": lambda: account_services.device_seen(
            user=w.owner, ip="192.0.2.4", user_agent="x"
        )[0],
        "accounts.dataexport": lambda: DataExport.objects.create(user=w.owner),
        "accounts.accountdeletion": lambda: AccountDeletion.objects.create(
            user=w.viewer, scheduled_for=timezone.now() + timedelta(days=9)
        ),
        "gallery.asset": lambda: w.asset(5),
        "gallery.tag": lambda: Tag.objects.create(tenant=w.tenant, name="sea"),
        "gallery.storageusage": lambda: StorageUsage.objects.get_or_create(tenant=w.tenant)[0],
        "albums.album": lambda: w.album(),
        "albums.sharelink": link,
    }


def test_every_admin_action_is_audited(world, browser):
    operator = UserFactory(is_staff=True, is_superuser=True, email="admin@example.com")
    force_login_verified(browser, operator)
    makers = _admin_objects(world)
    actions = admin_actions()
    assert ("albums.sharelink", "revoke") in actions
    assert ("gallery.asset", "reprocess") in actions
    for model_label, action in actions:
        assert model_label in makers, f"no object to try {action} on {model_label}"
        obj = makers[model_label]()
        app_label, model_name = model_label.split(".")
        before = audit_entries()
        url = f"/admin/{app_label}/{model_name}/"
        data = {"action": action, "_selected_action": [obj.pk], "post": "yes"}
        response = browser.post(url, data)
        assert response.status_code in (200, 302), (model_label, action, response.status_code)
        assert audit_entries() > before, f"admin action {action} on {model_label} wrote no entry"


def test_every_admin_in_the_console_records_operator_actions():
    from accounts.admin_audit import AuditedAdmin

    plain = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model is not LogEntry and not isinstance(model_admin, AuditedAdmin)
    ]
    assert plain == []


def test_unlocking_a_lockout_in_the_admin_is_recorded(world, browser):
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username=world.viewer.email,
        ip_address="192.0.2.9",
        user_agent="x",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    operator = UserFactory(is_staff=True, is_superuser=True, email="admin@example.com")
    force_login_verified(browser, operator)
    browser.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    entry = LogEntry.objects.get(additional_data__event="admin.deleted")
    assert entry.additional_data["actor_kind"] == "operator"
    assert entry.additional_data["targets"][0]["id"] == attempt.pk
