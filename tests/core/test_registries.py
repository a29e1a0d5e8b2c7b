"""The registries apps fill in ready(): what the core holds after start-up."""

from __future__ import annotations

import pytest
from auditlog.registry import auditlog
from django.apps import apps

from lumina.core import plugins
from lumina.core.registries import Registry, RegistryError


def test_a_watcher_gets_the_entries_there_and_those_to_come():
    registry: Registry[int] = Registry("numbers", "Test numbers.")
    registry.register("one", 1)
    seen: list[tuple[str, int]] = []
    registry.watch(lambda key, entry: seen.append((key, entry)))
    registry.register("two", 2)
    registry.register("two", 2)  # the same entry again: no second call
    assert seen == [("one", 1), ("two", 2)]
    with pytest.raises(RegistryError):
        registry.register("two", 3)


def test_each_app_contributes_its_export_section_accounts_first():
    assert plugins.data_exporters.keys() == ["accounts", "gallery", "albums"]


def test_the_audited_models_are_registered_with_auditlog_with_their_fields():
    expected = {
        "accounts.User": ((), ("password", "last_login", "password_changed_at")),
        "accounts.Tenant": ((), ("updated_at",)),
        "accounts.Membership": ((), ()),
        "accounts.Invitation": ((), ("token_hash",)),
        "accounts.ApiToken": ((), ("token_hash", "last_used_at", "last_used_ip")),
        "gallery.Asset": (
            ("title", "description", "visibility", "owner", "original_filename", "deleted_at"),
            (),
        ),
        "albums.Album": ((), ()),
        "albums.ShareLink": ((), ("token_hash", "password")),
    }
    got = {
        label: (entry.include_fields, entry.exclude_fields)
        for label, entry in plugins.audited_models.items()
    }
    assert got == expected
    for label in expected:
        model = apps.get_model(label)
        assert auditlog.contains(model), label
        fields = {f.name for f in model._meta.get_fields()}
        include, exclude = expected[label]
        assert set(include) | set(exclude) <= fields, label  # no guessed field names


def test_audit_entries_name_objects_as_their_app_says():
    people = {key for key, entry in plugins.audit_labels.items() if entry.person}
    assert people == {
        "accounts.user",
        "accounts.membership",
        "accounts.invitation",
        "albums.albumshare",
    }
    assert set(plugins.audit_labels.keys()) == people | {
        "accounts.tenant",
        "gallery.asset",
        "albums.album",
    }
