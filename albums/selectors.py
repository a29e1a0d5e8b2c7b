"""Reads of albums, items, share links and album shares.

Scoping lives here. An album is reached either through the caller's current workspace
(every member reads every album of it; editors and above write), or through an
``AlbumShare`` naming the caller on the album or one of its ancestors. Anything else
is missing (404), whatever the reason. Items show only assets that are alive and that
the reader may see (private assets only to their owner); a share link sees what the
person who made it may see.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.dateparse import parse_datetime

from accounts.models import Membership, Role, User
from gallery.models import Asset, Favorite, Rendition, Status, Tag, visible_q
from lumina.core.errors import NotFound, ValidationFailed
from lumina.core.lookup import all_or_404

from .errors import AlbumForbidden
from .models import (
    Album,
    AlbumItem,
    AlbumShare,
    ShareRole,
    SortDirection,
    SortMode,
)

# Access levels on one album, lowest first.
VIEWER = "viewer"
CONTRIBUTOR = "contributor"
EDITOR = "editor"
_RANK = {VIEWER: 0, CONTRIBUTOR: 1, EDITOR: 2}
# A guard for the recursive queries; the tree never has cycles (services refuse them).
_MAX_DEPTH = 10_000


@dataclass(frozen=True)
class Actor:
    """Who asks: the user, their current workspace membership (if any), and whether
    albums shared with them from other workspaces count (not for workspace-bound API
    tokens)."""

    user: User
    membership: Membership | None
    shared: bool = True
    # The request's client address, for the IP lists of the workspace an album belongs
    # to (None: no network, e.g. a task or a shell).
    ip: str | None = None

    @property
    def tenant_id(self) -> int | None:
        return self.membership.tenant_id if self.membership else None

    def is_member_of(self, tenant_id: int) -> bool:
        return self.membership is not None and self.membership.tenant_id == tenant_id


def at_least(access: str | None, needed: str) -> bool:
    return access is not None and _RANK[access] >= _RANK[needed]


# --- visibility of assets -------------------------------------------------------------


def asset_visibility(user: User | None, prefix: str = "") -> Q:
    """Assets alive and visible to ``user``: gallery's rule, through a relation."""
    return visible_q(user, prefix)


# --- the tree ---------------------------------------------------------------------------


def _table() -> str:
    return connection.ops.quote_name(Album._meta.db_table)


def ancestors(album_id: int) -> list[tuple[int, int | None, str]]:
    """``(id, parent_id, title)`` from the root down to the album itself, one query."""
    sql = f"""
        WITH RECURSIVE up(id, parent_id, title, depth) AS (
            SELECT id, parent_id, title, 0 FROM {_table()} WHERE id = %s
            UNION ALL
            SELECT a.id, a.parent_id, a.title, up.depth + 1
            FROM {_table()} a JOIN up ON a.id = up.parent_id
            WHERE up.depth < %s
        )
        SELECT id, parent_id, title FROM up ORDER BY depth DESC
    """  # noqa: S608  # nosec B608  # the table name is ours, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [album_id, _MAX_DEPTH])
        return [(row[0], row[1], row[2]) for row in cursor.fetchall()]


def descendant_ids(album_id: int) -> list[int]:
    """The album and everything under it, one query."""
    return descendants_of([album_id])


def descendants_of(album_ids: Sequence[int]) -> list[int]:
    """These albums and everything under them, one query."""
    if not album_ids:
        return []
    sql = f"""
        WITH RECURSIVE down(id, depth) AS (
            SELECT id, 0 FROM {_table()} WHERE id = ANY(%s)
            UNION ALL
            SELECT a.id, down.depth + 1
            FROM {_table()} a JOIN down ON a.parent_id = down.id
            WHERE down.depth < %s
        )
        SELECT DISTINCT id FROM down
    """  # noqa: S608  # nosec B608  # the table name is ours, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(album_ids), _MAX_DEPTH])
        return [row[0] for row in cursor.fetchall()]


# --- access -----------------------------------------------------------------------------


def _share_role(user: User, album_ids: Sequence[int]) -> str | None:
    roles = set(
        AlbumShare.objects.active()
        .for_user(user)
        .filter(album_id__in=album_ids)
        .values_list("role", flat=True)
    )
    if ShareRole.CONTRIBUTOR in roles:
        return CONTRIBUTOR
    if ShareRole.VIEWER in roles:
        return VIEWER
    return None


def _access(actor: Actor, album: Album, lineage: list[tuple[int, int | None, str]]) -> str | None:
    membership = actor.membership
    if membership is not None and album.tenant_id == membership.tenant_id:
        if membership.at_least(Role.EDITOR):
            return EDITOR
        shared = _share_role(actor.user, [row[0] for row in lineage])
        return CONTRIBUTOR if shared == CONTRIBUTOR else VIEWER
    if not actor.shared:
        return None
    return _share_role(actor.user, [row[0] for row in lineage])


def _shared_root(actor: Actor, lineage: list[tuple[int, int | None, str]]) -> int:
    """For someone reaching an album through a share: the highest shared ancestor
    (they must not learn what lies above it)."""
    shared = set(
        AlbumShare.objects.active()
        .for_user(actor.user)
        .filter(album_id__in=[row[0] for row in lineage])
        .values_list("album_id", flat=True)
    )
    for index, row in enumerate(lineage):
        if row[0] in shared:
            return index
    return len(lineage) - 1


def _stats(user: User | None) -> dict[str, Any]:
    seen = asset_visibility(user, "items__asset__")
    return {
        "item_count": Count("items", filter=seen),
        "total_bytes": Coalesce(Sum("items__asset__bytes", filter=seen), 0),
        "first_date": Min(
            Coalesce("items__asset__taken_at", "items__asset__created_at"), filter=seen
        ),
        "last_date": Max(
            Coalesce("items__asset__taken_at", "items__asset__created_at"), filter=seen
        ),
        "last_added": Max("items__added_at"),
        # A subquery, not a join: a second join would multiply the item counts.
        "child_count": Coalesce(
            Subquery(
                Album.objects.filter(parent=OuterRef("pk"))
                .order_by()
                .values("parent")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    }


def with_stats(qs: QuerySet[Album], user: User | None) -> QuerySet[Album]:
    return qs.select_related("cover", "created_by").annotate(**_stats(user))


def album_get(*, actor: Actor, album_id: Any, needed: str = VIEWER) -> Album:
    """One album the actor may reach, with its statistics (one query), ``access``,
    ``lineage`` (breadcrumbs, root first) and ``shared_root`` set. 404 when it is not
    reachable at all; ``album_forbidden`` when reachable but ``needed`` is more."""
    try:
        pk = int(album_id)
    except (TypeError, ValueError):
        raise NotFound("Album not found.") from None
    album = with_stats(Album.objects.filter(pk=pk), actor.user).first()
    if album is None:
        raise NotFound("Album not found.")
    lineage = ancestors(album.pk)
    access = _access(actor, album, lineage)
    if access is None:
        raise NotFound("Album not found.")
    member = actor.is_member_of(album.tenant_id)
    if not member and actor.ip is not None:
        _check_workspace_ip(album.tenant_id, actor.ip)
    start = 0 if member else _shared_root(actor, lineage)
    album.access = access  # type: ignore[attr-defined]
    album.lineage = lineage[start:]  # type: ignore[attr-defined]
    album.is_member = member  # type: ignore[attr-defined]
    if not at_least(access, needed):
        raise AlbumForbidden()
    return album


def _check_workspace_ip(tenant_id: int, ip: str) -> None:
    """Someone reaching an album from another workspace (a share) is held to the IP
    lists of the album's workspace, like its members."""
    from accounts.ipfilter import tenant_ip_allowed, tenants_with_rules
    from accounts.models import Tenant
    from accounts.permissions import WorkspaceIPForbidden

    if tenant_id not in tenants_with_rules():
        return
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is not None and not tenant_ip_allowed(tenant, ip):
        raise WorkspaceIPForbidden()


def album_access(*, actor: Actor, album: Album) -> str | None:
    found = getattr(album, "access", None)
    if found is not None:
        return str(found)
    return _access(actor, album, ancestors(album.pk))


def album_list(
    *, actor: Actor, parent: Any = None, roots_only: bool = False, search: str = ""
) -> QuerySet[Album]:
    """Albums of the current workspace with their statistics, by title. ``parent``:
    the sub-albums of that album (which must be reachable, in any workspace);
    ``roots_only``: the top level."""
    if parent is not None:
        # Whoever reaches an album reaches its sub-albums (shares cover them too).
        owner = album_get(actor=actor, album_id=parent)
        qs = Album.objects.filter(parent_id=owner.pk)
    elif actor.membership is None:
        return Album.objects.none().annotate(title_key=Lower("title"))
    else:
        qs = Album.objects.for_tenant(actor.membership.tenant_id)
        if roots_only:
            qs = qs.roots()
    if search:
        qs = qs.filter(title__icontains=search.strip()[:100])
    return with_stats(qs, actor.user).annotate(title_key=Lower("title")).order_by("title_key", "id")


def album_children(*, actor: Actor, album: Album) -> list[Album]:
    """The sub-albums of an album the caller reached (a share covers them too)."""
    children: list[Album] = list(
        with_stats(Album.objects.filter(parent=album), actor.user)
        .annotate(title_key=Lower("title"))
        .order_by("title_key", "id")
    )
    return children


def shared_album_list(*, actor: Actor) -> QuerySet[Album]:
    """Albums shared with the caller from workspaces they do not belong to."""
    if not actor.shared:
        return Album.objects.none().annotate(title_key=Lower("title"))
    shares = AlbumShare.objects.active().for_user(actor.user).filter(album=OuterRef("pk"))
    member_of = Membership.objects.filter(user=actor.user).values("tenant_id")
    qs = Album.objects.filter(Exists(shares)).exclude(tenant_id__in=member_of)
    role = (
        AlbumShare.objects.active()
        .for_user(actor.user)
        .filter(album=OuterRef("pk"))
        .order_by("role")  # "contributor" < "viewer": the stronger share wins
        .values("role")[:1]
    )
    return (
        with_stats(qs.select_related("tenant"), actor.user)
        .annotate(share_role=Subquery(role), title_key=Lower("title"))
        .order_by("title_key", "id")
    )


@dataclass
class TreeNode:
    id: int
    title: str
    parent_id: int | None
    item_count: int
    children: list[TreeNode] = field(default_factory=list)
    depth: int = 0


def album_tree(*, actor: Actor) -> list[TreeNode]:
    """Every album of the current workspace as a forest, siblings by title. One query."""
    if actor.membership is None:
        return []
    seen = asset_visibility(actor.user, "items__asset__")
    rows = (
        Album.objects.for_tenant(actor.membership.tenant_id)
        .annotate(n=Count("items", filter=seen), title_key=Lower("title"))
        .order_by("title_key", "id")
        .values_list("id", "title", "parent_id", "n")
    )
    nodes = {
        row[0]: TreeNode(id=row[0], title=row[1], parent_id=row[2], item_count=row[3])
        for row in rows
    }
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else roots).append(node)
    stack = [(node, 0) for node in roots]
    while stack:  # depths without recursion: albums nest to any depth
        node, depth = stack.pop()
        node.depth = depth
        stack.extend((child, depth + 1) for child in node.children)
    return roots


def flatten(nodes: Iterable[TreeNode]) -> Iterator[TreeNode]:
    """Depth-first, in display order."""
    stack = list(reversed(list(nodes)))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


# --- items and their order -----------------------------------------------------------------


def _sort_expression(mode: str) -> Any:
    if mode == SortMode.TAKEN:
        return Coalesce("asset__taken_at", "asset__created_at")
    if mode == SortMode.UPLOADED:
        return F("asset__created_at")
    if mode == SortMode.TITLE:
        return Lower(Coalesce(NullIf("asset__title", Value("")), "asset__original_filename"))
    return F("position")


def order_items(qs: QuerySet[AlbumItem], album: Album) -> QuerySet[AlbumItem]:
    """Items in the album's order: ``sort_key`` then the item id, both reversed for a
    descending album, so that the order is total and stable."""
    qs = qs.annotate(sort_key=_sort_expression(album.sort_mode))
    if album.sort_direction == SortDirection.DESC:
        return qs.order_by(F("sort_key").desc(), "-id")
    return qs.order_by(F("sort_key").asc(), "id")


def _asset_related(user: User | None) -> list[Any]:
    return [
        Prefetch("asset__renditions", queryset=Rendition.objects.order_by("spec", "format")),
        Prefetch("asset__asset_tags__tag", queryset=Tag.objects.all()),
    ]


def album_items(*, actor: Actor, album: Album) -> QuerySet[AlbumItem]:
    """The album's items the actor may see, in the album's order, with what the asset
    serializer needs (no query per item)."""
    favorite = Favorite.objects.filter(user=actor.user, asset=OuterRef("asset_id"))
    qs = (
        AlbumItem.objects.filter(album=album)
        .filter(asset_visibility(actor.user, "asset__"))
        .select_related("asset", "asset__owner", "added_by")
        .prefetch_related(*_asset_related(actor.user))
        .annotate(is_favorite=Exists(favorite))
    )
    return order_items(qs, album)


def item_count(*, album: Album, user: User | None) -> int:
    return AlbumItem.objects.filter(album=album).filter(asset_visibility(user, "asset__")).count()


def positions_in_order(album: Album) -> list[tuple[int, str]]:
    """``(asset_id, position)`` of every item (all of them, visible or not), in the
    album's current order."""
    qs = order_items(AlbumItem.objects.filter(album=album), album)
    return list(qs.values_list("asset_id", "position"))


def cover_for(albums: Sequence[Album], user: User | None) -> dict[int, Asset]:
    """The cover of each album: the chosen one while it is alive, visible and in the
    album, else the first item in the album's order. One query per sort order in use
    (at most eight), whatever the number of albums."""
    covers: dict[int, Asset] = {}
    missing: dict[tuple[str, str], list[int]] = {}
    chosen_ids = {a.pk: a.cover_id for a in albums if a.cover_id}
    valid_chosen: set[tuple[int, int]] = set()
    if chosen_ids:
        valid_chosen = set(
            AlbumItem.objects.filter(
                album_id__in=list(chosen_ids), asset_id__in=list(chosen_ids.values())
            )
            .filter(asset_visibility(user, "asset__"), asset__status=Status.READY)
            .values_list("album_id", "asset_id")
        )
    for album in albums:
        if album.cover_id and (album.pk, album.cover_id) in valid_chosen and album.cover:
            covers[album.pk] = album.cover
        else:
            missing.setdefault((album.sort_mode, album.sort_direction), []).append(album.pk)
    for (mode, direction), ids in missing.items():
        expression = _sort_expression(mode)
        key = F("sort_key").desc() if direction == SortDirection.DESC else F("sort_key").asc()
        tie = "-id" if direction == SortDirection.DESC else "id"
        first = (
            AlbumItem.objects.filter(album_id__in=ids)
            .filter(asset_visibility(user, "asset__"), asset__status=Status.READY)
            .annotate(sort_key=expression)
            .select_related("asset")
            .order_by("album_id", key, tie)
            .distinct("album_id")
        )
        for item in first:
            covers[item.album_id] = item.asset
    return covers


# --- keyset pagination of items ------------------------------------------------------------


def _encode_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def encode_cursor(item: AlbumItem, *, reverse: bool) -> str:
    raw = json.dumps([_encode_value(item.sort_key), item.pk, reverse])  # type: ignore[attr-defined]
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, album: Album) -> tuple[Any, int, bool]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk, reverse = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if album.sort_mode in (SortMode.TAKEN, SortMode.UPLOADED):
            value = parse_datetime(value)
            if value is None:
                raise ValueError
        elif not isinstance(value, str):
            raise ValueError
        return value, int(pk), bool(reverse)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ValidationFailed("Invalid cursor.", details={"field": "cursor"}) from None


def page_items(
    qs: QuerySet[AlbumItem], album: Album, *, cursor: str | None, size: int
) -> tuple[list[AlbumItem], str | None, str | None]:
    """One page of ``qs`` (ordered by ``order_items``) after or before ``cursor``:
    ``(items, next_cursor, previous_cursor)``. Deep pages cost what the first does."""
    descending = album.sort_direction == SortDirection.DESC
    backwards = False
    if cursor:
        value, pk, backwards = decode_cursor(cursor, album)
        # Moving forward in a descending album means smaller keys, and so on.
        smaller = descending != backwards
        if smaller:
            qs = qs.filter(Q(sort_key__lt=value) | Q(sort_key=value, id__lt=pk))
        else:
            qs = qs.filter(Q(sort_key__gt=value) | Q(sort_key=value, id__gt=pk))
    if backwards:
        qs = qs.reverse()
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    next_cursor = previous_cursor = None
    if rows:
        if more or backwards:
            next_cursor = encode_cursor(rows[-1], reverse=False)
        if cursor and (not backwards or more):
            previous_cursor = encode_cursor(rows[0], reverse=True)
    return rows, next_cursor, previous_cursor


# --- ZIP plans ----------------------------------------------------------------------------

ZIP_FIELDS = (
    "id",
    "original",
    "original_filename",
    "format",
    "bytes",
    "taken_at",
    "created_at",
    "sha256",
    "tenant_id",
)


def subtree(album: Album) -> tuple[dict[int, Album], dict[int, list[Album]]]:
    """The album and all its descendants (two queries): by id, and children by parent
    (siblings by title)."""
    ids = descendant_ids(album.pk)
    albums = list(
        Album.objects.filter(pk__in=ids)
        .annotate(title_key=Lower("title"))
        .order_by("title_key", "id")
    )
    by_id: dict[int, Album] = {a.pk: a for a in albums}
    children: dict[int, list[Album]] = {}
    for a in albums:
        if a.pk != album.pk and a.parent_id in by_id:
            children.setdefault(a.parent_id, []).append(a)
    return by_id, children


def zip_items(album: Album, visible: Q) -> Iterator[Asset]:
    """The assets of one album in its order, fetched in batches (streaming)."""
    qs = order_items(AlbumItem.objects.filter(album=album).filter(visible), album)
    ids = qs.values_list("asset_id", flat=True)
    batch: list[int] = []
    for asset_id in ids.iterator(chunk_size=500):
        batch.append(asset_id)
        if len(batch) == 500:
            yield from _assets_in_order(batch)
            batch = []
    if batch:
        yield from _assets_in_order(batch)


def _assets_in_order(ids: list[int]) -> list[Asset]:
    found = {a.pk: a for a in Asset.objects.filter(pk__in=ids).only(*ZIP_FIELDS)}
    return [found[i] for i in ids if i in found]


def selection_assets(*, actor: Actor, ids: Sequence[Any]) -> list[Asset]:
    """A selection for a ZIP: assets of the current workspace the actor may see, in
    the order given; any id that is not reachable refuses the whole request (404)."""
    if actor.membership is None:
        raise NotFound("No workspace is selected.")
    visible = (
        Asset.objects.for_tenant(actor.membership.tenant_id)
        .filter(asset_visibility(actor.user))
        .only(*ZIP_FIELDS)
    )
    return all_or_404(visible, ids, field="asset_ids")


def shared_album_ids(*, actor: Actor, tenant_id: int) -> list[int]:
    """Albums of ``tenant_id`` the actor reaches through shares (the shared albums and
    everything under them)."""
    roots = list(
        AlbumShare.objects.active()
        .for_user(actor.user)
        .filter(album__tenant_id=tenant_id)
        .values_list("album_id", flat=True)
    )
    return descendants_of(roots)


def reachable_assets(*, actor: Actor, tenant_id: int) -> QuerySet[Asset]:
    """The one rule for which assets of a workspace an actor may use (add to albums,
    pick, de-duplicate against): alive and visible to them, and, for someone who is not
    a member working in that workspace, only what a share already shows them (items of
    the shared albums) or what they uploaded themselves. How the actor reached the
    workspace decides, not only its id."""
    qs = Asset.objects.for_tenant(tenant_id).filter(asset_visibility(actor.user))
    if actor.is_member_of(tenant_id):
        return qs
    if not actor.shared:
        return qs.none()
    shown = AlbumItem.objects.filter(
        asset=OuterRef("pk"), album_id__in=shared_album_ids(actor=actor, tenant_id=tenant_id)
    )
    return qs.filter(Q(owner=actor.user) | Exists(shown))


def addable_assets(*, actor: Actor, album: Album, ids: Sequence[Any]) -> list[Asset]:
    """Assets the actor may put into ``album``: ``reachable_assets`` of the album's
    workspace. Any other id refuses the request (404), naming it, exactly as an id that
    does not exist."""
    return all_or_404(
        reachable_assets(actor=actor, tenant_id=album.tenant_id), ids, field="asset_ids"
    )


def picker_assets(*, actor: Actor, album: Album) -> QuerySet[Asset]:
    """Assets the actor may add (``reachable_assets``) that are not in the album yet."""
    inside = AlbumItem.objects.filter(album=album, asset=OuterRef("pk"))
    return (
        reachable_assets(actor=actor, tenant_id=album.tenant_id)
        .filter(status=Status.READY)
        .exclude(Exists(inside))
        .order_by("-created_at", "-id")
    )


# --- share links --------------------------------------------------------------------------


# --- album shares -------------------------------------------------------------------------


def album_share_list(*, album: Album) -> QuerySet[AlbumShare]:
    return album.shares.select_related("user", "created_by").order_by("created_at", "id")


def album_share_get(*, album: Album, share_id: Any) -> AlbumShare:
    try:
        return album_share_list(album=album).get(pk=int(share_id))
    except (AlbumShare.DoesNotExist, TypeError, ValueError):
        raise NotFound("Share not found.") from None
