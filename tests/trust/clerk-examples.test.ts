import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createClerkClient } from '@clerk/backend'
import { generateSigningSecret } from '@clerk-sync/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../test-support/capture-logger.js'
import { delivery } from '../../test-support/trust/catalogue.js'
import { send } from '../../test-support/trust/send.js'
import { startAdapters } from '../../test-support/trust/servers.js'

/**
 * Every `user.*` example Clerk publishes (its webhook spec and the payloads in its docs) is
 * accepted when signed and delivered, on every adapter: parsing must not be stricter than Clerk.
 */
const reference = new URL('../../../shared/clerk-reference/', import.meta.url)
const specPath = new URL('webhooks-2025-04-15.yml', reference)
const payloadsDir = new URL('payloads/', reference)
const present = existsSync(specPath) && existsSync(payloadsDir)
if (!present) {
  console.warn(`\n[clerk-sync tests] SKIPPING Clerk's examples: no ${specPath.pathname}\n`)
}

interface Example {
  source: string
  event: { type: string; data: { id: string } }
}

async function examples(): Promise<Example[]> {
  // yaml is @clerk-sync/testing's dev dependency (it reads Clerk's specs there too).
  const { parse } = createRequire(new URL('../../packages/testing/package.json', import.meta.url))(
    'yaml',
  ) as typeof import('yaml')
  const spec = parse(readFileSync(specPath, 'utf8')) as {
    'x-webhooks': Record<
      string,
      { post: { requestBody: { content: Record<string, { example?: Example['event'] }> } } }
    >
  }
  const found: Example[] = []
  for (const [name, hook] of Object.entries(spec['x-webhooks'])) {
    if (!name.startsWith('user.')) continue
    const example = hook.post.requestBody.content['application/json']?.example
    if (example) found.push({ source: `webhooks-2025-04-15.yml ${name}`, event: example })
  }
  for (const file of readdirSync(payloadsDir).filter((f) => /user\.\w+\.json$/.test(f))) {
    found.push({
      source: `payloads/${file}`,
      event: JSON.parse(readFileSync(new URL(file, payloadsDir), 'utf8')),
    })
  }
  return found
}

describe.skipIf(!present)("Clerk's own user.* examples, signed and delivered", async () => {
  const list = present ? await examples() : []
  const secret = generateSigningSecret()
  const clerk = createClerkClient({ secretKey: 'sk_test_unused', apiUrl: 'http://127.0.0.1:9' })
  const started = await startAdapters({ secret, clerk, logger: captureLogger().logger })
  afterAll(() => started.close())
  let n = 0

  it('finds the three user events in the spec and the payloads', () => {
    const types = new Set(list.map((e) => e.event.type))
    expect([...types].sort()).toEqual(['user.created', 'user.deleted', 'user.updated'])
    expect(list.filter((e) => e.source.startsWith('webhooks')).length).toBe(3)
  })

  for (const adapter of started.adapters) {
    it(`${adapter.name}: each is answered 200 and applied or deleted as its type says`, async () => {
      for (const example of list) {
        // Only the user id is made unique, so each example stands alone (the spec's and the
        // payloads' share ids); every other byte is as Clerk published it.
        const { source } = example
        const id = `${example.event.data.id}_${adapter.name.replace(/\W/g, '')}_${++n}`
        const event = { ...example.event, data: { ...example.event.data, id } }
        const { request } = delivery({ secret }, { body: JSON.stringify(event) })
        const outcome = await send(adapter, request)
        const answer = outcome.kind === 'answered' ? outcome.answer : undefined
        expect({ source, status: answer?.status, body: answer?.json }).toMatchObject({
          source,
          status: 200,
          body: { outcome: 'applied' },
        })
        const stored = await adapter.store.getUser(event.data.id)
        if (event.type === 'user.deleted') expect(stored, source).toBeNull()
        else expect(stored?.id, source).toBe(event.data.id)
      }
    })
  }
})
