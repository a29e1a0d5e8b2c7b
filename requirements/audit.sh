#!/usr/bin/env bash
# `make lint`: audit the pinned requirements for known vulnerabilities (pip-audit).
#
# pip-audit asks PyPI's JSON API (or OSV with PIP_AUDIT_ARGS="-s osv") about each pinned
# version. Where that service cannot be reached (an offline machine, or a registry
# mirror without the per-version JSON API), pip-audit skips every package and still says
# "No known vulnerabilities found". This script says plainly when nothing could be
# audited; PIP_AUDIT_STRICT=1 makes that (or any skipped package) an error.
set -uo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086
.venv/bin/pip-audit --disable-pip --no-deps --progress-spinner off ${PIP_AUDIT_ARGS:-} \
  ${PIP_AUDIT_STRICT:+--strict} \
  -r requirements/base.txt -r requirements/local.txt -r requirements/production.txt \
  >"$out" 2>&1
status=$?
grep -v -e "users are encouraged to fully hash" -e "Consider using a tool like" "$out"
total="$(cat requirements/base.txt requirements/local.txt requirements/production.txt \
  | grep -E '^[A-Za-z0-9_.-]+==' | cut -d= -f1 | tr 'A-Z_.' 'a-z--' | sort -u | wc -l)"
skipped="$(grep -c 'could not be audited' "$out" || true)"
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
if [ "${skipped:-0}" -gt 0 ]; then
  echo
  if [ "$skipped" -ge "$total" ]; then
    echo "pip-audit: NOTHING WAS AUDITED: none of the ${total} pinned packages could be looked"
    echo "up (no vulnerability service reachable from here), so 'No known vulnerabilities'"
    echo "above means nothing."
  else
    echo "pip-audit: ${skipped} of ${total} pinned packages could NOT be audited."
  fi
  echo "Run 'make lint' where pypi.org's JSON API or api.osv.dev is reachable; set"
  echo "PIP_AUDIT_STRICT=1 to make a partial audit an error."
fi
exit 0
