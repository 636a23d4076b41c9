/**
 * Baseline (a): the raw driver's single-statement upsert, no HTTP. The same events the load
 * generator sends, mapped as the floor maps them, written by `concurrency` workers through the
 * driver BENCH_DRIVER names (a pool of DATABASE_POOL_MAX). Reports over IPC, like load.ts.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { openRawSql } from './server/raw-sql.js'
import {
  eventSequence,
  type RunRequest,
  rowFromEvent,
  rowParams,
  summarize,
  upsertSql,
} from './shared.js'

const STALL_RESOLUTION_MS = 10

async function run(request: RunRequest) {
  const sql = await openRawSql(process.env)
  try {
    const upsert = upsertSql(sql.dialect)
    const params = eventSequence(request.warmup + request.deliveries, request.createdShare).map(
      (delivery) => rowParams(rowFromEvent(JSON.parse(delivery.body)), sql.dialect),
    )
    const stall = monitorEventLoopDelay({ resolution: STALL_RESOLUTION_MS })
    const drive = async (rows: unknown[][], record: boolean, deadline: number) => {
      const latencies: number[] = []
      const statuses: Record<string, number> = {}
      let next = 0
      let capped = false
      const worker = async () => {
        while (next < rows.length) {
          if (performance.now() > deadline) {
            capped = true
            return
          }
          const row = rows[next++]!
          const started = performance.now()
          let status = 'ok'
          try {
            await sql.query(upsert, row)
          } catch (error) {
            status = 'error'
            console.error(error instanceof Error ? error.message : String(error))
          }
          if (!record) continue
          latencies.push(performance.now() - started)
          // 'ok' counts as 2xx below, so a failed statement is the only "non-2xx" here.
          const key = status === 'ok' ? '200' : status
          statuses[key] = (statuses[key] ?? 0) + 1
        }
      }
      const started = performance.now()
      await Promise.all(Array.from({ length: request.concurrency }, worker))
      return summarize(latencies, (performance.now() - started) / 1000, statuses, capped)
    }
    const capMs = request.maxSeconds * 1000
    await drive(params.slice(0, request.warmup), false, performance.now() + capMs)
    stall.enable()
    const cpuSince = process.cpuUsage()
    const result = await drive(params.slice(request.warmup), true, performance.now() + capMs)
    const cpu = process.cpuUsage(cpuSince)
    stall.disable()
    return {
      ...result,
      stallMs: Math.max(0, stall.max / 1e6 - STALL_RESOLUTION_MS),
      cpuMs: (cpu.user + cpu.system) / 1000,
    }
  } finally {
    await sql.close()
  }
}

process.once('message', (message) => {
  run((message as { request: RunRequest }).request).then(
    (result) => process.send?.({ type: 'result', result }, () => process.exit(0)),
    (error) => {
      console.error(error)
      process.exit(1)
    },
  )
})
process.on('disconnect', () => process.exit(0))
