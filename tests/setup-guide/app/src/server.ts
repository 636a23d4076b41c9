import { clerkMiddleware } from '@clerk/express'
import { clerkSyncWebhook } from '@clerk-sync/express'
import express from 'express'
import { sync } from './sync.js'

const app = express()

// #region express-route
// The webhook route first: before express.json(), which would consume the raw body the
// signature covers, and before clerkMiddleware() or any auth guard (Svix sends no session).
app.post('/api/webhooks', clerkSyncWebhook(sync))

// Then the rest of the app, as before.
app.use(clerkMiddleware())
app.use(express.json())
// #endregion express-route

app.get('/health', (_req, res) => {
  res.json({ ok: true })
})

const port = Number(process.env.PORT ?? 3000)
app.listen(port, () => console.log(`listening on http://localhost:${port}`))
