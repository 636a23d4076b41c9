/**
 * A bench server: Express 5 as an app builds it, one path per process, chosen by BENCH_PATH:
 * - `clerk-sync`: `clerkSyncWebhook(sync)` over the store BENCH_STORE names (memory is row (d)),
 *   with group commit when BENCH_GROUP_COMMIT=1;
 * - `floor` (b): read the body, map the user, one raw upsert through BENCH_DRIVER; no verification;
 * - `naive` (c): the seed app's handler: svix verify, SELECT the user, INSERT or UPDATE.
 * `GET /__bench/stall` answers the longest event-loop delay and the process's CPU time since the
 * last call, then resets both.
 * Reports `{ type: 'ready', port }` over IPC like the chaos server, so `startFleet` runs it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createClerkSync } from '@clerk-sync/core'
import { clerkSyncWebhook } from '@clerk-sync/express'
import express from 'express'
import { Webhook } from 'svix'
import { naiveSql, rowFromEvent, rowParams, updateParams, upsertSql } from '../shared.js'
import { needEnv, openRawSql } from './raw-sql.js'
import { openBenchStore } from './store.js'

const STALL_RESOLUTION_MS = 10
const stall = monitorEventLoopDelay({ resolution: STALL_RESOLUTION_MS })
stall.enable()

const path = needEnv(process.env, 'BENCH_PATH')
const app = express()
const rawBody = express.raw({ type: () => true, limit: '1mb' })

if (path === 'clerk-sync') {
  const { store } = await openBenchStore(process.env)
  // The signing secret comes from CLERK_WEBHOOK_SIGNING_SECRET, as in production.
  // BENCH_GROUP_COMMIT=1: upserts that arrive while earlier writes run share one statement.
  const sync = createClerkSync({
    store,
    groupCommit: process.env.BENCH_GROUP_COMMIT === '1',
  })
  app.post('/api/webhooks', clerkSyncWebhook(sync))
} else if (path === 'floor') {
  const sql = await openRawSql(process.env)
  const upsert = upsertSql(sql.dialect)
  app.post('/api/webhooks', rawBody, async (req, res) => {
    try {
      const row = rowFromEvent(JSON.parse((req.body as Buffer).toString('utf8')))
      await sql.query(upsert, rowParams(row, sql.dialect))
      res.status(200).json({ ok: true })
    } catch (error) {
      console.error(`floor: ${error instanceof Error ? error.message : String(error)}`)
      res.status(500).json({ ok: false })
    }
  })
} else if (path === 'naive') {
  const sql = await openRawSql(process.env)
  const webhook = new Webhook(needEnv(process.env, 'CLERK_WEBHOOK_SIGNING_SECRET'))
  app.post('/api/webhooks', rawBody, async (req, res) => {
    let event: { type: string; data: { id: string; created_at: number; updated_at: number } }
    try {
      event = webhook.verify((req.body as Buffer).toString('utf8'), {
        'svix-id': String(req.headers['svix-id']),
        'svix-timestamp': String(req.headers['svix-timestamp']),
        'svix-signature': String(req.headers['svix-signature']),
      }) as typeof event
    } catch {
      res.status(400).json({ error: 'invalid signature' })
      return
    }
    try {
      const row = rowFromEvent(event)
      const found = await sql.query(naiveSql.select, [row.id])
      if (found.length > 0) await sql.query(naiveSql.update, updateParams(row, sql.dialect))
      else await sql.query(naiveSql.insert, rowParams(row, sql.dialect))
      res.status(200).json({ ok: true })
    } catch (error) {
      // Two deliveries of one new user at once both find no row; the second INSERT fails.
      console.error(`naive: ${error instanceof Error ? error.message : String(error)}`)
      res.status(500).json({ ok: false })
    }
  })
} else {
  throw new Error(`bench: unknown BENCH_PATH ${path}`)
}

let cpuSince = process.cpuUsage()
app.get('/__bench/stall', (_req, res) => {
  // A sample is the whole interval between two timer runs: what exceeds the interval is the stall.
  const maxMs = Math.max(0, stall.max / 1e6 - STALL_RESOLUTION_MS)
  const cpu = process.cpuUsage(cpuSince)
  stall.reset()
  cpuSince = process.cpuUsage()
  res.json({ maxMs, cpuMs: (cpu.user + cpu.system) / 1000 })
})

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  process.send?.({ type: 'ready', port, pid: process.pid })
  console.log(`bench server ${path} ${process.pid} listening on http://127.0.0.1:${port}`)
})
server.on('error', (error) => {
  console.error(`bench server: ${error.message}`)
  process.exit(1)
})
process.on('disconnect', () => process.exit(0))
// Exit, not die, on the bench's stop: a server under `node --cpu-prof` writes its profile then.
process.once('SIGTERM', () => process.exit(0))
