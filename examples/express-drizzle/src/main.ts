import { configFromEnv } from './config.js'
import { startApp } from './start-app.js'

// Reads .env when present (Node 20.12+), so `pnpm start` works after `cp .env.example .env`.
try {
  process.loadEnvFile()
} catch {}

const app = await startApp(configFromEnv())
console.log(`Listening on ${app.url} (database: ${app.databaseDescription})`)
console.log(`Clerk webhook endpoint: ${app.url}/api/webhooks`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0))
  })
}
