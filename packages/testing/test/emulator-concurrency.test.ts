import { createClerkClient } from '@clerk/backend'
import { generateSigningSecret } from '@clerk-sync/testing'
import { startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, expect, it } from 'vitest'
import { startReceiver } from './emulator-support/webhook-receiver.js'

const warnings: Error[] = []
const onWarning = (warning: Error) => warnings.push(warning)
afterEach(() => {
  process.off('warning', onWarning)
})

it('32 attempts in flight at once draw no MaxListenersExceededWarning', async () => {
  process.on('warning', onWarning)
  const secret = generateSigningSecret()
  const app = await startReceiver(secret)
  // Slow answers keep every slot busy at once.
  app.delayMs = 200
  const clerk = await startClerkEmulator({
    webhookUrl: app.url,
    signingSecret: secret,
    concurrency: 32,
  })
  try {
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client.users.createUser({ emailAddress: [`busy${i}@example.com`] }),
      ),
    )
    await clerk.flush()
    // A warning is emitted on the next tick after it is raised.
    await new Promise((resolve) => setImmediate(resolve))
    expect(clerk.deliveries().filter((d) => d.ok)).toHaveLength(40)
    // More than Node's default of 10 listeners were waiting on one signal at once.
    expect(app.maxInFlight).toBeGreaterThan(10)
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  } finally {
    await Promise.all([clerk.close(), app.close()])
  }
})
