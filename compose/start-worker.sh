#!/usr/bin/env bash
# Worker container: the Celery worker that runs the queued background tasks.
#
# Environment (all optional):
#   CELERY_CONCURRENCY  worker processes (default 2; image work is CPU- and memory-heavy)
#   CELERY_LOG_LEVEL    default INFO
set -euo pipefail

cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-lumina.settings.production}"

exec celery -A lumina worker \
    --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
    --concurrency "${CELERY_CONCURRENCY:-2}"
