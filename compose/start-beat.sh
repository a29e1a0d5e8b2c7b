#!/usr/bin/env bash
# Beat container: the periodic-task scheduler. Run exactly ONE beat per deployment, or
# every periodic task runs once per beat. The schedule lives in the database
# (django-celery-beat), so it needs the migrations that the web container applies.
#
# Environment (optional):
#   CELERY_LOG_LEVEL    default INFO
set -euo pipefail

cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-lumina.settings.production}"

exec celery -A lumina beat \
    --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
    -S django_celery_beat.schedulers:DatabaseScheduler
