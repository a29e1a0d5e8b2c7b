"""Per-workspace IP allow and block lists, kept in ``Tenant.settings``
(``ip_allowlist``, ``ip_blocklist``: lists of CIDRs).

Most workspaces have none, so the ids of those that do are kept in the cache and a
request in any other workspace costs no query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from lumina.core.ipfilter import ip_allowed
from lumina.core.net import client_ip

from .models import Tenant

CACHE_KEY = "lumina:tenants-with-ip-rules"


def tenants_with_rules() -> frozenset[int]:
    found = cache.get(CACHE_KEY)
    if found is None:
        found = refresh_tenants_with_rules()
    return frozenset(found)


def refresh_tenants_with_rules() -> frozenset[int]:
    rows = Tenant.objects.filter(settings__has_any_keys=["ip_allowlist", "ip_blocklist"])
    ids = frozenset(
        pk
        for pk, conf in rows.values_list("pk", "settings")
        if conf.get("ip_allowlist") or conf.get("ip_blocklist")
    )
    cache.set(CACHE_KEY, list(ids), timeout=None)
    return ids


def tenant_ip_allowed(tenant: Tenant, ip: str) -> bool:
    conf = tenant.settings or {}
    return ip_allowed(
        ip, allow=conf.get("ip_allowlist") or (), block=conf.get("ip_blocklist") or ()
    )


def workspace_ip_allowed(request: HttpRequest, membership: Callable[[], Any]) -> bool:
    """Whether the request's workspace (resolved lazily, only when needed) allows its IP."""
    restricted = tenants_with_rules()
    if not restricted:
        return True
    found = membership()
    if found is None or found.tenant_id not in restricted:
        return True
    return tenant_ip_allowed(found.tenant, client_ip(request))


def tenants_ip_allowed(request: HttpRequest, tenant_ids: Iterable[Any]) -> bool:
    """Whether every one of these workspaces allows the request's IP: the workspace a
    request is about (its URL, the object it reaches) applies its lists, not only the
    current one. Costs no query unless one of them has lists."""
    restricted = tenants_with_rules()
    if not restricted:
        return True
    wanted: set[int] = set()
    for value in tenant_ids:
        try:
            wanted.add(int(value))
        except (TypeError, ValueError):
            continue
    wanted &= restricted
    if not wanted:
        return True
    ip = client_ip(request)
    return all(tenant_ip_allowed(t, ip) for t in Tenant.objects.filter(pk__in=wanted))
