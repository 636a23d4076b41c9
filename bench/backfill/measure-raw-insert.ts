/**
 * (c) The raw driver's ceiling for the same rows: every user fetched and mapped first (not
 * timed), then node-postgres alone writes them into a plain table with the users table's columns,
 * `rowsPerStatement` rows per multi-row INSERT, one statement at a time on one connection (a
 * backfill writes one page at a time too). No version guard, no sync state, no upsert.
 */

import { performance } from 'node:perf_hooks'
import type { ClerkClient } from '@clerk/backend'
import type { ClerkSync } from '@clerk-sync/core'
import type pg from 'pg'
import { keysetPages, rawOf } from './keyset-pages.js'
import type { RawInsertResult } from './messages.js'

const COLUMNS = [
  'id',
  'email',
  'first_name',
  'last_name',
  'username',
  'phone',
  'image_url',
  'role',
  'created_at',
  'updated_at',
  'extra',
]

/** The same columns and types as @clerk-sync/drizzle's `clerk_sync_users` on Postgres. */
export const RAW_TABLE_DDL = `CREATE TABLE bench_raw_users (
  id text PRIMARY KEY, email text, first_name text, last_name text, username text, phone text,
  image_url text, role text NOT NULL, created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL, extra jsonb)`

function insertSql(rows: number): string {
  const tuples: string[] = []
  for (let row = 0; row < rows; row++) {
    const base = row * COLUMNS.length
    tuples.push(`(${COLUMNS.map((_, column) => `$${base + column + 1}`).join(', ')})`)
  }
  return `INSERT INTO bench_raw_users (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`
}

export async function measureRawInsert(
  clerk: ClerkClient,
  sync: ClerkSync<string>,
  client: pg.Client,
  pageSize: number,
  rowsPerStatement: number,
): Promise<RawInsertResult> {
  const prepareStarted = performance.now()
  await client.query(RAW_TABLE_DDL)
  const rows: unknown[][] = []
  for await (const page of keysetPages(clerk, pageSize))
    for (const user of page) {
      const u = await sync.toSyncedUser(rawOf(user))
      const extra = u.extra === undefined ? null : JSON.stringify(u.extra)
      rows.push([
        u.id,
        u.email,
        u.firstName,
        u.lastName,
        u.username,
        u.phone,
        u.imageUrl,
        u.role,
        u.createdAt,
        u.updatedAt,
        extra,
      ])
    }
  const prepareSeconds = (performance.now() - prepareStarted) / 1000
  const fullStatement = insertSql(rowsPerStatement)
  let statements = 0
  const started = performance.now()
  for (let from = 0; from < rows.length; from += rowsPerStatement) {
    const chunk = rows.slice(from, from + rowsPerStatement)
    const text = chunk.length === rowsPerStatement ? fullStatement : insertSql(chunk.length)
    await client.query(text, chunk.flat())
    statements++
  }
  const seconds = (performance.now() - started) / 1000
  return {
    users: rows.length,
    seconds,
    usersPerSecond: rows.length / seconds,
    statements,
    prepareSeconds,
  }
}
