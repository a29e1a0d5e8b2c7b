"""What each audit verb reads like: one table of sentence templates, translatable.

An entry keeps the raw detail (ids, labels captured at the time, old and new values);
the sentence is made when the entry is read, in the reader's language. ``one`` is used
when an entry names one object (with its label), ``many`` when it names several (with
their count). Placeholders: ``actor``, ``target``, ``count``, ``parent``, ``old`` and
``new`` (of the verb's ``field``), ``ip`` and any key of the entry's detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from lumina.core import plugins


@dataclass(frozen=True)
class Verb:
    one: Promise
    many: Any = None  # an ngettext_lazy keyed on "count"
    field: str = ""  # the field whose change fills ``old`` and ``new``
    quote: bool = False  # quote ``old`` and ``new`` (names, not roles)


VERBS: dict[str, Verb] = {
    # Sign-in and account security.
    "auth.signin": Verb(gettext_lazy("%(actor)s signed in")),
    "auth.signin_failed": Verb(gettext_lazy("failed sign-in to the account of %(actor)s")),
    "auth.new_device": Verb(gettext_lazy("%(actor)s signed in from a new device or address")),
    "auth.lockout": Verb(
        gettext_lazy("the account of %(actor)s was locked after repeated failures")
    ),
    "auth.password_changed": Verb(gettext_lazy("%(actor)s changed their password")),
    "auth.sso_signin": Verb(gettext_lazy("%(actor)s signed in with single sign-on")),
    "2fa.enabled": Verb(gettext_lazy("%(actor)s turned on two-factor authentication")),
    "2fa.disabled": Verb(gettext_lazy("%(actor)s turned off two-factor authentication")),
    "2fa.recovery_codes_regenerated": Verb(gettext_lazy("%(actor)s made new recovery codes")),
    "2fa.recovery_code_used": Verb(gettext_lazy("%(actor)s signed in with a recovery code")),
    "2fa.failed": Verb(gettext_lazy("%(actor)s gave a wrong two-factor code")),
    "token.created": Verb(gettext_lazy("%(actor)s created API token %(target)s")),
    "token.revoked": Verb(gettext_lazy("%(actor)s revoked API token %(target)s")),
    "token.new_ip": Verb(
        gettext_lazy("API token %(target)s of %(actor)s was used from a new address")
    ),
    "privacy.export_requested": Verb(gettext_lazy("%(actor)s asked for an export of their data")),
    "privacy.export_ready": Verb(gettext_lazy("the export of the data of %(actor)s is ready")),
    "privacy.export_downloaded": Verb(
        gettext_lazy("%(actor)s downloaded the export of their data")
    ),
    "privacy.deletion_requested": Verb(
        gettext_lazy("%(actor)s asked for their account to be deleted")
    ),
    "privacy.deletion_cancelled": Verb(
        gettext_lazy("%(actor)s cancelled the deletion of their account")
    ),
    "privacy.deletion_executed": Verb(gettext_lazy("%(actor)s deleted the account %(target)s")),
    "privacy.exports_purged": Verb(
        gettext_lazy("%(actor)s deleted an expired data export"),
        ngettext_lazy(
            "%(actor)s deleted %(count)d expired data export",
            "%(actor)s deleted %(count)d expired data exports",
            "count",
        ),
    ),
    "audit.exported": Verb(gettext_lazy("%(actor)s exported the audit log")),
    # Accounts and workspaces.
    "user.created": Verb(gettext_lazy("%(actor)s created the account %(target)s")),
    "workspace.created": Verb(gettext_lazy("%(actor)s created the workspace %(target)s")),
    "workspace.renamed": Verb(
        gettext_lazy("%(actor)s renamed the workspace from %(old)s to %(new)s"),
        field="name",
        quote=True,
    ),
    "workspace.deleted": Verb(
        gettext_lazy("the workspace %(target)s was deleted with the account of %(actor)s")
    ),
    "workspace.security_changed": Verb(
        gettext_lazy("%(actor)s changed the workspace's security settings")
    ),
    "invitation.created": Verb(gettext_lazy("%(actor)s invited %(target)s as %(role)s")),
    "invitation.accepted": Verb(
        gettext_lazy("%(actor)s accepted an invitation and joined as %(role)s")
    ),
    "invitation.revoked": Verb(gettext_lazy("%(actor)s withdrew the invitation of %(target)s")),
    "invitations.purged": Verb(
        gettext_lazy("%(actor)s deleted an ended invitation"),
        ngettext_lazy(
            "%(actor)s deleted %(count)d ended invitation",
            "%(actor)s deleted %(count)d ended invitations",
            "count",
        ),
    ),
    "member.added": Verb(gettext_lazy("%(actor)s added %(target)s as %(role)s")),
    "member.role_changed": Verb(
        gettext_lazy("%(actor)s changed the role of %(target)s from %(old)s to %(new)s"),
        field="role",
    ),
    "member.removed": Verb(gettext_lazy("%(actor)s removed %(target)s from the workspace")),
    "member.left": Verb(gettext_lazy("%(actor)s left the workspace")),
    "member.sso_added": Verb(gettext_lazy("%(target)s joined as %(role)s through single sign-on")),
    "member.sso_removed": Verb(
        gettext_lazy("%(target)s left the workspace through single sign-on")
    ),
    "member.sso_role_changed": Verb(
        gettext_lazy("single sign-on changed the role of %(target)s from %(old)s to %(new)s"),
        field="role",
    ),
    # Images.
    "asset.uploaded": Verb(gettext_lazy("%(actor)s uploaded image %(target)s")),
    "asset.updated": Verb(gettext_lazy("%(actor)s edited image %(target)s")),
    "asset.trashed": Verb(
        gettext_lazy("%(actor)s moved image %(target)s to the trash"),
        ngettext_lazy(
            "%(actor)s moved %(count)d image to the trash",
            "%(actor)s moved %(count)d images to the trash",
            "count",
        ),
    ),
    "asset.restored": Verb(
        gettext_lazy("%(actor)s restored image %(target)s from the trash"),
        ngettext_lazy(
            "%(actor)s restored %(count)d image from the trash",
            "%(actor)s restored %(count)d images from the trash",
            "count",
        ),
    ),
    "trash.emptied": Verb(
        gettext_lazy("%(actor)s emptied the trash, deleting image %(target)s for good"),
        ngettext_lazy(
            "%(actor)s emptied the trash, deleting %(count)d image for good",
            "%(actor)s emptied the trash, deleting %(count)d images for good",
            "count",
        ),
    ),
    "trash.purged": Verb(
        gettext_lazy("%(actor)s deleted image %(target)s from the trash for good"),
        ngettext_lazy(
            "%(actor)s deleted %(count)d image from the trash for good",
            "%(actor)s deleted %(count)d images from the trash for good",
            "count",
        ),
    ),
    "asset.favorited": Verb(
        gettext_lazy("%(actor)s marked image %(target)s as a favourite"),
        ngettext_lazy(
            "%(actor)s marked %(count)d image as favourite",
            "%(actor)s marked %(count)d images as favourites",
            "count",
        ),
    ),
    "asset.unfavorited": Verb(
        gettext_lazy("%(actor)s removed image %(target)s from their favourites"),
        ngettext_lazy(
            "%(actor)s removed %(count)d image from their favourites",
            "%(actor)s removed %(count)d images from their favourites",
            "count",
        ),
    ),
    "asset.tagged": Verb(
        gettext_lazy("%(actor)s tagged image %(target)s with %(tags)s"),
        ngettext_lazy(
            "%(actor)s tagged %(count)d image with %(tags)s",
            "%(actor)s tagged %(count)d images with %(tags)s",
            "count",
        ),
    ),
    "asset.untagged": Verb(
        gettext_lazy("%(actor)s removed the tags %(tags)s from image %(target)s"),
        ngettext_lazy(
            "%(actor)s removed the tags %(tags)s from %(count)d image",
            "%(actor)s removed the tags %(tags)s from %(count)d images",
            "count",
        ),
    ),
    "asset.visibility_changed": Verb(
        gettext_lazy("%(actor)s made image %(target)s %(visibility)s"),
        ngettext_lazy(
            "%(actor)s made %(count)d image %(visibility)s",
            "%(actor)s made %(count)d images %(visibility)s",
            "count",
        ),
    ),
    "asset.renamed": Verb(
        gettext_lazy("%(actor)s renamed image %(target)s with the pattern %(pattern)s"),
        ngettext_lazy(
            "%(actor)s renamed %(count)d image with the pattern %(pattern)s",
            "%(actor)s renamed %(count)d images with the pattern %(pattern)s",
            "count",
        ),
    ),
    "asset.reprocessed": Verb(
        gettext_lazy("%(actor)s queued image %(target)s for processing again"),
        ngettext_lazy(
            "%(actor)s queued %(count)d image for processing again",
            "%(actor)s queued %(count)d images for processing again",
            "count",
        ),
    ),
    # Albums.
    "album.created": Verb(gettext_lazy("%(actor)s created album %(target)s")),
    "album.updated": Verb(gettext_lazy("%(actor)s changed album %(target)s")),
    "album.moved": Verb(gettext_lazy("%(actor)s moved album %(target)s from %(old)s to %(new)s")),
    "album.deleted": Verb(
        gettext_lazy("%(actor)s deleted album %(target)s"),
        ngettext_lazy(
            "%(actor)s deleted %(count)d album",
            "%(actor)s deleted %(count)d albums",
            "count",
        ),
    ),
    "album.items_added": Verb(
        gettext_lazy("%(actor)s added image %(target)s to album %(parent)s"),
        ngettext_lazy(
            "%(actor)s added %(count)d image to album %(parent)s",
            "%(actor)s added %(count)d images to album %(parent)s",
            "count",
        ),
    ),
    "album.items_removed": Verb(
        gettext_lazy("%(actor)s removed image %(target)s from album %(parent)s"),
        ngettext_lazy(
            "%(actor)s removed %(count)d image from album %(parent)s",
            "%(actor)s removed %(count)d images from album %(parent)s",
            "count",
        ),
    ),
    "album.items_reordered": Verb(
        gettext_lazy("%(actor)s moved image %(target)s within album %(parent)s"),
        ngettext_lazy(
            "%(actor)s reordered %(count)d image in album %(parent)s",
            "%(actor)s reordered %(count)d images in album %(parent)s",
            "count",
        ),
    ),
    "album.shared": Verb(
        gettext_lazy("%(actor)s shared album %(parent)s with %(target)s as %(role)s")
    ),
    "album.share_changed": Verb(
        gettext_lazy("%(actor)s changed the share of album %(parent)s with %(target)s")
    ),
    "album.unshared": Verb(
        gettext_lazy("%(actor)s stopped sharing album %(parent)s with %(target)s")
    ),
    "share_link.created": Verb(gettext_lazy("%(actor)s created share link %(target)s")),
    "share_link.updated": Verb(gettext_lazy("%(actor)s changed share link %(target)s")),
    "share_link.revoked": Verb(
        gettext_lazy("%(actor)s revoked share link %(target)s"),
        ngettext_lazy(
            "%(actor)s revoked %(count)d share link",
            "%(actor)s revoked %(count)d share links",
            "count",
        ),
    ),
    "share_access.purged": Verb(
        gettext_lazy("%(actor)s deleted an old share-link access record"),
        ngettext_lazy(
            "%(actor)s deleted %(count)d old share-link access record",
            "%(actor)s deleted %(count)d old share-link access records",
            "count",
        ),
    ),
    # The operator console (Django admin), for what no service does.
    "admin.added": Verb(gettext_lazy("%(actor)s added %(model)s %(target)s")),
    "admin.changed": Verb(gettext_lazy("%(actor)s changed %(model)s %(target)s")),
    "admin.action": Verb(
        gettext_lazy("%(actor)s ran %(action)s on %(model)s %(target)s"),
        ngettext_lazy(
            "%(actor)s ran %(action)s on %(count)d %(model)s",
            "%(actor)s ran %(action)s on %(count)d %(model)s",
            "count",
        ),
    ),
    "admin.deleted": Verb(
        gettext_lazy("%(actor)s deleted %(model)s %(target)s"),
        ngettext_lazy(
            "%(actor)s deleted %(count)d %(model)s",
            "%(actor)s deleted %(count)d %(model)s",
            "count",
        ),
    ),
}

FIELD_NAMES: dict[str, Any] = {
    "title": gettext_lazy("title"),
    "description": gettext_lazy("description"),
    "visibility": gettext_lazy("visibility"),
    "tags": gettext_lazy("tags"),
    "name": gettext_lazy("name"),
    "role": gettext_lazy("role"),
    "parent": gettext_lazy("parent"),
    "cover": gettext_lazy("cover"),
    "sort_mode": gettext_lazy("sort order"),
    "sort_direction": gettext_lazy("sort direction"),
    "expires_at": gettext_lazy("expiry"),
    "password": gettext_lazy("password"),
    "max_views": gettext_lazy("view limit"),
    "max_downloads": gettext_lazy("download limit"),
    "allow_download": gettext_lazy("downloads allowed"),
    "strip_metadata": gettext_lazy("metadata stripped"),
    "ends_at": gettext_lazy("end date"),
}

# Fields of an asset that carry its title or words; withheld with the title.
PRIVATE_FIELDS = ("title", "description", "original_filename", "tags")


class _Lenient(dict[str, Any]):
    """A placeholder a detail lacks reads as an empty string, not a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def quoted(label: str) -> str:
    return "\u2018" + label + "\u2019"  # typographic quotes: ‘label’  # noqa: RUF003


def actor_text(kind: str, label: str, email: str | None) -> str:
    if kind == "operator":
        return _("operator %(email)s") % {"email": label or email or "?"}
    if kind == "system":
        return _("the system")
    if kind == "anonymous":
        return _("someone")
    return label or email or _("a deleted user")


def _is_person(kind: Any) -> bool:
    """People are named as they are; things are quoted (``audit_labels``)."""
    named = plugins.audit_labels.get(str(kind))
    return named is not None and named.person


def target_text(target: dict[str, Any] | None) -> str:
    if not target:
        return ""
    if target.get("withheld"):
        return _("#%(id)s (private, title withheld)") % {"id": target.get("id")}
    label = target.get("label") or ""
    if not label:
        return f"#{target.get('id')}"
    return label if _is_person(target.get("type")) else quoted(label)


def value_text(value: Any) -> str:
    if isinstance(value, dict) and "type" in value and "id" in value:
        return target_text(value)
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value) or "—"
    return str(value)


def sentence(
    *,
    event: str,
    actor: str,
    targets: list[dict[str, Any]],
    count: int,
    parent: dict[str, Any] | None,
    changes: dict[str, Any],
    detail: dict[str, Any],
) -> str:
    verb = VERBS.get(event)
    values = _Lenient({k: value_text(v) for k, v in detail.items()})
    values.update(
        actor=actor,
        target=target_text(targets[0]) if targets else "",
        count=count,
        parent=target_text(parent),
    )
    if verb is not None and verb.field and verb.field in changes:
        old, new = [*changes[verb.field], None, None][:2]
        quote = verb.quote

        def show(value: Any) -> str:
            return quoted(value_text(value)) if quote else value_text(value)

        values.update(old=show(old), new=show(new))
    elif "parent" in changes:
        old, new = [*changes["parent"], None, None][:2]
        values.update(old=value_text(old) if old else _("the top level"))
        values.update(new=value_text(new) if new else _("the top level"))
    if verb is None:
        return f"{actor}: {event}"
    if count > 1 and verb.many is not None:
        return str(verb.many % values)
    return str(verb.one) % values


def change_lines(changes: dict[str, Any], field: str = "") -> list[str]:
    """Lines "title: a → b" for the changes a sentence does not already tell."""
    lines = []
    for name, pair in changes.items():
        if name == field or not isinstance(pair, (list, tuple)) or len(pair) != 2:
            continue
        label = FIELD_NAMES.get(name, name)
        lines.append(f"{label}: {value_text(pair[0])} → {value_text(pair[1])}")
    return lines
