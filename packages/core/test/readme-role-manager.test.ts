import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createClerkSync, MemoryStore, silentLogger } from '@clerk-sync/core'
import { startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, describe, expect, it } from 'vitest'

const README = join(import.meta.dirname, '../README.md')
const HEADING = '## Roles: `createRoleManager` and the admin endpoint'

/** The first ```ts block under the heading, exactly as the README shows it. */
function exampleUnder(heading: string): string {
  const text = readFileSync(README, 'utf8')
  const section = text.slice(text.indexOf(heading))
  const match = /```ts\n([\s\S]*?)\n```/.exec(section)
  if (!text.includes(heading) || !match) throw new Error(`no ts block under "${heading}"`)
  return match[1]!
}

/**
 * The example as a module: its imports on top, the rest in a function of the names it leaves to
 * the reader (`sync`, `adminId`). Written beside this test so its imports resolve as the
 * package's own (from the system's temporary folder they would not); vitest compiles it like any
 * TypeScript file. The folder is gone again as soon as the module is loaded, whatever happens.
 */
async function loadExample(code: string) {
  const lines = code.split('\n')
  const imports = lines.filter((line) => line.startsWith('import '))
  const body = lines.filter((line) => !line.startsWith('import '))
  const folder = mkdtempSync(join(import.meta.dirname, '.readme-example-'))
  try {
    const file = join(folder, 'role-manager-example.ts')
    writeFileSync(
      file,
      [...imports, 'export default async function run({ sync, adminId }) {', ...body, '}', ''].join(
        '\n',
      ),
    )
    const module = (await import(pathToFileURL(file).href)) as {
      default: (names: { sync: unknown; adminId: string }) => Promise<void>
    }
    return module.default
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}

describe('the core README’s role-manager example', () => {
  const savedEnv = { ...process.env }
  let cleanup: Array<() => unknown> = []
  afterEach(async () => {
    process.env = { ...savedEnv }
    for (const step of cleanup.reverse()) await step()
    cleanup = []
  })

  it('runs as written against the emulator, given CLERK_SECRET_KEY and CLERK_API_URL', async () => {
    const code = exampleUnder(HEADING)
    // What the issue found: a client built from the secret key alone talks to api.clerk.com.
    expect(code).toContain('apiUrl: process.env.CLERK_API_URL')

    const clerk = await startClerkEmulator()
    cleanup.push(() => clerk.close())
    const [admin, user] = clerk.seedUsers([
      { emails: ['admin@example.com'], role: 'admin' },
      {
        id: 'user_abc',
        emails: ['abc@example.com'],
        role: 'client',
        publicMetadata: { plan: 'pro' },
      },
    ])
    const store = new MemoryStore()
    const sync = createClerkSync({
      signingSecret: clerk.signingSecret,
      store,
      logger: silentLogger,
    })
    // The app's environment, nothing else: the example reads it.
    process.env.CLERK_SECRET_KEY = clerk.secretKey
    process.env.CLERK_API_URL = clerk.apiUrl
    process.env.CLERK_TELEMETRY_DISABLED = '1'

    const run = await loadExample(code)
    await run({ sync, adminId: admin!.id })

    expect(clerk.user(user!.id)?.public_metadata).toEqual({ plan: 'pro', role: 'trainer' })
    expect((await store.getUser('user_abc'))?.role).toBe('trainer')
    const audit = await store.listAuditEntries({ userId: 'user_abc' })
    expect(audit.entries).toEqual([
      expect.objectContaining({
        fromRole: 'client',
        toRole: 'trainer',
        actor: admin!.id,
        source: 'api',
      }),
    ])
    // Every call went to the emulator: PATCH metadata for the change, GETs for the checks.
    expect(clerk.requests().map((r) => `${r.method} ${r.url.split('?')[0]}`)).toContain(
      'PATCH /v1/users/user_abc/metadata',
    )
  })
})
