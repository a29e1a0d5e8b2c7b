#!/usr/bin/env bash
# Web container: wait for PostgreSQL, apply migrations, then exec gunicorn (it replaces
# this shell, so it gets the container's stop signal directly). gunicorn runs uvicorn
# workers around the ASGI app, exactly as `make run` does (lumina/core/server.py).
#
# Environment (all optional):
#   WEB_CONCURRENCY     gunicorn worker processes (default 3)
#   PORT                port to bind on 0.0.0.0 (default 8000)
#   DB_WAIT_TIMEOUT     seconds to wait for the database (default 60)
#   MIGRATE_ON_START    1 runs `manage.py migrate --noinput` first (default 1); set 0 on
#                       extra web replicas so only one container migrates
#   GUNICORN_CMD_ARGS   further gunicorn flags, read by gunicorn itself
set -euo pipefail

cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-lumina.settings.production}"

DB_WAIT_TIMEOUT="${DB_WAIT_TIMEOUT:-60}" python - <<'PY'
import os
import sys
import time

import django

django.setup()
from django.db import connection
from django.db.utils import OperationalError

deadline = time.monotonic() + int(os.environ["DB_WAIT_TIMEOUT"])
while True:
    try:
        connection.ensure_connection()
        break
    except OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"database not reachable after {os.environ['DB_WAIT_TIMEOUT']}s: {exc}")
        print("waiting for the database...", file=sys.stderr, flush=True)
        time.sleep(1)
connection.close()
PY

if [ "${MIGRATE_ON_START:-1}" = "1" ]; then
    python manage.py migrate --noinput
fi

# --worker-tmp-dir: the heartbeat file on the overlay filesystem can stall workers.
exec gunicorn lumina.asgi:application \
    --worker-class lumina.core.server.Worker \
    --bind "0.0.0.0:${PORT:-8000}" \
    --workers "${WEB_CONCURRENCY:-3}" \
    --graceful-timeout 30 \
    --no-control-socket \
    --worker-tmp-dir /dev/shm \
    --access-logfile - \
    --error-logfile -
