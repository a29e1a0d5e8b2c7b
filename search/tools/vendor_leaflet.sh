#!/usr/bin/env bash
# Copy Leaflet's built files from the npm package into static/vendor/leaflet/, so the
# map page serves them itself (no CDN at run time). Run after changing the version;
# commit the result. Needs npm (the registry), nothing else.
#
#   search/tools/vendor_leaflet.sh            # the pinned version
#   LEAFLET_VERSION=1.9.4 search/tools/vendor_leaflet.sh
set -euo pipefail
VERSION="${LEAFLET_VERSION:-1.9.4}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="$ROOT/static/vendor/leaflet"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "leaflet@$VERSION" >/dev/null && tar -xzf leaflet-*.tgz)
rm -rf "$DEST"
mkdir -p "$DEST/images"
cp "$WORK/package/dist/leaflet.js" "$WORK/package/dist/leaflet.css" "$DEST/"
# The source map is not shipped; its reference would break collectstatic's manifest.
sed -i '/^\/\/# sourceMappingURL=/d' "$DEST/leaflet.js"
cp "$WORK/package/dist/images/"*.png "$DEST/images/"
cp "$WORK/package/LICENSE" "$DEST/LICENSE"
echo "$VERSION" > "$DEST/VERSION"
echo "Leaflet $VERSION copied to ${DEST#"$ROOT"/}"
