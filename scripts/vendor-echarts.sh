#!/usr/bin/env bash
# Vendor Apache ECharts into hotline/static/vendor/echarts/ from the npm registry (no CDN at run time:
# the office network may be closed). Checks the tarball against the registry's published integrity.
#   scripts/vendor-echarts.sh [VERSION]     (default: the version in VERSION, else the latest 5.x)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=hotline/static/vendor/echarts
VERSION="${1:-$(cat "$DEST/VERSION" 2>/dev/null || true)}"
VERSION="${VERSION:-5}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "echarts@$VERSION" >/dev/null)
tarball="$(ls "$work"/echarts-*.tgz)"
resolved="$(basename "$tarball" .tgz)"; resolved="${resolved#echarts-}"

expected="$(npm view "echarts@$resolved" dist.integrity)"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$expected" != "$actual" ]]; then
  echo "integrity mismatch for echarts@$resolved: $actual != $expected" >&2
  exit 1
fi

tar -xzf "$tarball" -C "$work"
mkdir -p "$DEST"
cp "$work/package/dist/echarts.min.js" "$DEST/echarts.min.js"
cp "$work/package/LICENSE" "$DEST/LICENSE"
cp "$work/package/NOTICE" "$DEST/NOTICE"
cp "$work/package/licenses/LICENSE-d3" "$DEST/LICENSE-d3"
echo "$resolved" > "$DEST/VERSION"
echo "echarts $resolved -> $DEST ($(wc -c < "$DEST/echarts.min.js") bytes)"
