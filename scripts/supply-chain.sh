#!/usr/bin/env bash
# Supply chain checks of the npm tree, offline against the installed node_modules (make supply-chain,
# a step of make test): the licence gate (scripts/licences.mjs, allow list licences.json) and a
# CycloneDX SBOM of the production dependencies, written to .stack/sbom/sbom.cdx.json (CI attaches
# it). npm audit needs the registry's audit endpoint, so it runs in GitHub Actions only (ci.yml).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rc=0
node scripts/licences.mjs || rc=$?

out=${SBOM_FILE:-.stack/sbom/sbom.cdx.json}  # tests write theirs elsewhere
mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# --omit dev: what the services ship; reproducible: no timestamp or random serial, so a diff of two
# SBOMs shows only dependency changes. npm ls (run by the tool) reads node_modules, no network.
if npm_config_offline=true node node_modules/@cyclonedx/cyclonedx-npm/bin/cyclonedx-npm-cli.js \
    --omit dev --spec-version 1.6 --output-format JSON --output-reproducible --validate \
    --output-file "$tmp" package.json; then
  mv "$tmp" "$out"
  echo "sbom: $out ($(node -e 'const b=JSON.parse(require("fs").readFileSync(process.argv[1]));let n=0;const w=c=>{for(const x of c??[]){n++;w(x.components)}};w(b.components);console.log("CycloneDX "+b.specVersion+", "+n+" components")' "$out"))"
else
  echo "sbom: cyclonedx-npm failed" >&2
  rc=1
fi
exit "$rc"
