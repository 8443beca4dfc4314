#!/usr/bin/env bash
# Runs the suite on each end of the xstate range the package supports: the lowest version (the floor of
# `peerDependencies.xstate` in package.json) and the latest 5.x on the registry. For each it installs that xstate
# (`npm install --no-save`), runs vitest, and, when dist/ is built, checks the packed package's declarations against
# that xstate's types (scripts/check-pack.mjs). The lockfile's xstate is put back afterwards, also on failure.
#
# A version equal to the lockfile's is skipped (`npm test` and `npm run check:package` already ran on it) unless
# `--all` is given. The size budget (size.test.ts) is left out: the library's gzipped share is measured against
# the installed xstate's bundle and its ceiling is calibrated on the lockfile's version (the same code measured
# about 2.33 kB against xstate 5.20 to 5.32 and 2.25 kB against 5.33.3).
set -euo pipefail
cd "$(dirname "$0")/.."

all=false
[ "${1:-}" = "--all" ] && all=true

installed() { node -p "require('xstate/package.json').version"; }
locked=$(node -p "require('./package-lock.json').packages['node_modules/xstate'].version")
range=$(node -p "require('./package.json').peerDependencies.xstate")
lowest=${range#^}
latest=$(npm view 'xstate@^5' version --json | node -e "const v = JSON.parse(require('fs').readFileSync(0, 'utf8')); console.log([].concat(v).at(-1))")

restore() {
  if [ "$(installed)" != "$locked" ]; then
    echo "xstate-range: restoring the lockfile's xstate $locked"
    npm install --no-save --no-audit --no-fund --loglevel=error "xstate@$locked"
  fi
}
trap restore EXIT

echo "xstate-range: peer range $range; lowest $lowest, latest 5.x $latest, lockfile $locked"
for version in "$lowest" "$latest"; do
  if [ "$version" = "$locked" ] && [ "$all" = false ]; then
    echo "xstate-range: $version is the lockfile's version, already tested; skipped"
    continue
  fi
  npm install --no-save --no-audit --no-fund --loglevel=error "xstate@$version"
  [ "$(installed)" = "$version" ] || { echo "xstate-range: installed $(installed), wanted $version" >&2; exit 1; }
  echo "xstate-range: the suite on xstate $version"
  npx vitest run --exclude '**/size.test.ts'
  if [ -f dist/index.js ]; then
    node scripts/check-pack.mjs
  fi
done
