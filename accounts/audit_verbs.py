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


@dataclass(frozen=True)
class Verb:
    one: Promise
    many: Any = None  # an ngettext_lazy keyed on "count"
    field: str = ""  # the field whose change fills ``old`` and ``new``
    quote: bool = False  # quote ``old`` and ``new`` (names, not roles)


def _many(singular: str, plural: str) -> Any:
    return ngettext_lazy(singular, plural, "count")


g = gettext_lazy

VERBS: dict[str, Verb] = {
    # Sign-in and account security.
    "auth.signin": Verb(g("%(actor)s signed in")),
    "auth.signin_failed": Verb(g("failed sign-in to the account of %(actor)s")),
    "auth.new_device": Verb(g("%(actor)s signed in from a new device or address")),
    "auth.lockout": Verb(g("the account of %(actor)s was locked after repeated failures")),
    "auth.password_changed": Verb(g("%(actor)s changed their password")),
    "auth.sso_signin": Verb(g("%(actor)s signed in with single sign-on")),
    "2fa.enabled": Verb(g("%(actor)s turned on two-factor authentication")),
    "2fa.disabled": Verb(g("%(actor)s turned off two-factor authentication")),
    "2fa.recovery_codes_regenerated": Verb(g("%(actor)s made new recovery codes")),
    "2fa.recovery_code_used": Verb(g("%(actor)s signed in with a recovery code")),
    "2fa.failed": Verb(g("%(actor)s gave a wrong two-factor code")),
    "token.created": Verb(g("%(actor)s created API token %(target)s")),
    "token.revoked": Verb(g("%(actor)s revoked API token %(target)s")),
    "token.new_ip": Verb(g("API token %(target)s of %(actor)s was used from a new address")),
    "privacy.export_requested": Verb(g("%(actor)s asked for an export of their data")),
    "privacy.export_ready": Verb(g("the export of the data of %(actor)s is ready")),
    "privacy.export_downloaded": Verb(g("%(actor)s downloaded the export of their data")),
    "privacy.deletion_requested": Verb(g("%(actor)s asked for their account to be deleted")),
    "privacy.deletion_cancelled": Verb(g("%(actor)s cancelled the deletion of their account")),
    "privacy.deletion_executed": Verb(g("%(actor)s deleted the account %(target)s")),
    "privacy.exports_purged": Verb(
        g("%(actor)s deleted an expired data export"),
        _many(
            "%(actor)s deleted %(count)d expired data export",
            "%(actor)s deleted %(count)d expired data exports",
        ),
    ),
    "audit.exported": Verb(g("%(actor)s exported the audit log")),
    # Accounts and workspaces.
    "user.created": Verb(g("%(actor)s created the account %(target)s")),
    "workspace.created": Verb(g("%(actor)s created the workspace %(target)s")),
    "workspace.renamed": Verb(
        g("%(actor)s renamed the workspace from %(old)s to %(new)s"), field="name", quote=True
    ),
    "workspace.deleted": Verb(
        g("the workspace %(target)s was deleted with the account of %(actor)s")
    ),
    "workspace.security_changed": Verb(g("%(actor)s changed the workspace's security settings")),
    "invitation.created": Verb(g("%(actor)s invited %(target)s as %(role)s")),
    "invitation.accepted": Verb(g("%(actor)s accepted an invitation and joined as %(role)s")),
    "invitation.revoked": Verb(g("%(actor)s withdrew the invitation of %(target)s")),
    "invitations.purged": Verb(
        g("%(actor)s deleted an ended invitation"),
        _many(
            "%(actor)s deleted %(count)d ended invitation",
            "%(actor)s deleted %(count)d ended invitations",
        ),
    ),
    "member.added": Verb(g("%(actor)s added %(target)s as %(role)s")),
    "member.role_changed": Verb(
        g("%(actor)s changed the role of %(target)s from %(old)s to %(new)s"), field="role"
    ),
    "member.removed": Verb(g("%(actor)s removed %(target)s from the workspace")),
    "member.left": Verb(g("%(actor)s left the workspace")),
    "member.sso_added": Verb(g("%(target)s joined as %(role)s through single sign-on")),
    "member.sso_removed": Verb(g("%(target)s left the workspace through single sign-on")),
    "member.sso_role_changed": Verb(
        g("single sign-on changed the role of %(target)s from %(old)s to %(new)s"), field="role"
    ),
    # Images.
    "asset.uploaded": Verb(g("%(actor)s uploaded image %(target)s")),
    "asset.updated": Verb(g("%(actor)s edited image %(target)s")),
    "asset.trashed": Verb(
        g("%(actor)s moved image %(target)s to the trash"),
        _many(
            "%(actor)s moved %(count)d image to the trash",
            "%(actor)s moved %(count)d images to the trash",
        ),
    ),
    "asset.restored": Verb(
        g("%(actor)s restored image %(target)s from the trash"),
        _many(
            "%(actor)s restored %(count)d image from the trash",
            "%(actor)s restored %(count)d images from the trash",
        ),
    ),
    "trash.emptied": Verb(
        g("%(actor)s emptied the trash, deleting image %(target)s for good"),
        _many(
            "%(actor)s emptied the trash, deleting %(count)d image for good",
            "%(actor)s emptied the trash, deleting %(count)d images for good",
        ),
    ),
    "trash.purged": Verb(
        g("%(actor)s deleted image %(target)s from the trash for good"),
        _many(
            "%(actor)s deleted %(count)d image from the trash for good",
            "%(actor)s deleted %(count)d images from the trash for good",
        ),
    ),
    "asset.favorited": Verb(
        g("%(actor)s marked image %(target)s as a favourite"),
        _many(
            "%(actor)s marked %(count)d image as favourite",
            "%(actor)s marked %(count)d images as favourites",
        ),
    ),
    "asset.unfavorited": Verb(
        g("%(actor)s removed image %(target)s from their favourites"),
        _many(
            "%(actor)s removed %(count)d image from their favourites",
            "%(actor)s removed %(count)d images from their favourites",
        ),
    ),
    "asset.tagged": Verb(
        g("%(actor)s tagged image %(target)s with %(tags)s"),
        _many(
            "%(actor)s tagged %(count)d image with %(tags)s",
            "%(actor)s tagged %(count)d images with %(tags)s",
        ),
    ),
    "asset.untagged": Verb(
        g("%(actor)s removed the tags %(tags)s from image %(target)s"),
        _many(
            "%(actor)s removed the tags %(tags)s from %(count)d image",
            "%(actor)s removed the tags %(tags)s from %(count)d images",
        ),
    ),
    "asset.visibility_changed": Verb(
        g("%(actor)s made image %(target)s %(visibility)s"),
        _many(
            "%(actor)s made %(count)d image %(visibility)s",
            "%(actor)s made %(count)d images %(visibility)s",
        ),
    ),
    "asset.renamed": Verb(
        g("%(actor)s renamed image %(target)s with the pattern %(pattern)s"),
        _many(
            "%(actor)s renamed %(count)d image with the pattern %(pattern)s",
            "%(actor)s renamed %(count)d images with the pattern %(pattern)s",
        ),
    ),
    "asset.reprocessed": Verb(
        g("%(actor)s queued image %(target)s for processing again"),
        _many(
            "%(actor)s queued %(count)d image for processing again",
            "%(actor)s queued %(count)d images for processing again",
        ),
    ),
    # Albums.
    "album.created": Verb(g("%(actor)s created album %(target)s")),
    "album.updated": Verb(g("%(actor)s changed album %(target)s")),
    "album.moved": Verb(g("%(actor)s moved album %(target)s from %(old)s to %(new)s")),
    "album.deleted": Verb(
        g("%(actor)s deleted album %(target)s"),
        _many(
            "%(actor)s deleted %(count)d album",
            "%(actor)s deleted %(count)d albums",
        ),
    ),
    "album.items_added": Verb(
        g("%(actor)s added image %(target)s to album %(parent)s"),
        _many(
            "%(actor)s added %(count)d image to album %(parent)s",
            "%(actor)s added %(count)d images to album %(parent)s",
        ),
    ),
    "album.items_removed": Verb(
        g("%(actor)s removed image %(target)s from album %(parent)s"),
        _many(
            "%(actor)s removed %(count)d image from album %(parent)s",
            "%(actor)s removed %(count)d images from album %(parent)s",
        ),
    ),
    "album.items_reordered": Verb(
        g("%(actor)s moved image %(target)s within album %(parent)s"),
        _many(
            "%(actor)s reordered %(count)d image in album %(parent)s",
            "%(actor)s reordered %(count)d images in album %(parent)s",
        ),
    ),
    "album.shared": Verb(g("%(actor)s shared album %(parent)s with %(target)s as %(role)s")),
    "album.share_changed": Verb(
        g("%(actor)s changed the share of album %(parent)s with %(target)s")
    ),
    "album.unshared": Verb(g("%(actor)s stopped sharing album %(parent)s with %(target)s")),
    "share_link.created": Verb(g("%(actor)s created share link %(target)s")),
    "share_link.updated": Verb(g("%(actor)s changed share link %(target)s")),
    "share_link.revoked": Verb(
        g("%(actor)s revoked share link %(target)s"),
        _many(
            "%(actor)s revoked %(count)d share link",
            "%(actor)s revoked %(count)d share links",
        ),
    ),
    "share_access.purged": Verb(
        g("%(actor)s deleted an old share-link access record"),
        _many(
            "%(actor)s deleted %(count)d old share-link access record",
            "%(actor)s deleted %(count)d old share-link access records",
        ),
    ),
    # The operator console (Django admin), for what no service does.
    "admin.added": Verb(g("%(actor)s added %(model)s %(target)s")),
    "admin.changed": Verb(g("%(actor)s changed %(model)s %(target)s")),
    "admin.action": Verb(
        g("%(actor)s ran %(action)s on %(model)s %(target)s"),
        _many(
            "%(actor)s ran %(action)s on %(count)d %(model)s",
            "%(actor)s ran %(action)s on %(count)d %(model)s",
        ),
    ),
    "admin.deleted": Verb(
        g("%(actor)s deleted %(model)s %(target)s"),
        _many(
            "%(actor)s deleted %(count)d %(model)s",
            "%(actor)s deleted %(count)d %(model)s",
        ),
    ),
}

FIELD_NAMES: dict[str, Any] = {
    "title": g("title"),
    "description": g("description"),
    "visibility": g("visibility"),
    "tags": g("tags"),
    "name": g("name"),
    "role": g("role"),
    "parent": g("parent"),
    "cover": g("cover"),
    "sort_mode": g("sort order"),
    "sort_direction": g("sort direction"),
    "expires_at": g("expiry"),
    "password": g("password"),
    "max_views": g("view limit"),
    "max_downloads": g("download limit"),
    "allow_download": g("downloads allowed"),
    "strip_metadata": g("metadata stripped"),
    "ends_at": g("end date"),
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


# People are named as they are; things are quoted.
PEOPLE = frozenset(
    {"accounts.user", "accounts.membership", "accounts.invitation", "albums.albumshare"}
)


def target_text(target: dict[str, Any] | None) -> str:
    if not target:
        return ""
    if target.get("withheld"):
        return _("#%(id)s (private, title withheld)") % {"id": target.get("id")}
    label = target.get("label") or ""
    if not label:
        return f"#{target.get('id')}"
    return label if target.get("type") in PEOPLE else quoted(label)


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
        show = (lambda v: quoted(value_text(v))) if verb.quote else value_text
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
