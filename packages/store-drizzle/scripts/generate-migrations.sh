#!/usr/bin/env bash
# Regenerates the shipped SQL migrations from src/schema/*.ts with drizzle-kit (no database
# needed), then bundles them into src/migrations/bundled.ts for applyMigrations().
set -euo pipefail
cd "$(dirname "$0")/.."
for dialect in pg mysql sqlite; do
  pnpm exec drizzle-kit generate --config "drizzle/$dialect.config.ts" --name clerk_sync
done
node scripts/bundle-migrations.mjs
