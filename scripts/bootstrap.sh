#!/usr/bin/env bash
# Sets up clerk-sync on a fresh machine: pnpm at the pinned version, dependencies, a build.
set -euo pipefail
cd "$(dirname "$0")/.."

want_pnpm=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [[ "$(pnpm --version 2>/dev/null || true)" != "$want_pnpm" ]]; then
  echo "Installing pnpm $want_pnpm"
  npm install --global "pnpm@$want_pnpm"
fi
pnpm install --frozen-lockfile
pnpm build
echo "Ready. Run the tests with: pnpm test"
