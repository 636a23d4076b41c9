/**
 * One backfill-bench measurement per process (messages.ts): the task arrives over IPC, the result
 * goes back as `{ type: 'result', result }`; a backfill also says `{ type: 'started' }` as it
 * begins, so the webhook load can start with it. Postgres through DATABASE_URL and
 * DATABASE_SCHEMA, with the Drizzle store on a node-postgres Pool as an app opens it (the chaos
 * harness's openStore, migrations applied at start).
 */

import { createClerkClient } from '@clerk/backend'
import { createClerkSync } from '@clerk-sync/core'
import { generateSigningSecret } from '@clerk-sync/testing'
import pg from 'pg'
import { openStore } from '../../test-support/chaos/server/store.js'
import { measureBackfill, measureReconcile } from './measure-backfill.js'
import { measurePages } from './measure-pages.js'
import { measurePerUser } from './measure-per-user.js'
import { measureRawInsert } from './measure-raw-insert.js'
import type { WorkerResult, WorkerTask } from './messages.js'
import { timedStore } from './timed-store.js'

const POOL_MAX = 15

function need(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`backfill worker: ${name} is required`)
  return value
}

async function run(task: WorkerTask): Promise<WorkerResult> {
  const clerk = createClerkClient({ apiUrl: task.clerk.apiUrl, secretKey: task.clerk.secretKey })
  if (task.kind === 'pages') return measurePages(clerk, task.pageSize)
  const url = need('DATABASE_URL')
  const schema = need('DATABASE_SCHEMA')
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
  await client.connect()
  const opened = await openStore({
    store: 'drizzle',
    dialect: 'postgres',
    url,
    schema,
    poolMax: POOL_MAX,
    migrate: true,
  })
  try {
    const timed = timedStore(opened.store)
    // A quiet logger: a line per user would measure the console, not the backfill.
    const sync = createClerkSync({
      store: timed.store,
      signingSecret: generateSigningSecret(),
      logger: { debug() {}, info() {}, warn: console.warn, error: console.error },
    })
    switch (task.kind) {
      case 'per-user':
        return await measurePerUser(clerk, sync, opened.store, task.pageSize, task.maxSeconds)
      case 'raw-insert':
        return await measureRawInsert(clerk, sync, client, task.pageSize, task.rowsPerStatement)
      case 'backfill': {
        const countRows = async () =>
          Number((await client.query('SELECT count(*) AS n FROM clerk_sync_users')).rows[0].n)
        const pacing = {
          pageSize: task.pageSize,
          ...(task.maxUsersPerSecond ? { maxUsersPerSecond: task.maxUsersPerSecond } : {}),
        }
        return await measureBackfill(sync, clerk, pacing, {
          countRows,
          writeSeconds: timed.writeSeconds,
          onStart: () => process.send?.({ type: 'started' }),
        })
      }
      case 'reconcile':
        return await measureReconcile(sync, clerk)
    }
  } finally {
    await client.end()
    await opened.close()
  }
}

process.once('message', (message) => {
  run(message as WorkerTask).then(
    (result) => process.send?.({ type: 'result', result }, () => process.exit(0)),
    (error) => {
      console.error(error)
      process.exit(1)
    },
  )
})
process.on('disconnect', () => process.exit(0))
