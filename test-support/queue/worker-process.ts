/**
 * A queue-mode worker process: the same app as the web processes, applying queued events with
 * `sync.startWorker({ concurrency: 2 })`. Prints `worker ready` once it fetches jobs; on SIGTERM
 * stops fetching, settles the jobs in hand, prints `worker summary <JSON of results by outcome>`
 * and exits.
 */
import { openQueueApp } from './queue-app.js'

const app = await openQueueApp(process.env)
const worker = await app.sync.startWorker({ concurrency: 2 })
console.log(`queue worker ${process.pid} worker ready`)

process.once('SIGTERM', async () => {
  await worker.stop()
  await app.close()
  console.log(`worker summary ${JSON.stringify(app.applied)}`)
  process.exit(0)
})
