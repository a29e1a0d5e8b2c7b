"""Container health probe: ``python compose/probe.py /healthz`` exits 0 on HTTP 200.

Used by the Dockerfile's HEALTHCHECK (/healthz) and by the compose file (/readyz). It
needs no curl in the image, and it sends a Host header taken from DJANGO_ALLOWED_HOSTS:
Django answers 400 to a request for ``127.0.0.1`` when that name is not allowed.
"""

from __future__ import annotations

import http.client
import os
import sys


def probe_host() -> str:
    for entry in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
        name = entry.strip().lstrip(".")  # ".example.com" allows example.com itself
        if name and name != "*":
            return name
    return "localhost"


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/healthz"
    port = int(os.environ.get("PORT", "8000"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": probe_host()})
        status = conn.getresponse().status
    except OSError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if status != 200:
        print(f"{path}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
