"""IP allow and block lists (CIDR).

Site-wide from ``LUMINA_IP_ALLOWLIST`` / ``LUMINA_IP_BLOCKLIST``; per workspace from
``Tenant.settings`` (checked in accounts). The address is ``client_ip``: a forwarded
address counts only when it came through a trusted proxy. Probes are never filtered (the
orchestrator must reach them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from .errors import envelope
from .net import client_ip

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
EXEMPT = ("/healthz", "/readyz")


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Parse CIDRs (a bare address is a /32 or /128); raise ValueError on a bad one."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


@lru_cache(maxsize=256)
def _cached(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def ip_allowed(ip: str, *, allow: Iterable[str] = (), block: Iterable[str] = ()) -> bool:
    """Blocked when in a block list; when an allow list exists, only what it holds passes.

    An unparseable address passes only when no allow list is set.
    """
    allowed = _cached(tuple(allow))
    blocked = _cached(tuple(block))
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return not allowed
    if any(address in net for net in blocked):
        return False
    return not allowed or any(address in net for net in allowed)


def forbidden_response(request: HttpRequest, *, scope: str) -> HttpResponse:
    message = (
        "Access from your network is not allowed."
        if scope == "site"
        else "This workspace does not allow access from your network."
    )
    if request.path.startswith("/api/"):
        return JsonResponse(envelope("ip_not_allowed", message, {"scope": scope}), status=403)
    body = render_to_string(
        "security/ip_blocked.html", {"message": message, "scope": scope}, request=request
    )
    return HttpResponse(body, status=403)


class IPFilterMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        allow = settings.LUMINA_IP_ALLOWLIST
        block = settings.LUMINA_IP_BLOCKLIST
        if (
            (allow or block)
            and not request.path.startswith(EXEMPT)
            and not ip_allowed(client_ip(request), allow=allow, block=block)
        ):
            return forbidden_response(request, scope="site")
        return self.get_response(request)
