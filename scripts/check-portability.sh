#!/bin/sh
# Portability check: synthesizes the committed tree with cdktf 0.21 and again with CDK Terrain
# (cdktn 0.24, npm alias "cdktf": "npm:cdktn@0.24.0" + overrides), and fails unless every stack
# is identical apart from the recorded framework version; the code must also type-check against
# cdktn's declarations. Needs the npm registry (installs cdktn
# into a temporary clone; this checkout is not touched).
#   scripts/check-portability.sh            (CDKTN_VERSION=0.24.0 by default)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
version=${CDKTN_VERSION:-0.24.0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone --quiet "$root" "$work/cdktf"
ln -s "$root/node_modules" "$work/cdktf/node_modules"
(cd "$work/cdktf" && npm run --silent synth)

git clone --quiet "$root" "$work/cdktn"
cd "$work/cdktn"
node -e '
const fs = require("fs");
const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
p.dependencies.cdktf = "npm:cdktn@" + process.argv[1];
p.overrides = { ...(p.overrides || {}), cdktf: "$cdktf" };
fs.writeFileSync("package.json", JSON.stringify(p, null, 2) + "\n");
' "$version"
rm -f package-lock.json
npm install --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1 || { tail -20 "$work/npm.log"; exit 1; }
node -e 'console.log("cdktf resolves to", require("cdktf/package.json").name, require("cdktf/package.json").version)'
# The code type-checks against cdktn's declarations too (synth only emits JavaScript).
npx tsc -p tsconfig.build.json --noEmit
echo "type-check against cdktn $version: clean"
npm run --silent synth

# Compare as JSON (cdktn prints empty arrays as [] where cdktf 0.21 prints [\n]), ignoring only
# the recorded framework version.
node - "$work/cdktf/cdktf.out" "$work/cdktn/cdktf.out" "$version" <<'JS'
const fs = require("fs");
const path = require("path");
const [a, b, version] = process.argv.slice(2);
const files = (dir) => fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(".json")).sort();
const load = (dir, f) =>
  JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"), (k, v) => (k === "version" && /^0\.(21|24)\.\d+$/.test(v) ? "<framework>" : v));
const fa = files(a);
let ok = JSON.stringify(fa) === JSON.stringify(files(b));
if (!ok) console.log("DIFFERENT FILES", fa, files(b));
for (const f of fa) {
  if (JSON.stringify(load(a, f)) !== JSON.stringify(load(b, f))) {
    ok = false;
    console.log("DIFFERS:", f);
  }
}
if (!ok) process.exit(1);
console.log(`portable: cdktf 0.21.0 and cdktn ${version} synthesize the same ${fa.length} files (apart from the recorded version)`);
JS
