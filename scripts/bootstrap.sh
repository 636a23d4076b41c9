#!/usr/bin/env bash
# Sets up clerk-sync on a fresh machine: pnpm at the pinned version, dependencies, a build, and
# the demo's database template (so `pnpm demo` then runs in seconds).
set -euo pipefail
cd "$(dirname "$0")/.."

want_pnpm=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [[ "$(pnpm --version 2>/dev/null || true)" != "$want_pnpm" ]]; then
  echo "Installing pnpm $want_pnpm"
  npm install --global "pnpm@$want_pnpm"
fi
pnpm install --frozen-lockfile
pnpm build
pnpm --silent demo --prepare
echo "Ready. See clerk-sync at work: pnpm demo · run the tests: pnpm test"
