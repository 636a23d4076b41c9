/**
 * pg-boss and drizzle-orm are dependencies of the packages that use them (queue-pg-boss,
 * store-drizzle), not of the repository root, so neither resolves from here. Load the very copies
 * those packages' sources import: the boss handed to pgBossQueue and the database handed to
 * drizzleStore are then exactly what an app installing the packages would pass.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const requireFrom = (workspacePackage: string) =>
  createRequire(new URL(`../../packages/${workspacePackage}/package.json`, import.meta.url))

/** pg-boss 10 (CommonJS), as packages/queue-pg-boss has it. */
export const PgBoss = requireFrom('queue-pg-boss')('pg-boss') as typeof import('pg-boss')
export type PgBoss = import('pg-boss')

// drizzle-orm's ESM build, the one @clerk-sync/drizzle's source imports.
const drizzleRoot = dirname(requireFrom('store-drizzle').resolve('drizzle-orm'))
export const { drizzle: drizzlePg } = (await import(
  pathToFileURL(join(drizzleRoot, 'node-postgres', 'index.js')).href
)) as typeof import('drizzle-orm/node-postgres')
