import { createServer, type OutgoingHttpHeaders } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import {
  ClerkSyncError,
  createClerkSync,
  ErrorCode,
  MemoryStore,
  silentLogger,
  webhookResponseBody,
} from '@clerk-sync/core'
import { handleNodeWebhook } from '@clerk-sync/core/node'
import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'
import { generateSigningSecret } from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'
import { checkCommand } from '../src/commands/check.js'
import { triggerCommand } from '../src/commands/trigger.js'
import type { Io } from '../src/io.js'

/** Runs the CLI in process, capturing what it prints. */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  const out: string[] = []
  const io: Io = { json: args.includes('--json'), out: (t) => out.push(t), err: (t) => out.push(t) }
  const [command, ...rest] = args
  const code = await (command === 'check' ? checkCommand : triggerCommand)(rest, io)
  return { code, stdout: out.join('\n') }
}

/** A real server answering every request with one status and these headers. */
async function serve<T>(
  status: number,
  headers: OutgoingHttpHeaders,
  use: (url: string) => Promise<T>,
): Promise<T> {
  const server = createServer((_req, res) => res.writeHead(status, headers).end())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

// What Clerk's middleware sets on an answer it gives itself: a redirect to sign in.
const clerkRedirect = {
  location: 'https://accounts.example.com/sign-in',
  'x-clerk-auth-status': 'signed-out',
  'x-clerk-auth-reason': 'session-token-and-uat-missing',
}

describe('clerk-sync check names the fix for the framework that answered', () => {
  it('Express (x-powered-by: Express): requireAuth and route order, not createRouteMatcher', async () => {
    const result = await serve(307, { ...clerkRedirect, 'x-powered-by': 'Express' }, (url) =>
      cli(['check', '--url', url, '--json']),
    )
    expect(result.code).toBe(1)
    const { verdict, explanation } = JSON.parse(result.stdout)
    expect(verdict).toBe('protected')
    expect(explanation).toContain('requireAuth()')
    expect(explanation).not.toContain('createRouteMatcher')
    expect(explanation).not.toContain('Fastify')
  })

  it('Next.js (x-powered-by: Next.js): plain clerkMiddleware(), no auth.protect() in the route', async () => {
    const result = await serve(307, { ...clerkRedirect, 'x-powered-by': 'Next.js' }, (url) =>
      cli(['check', '--url', url, '--json']),
    )
    const { verdict, explanation } = JSON.parse(result.stdout)
    expect(verdict).toBe('protected')
    expect(explanation).toContain('run plain clerkMiddleware() (it protects nothing by path)')
    expect(explanation).toContain('do not call auth.protect() in the webhook route')
    // createRouteMatcher is deprecated in @clerk/nextjs 7: named only for older versions.
    expect(explanation).toContain('With an older @clerk/nextjs')
    expect(explanation).not.toContain("createRouteMatcher(['/api/webhooks(.*)'])")
    expect(explanation).not.toContain('requireAuth')
  })

  it('a framework the answer does not name: the fix for each, briefly', async () => {
    const result = await serve(401, { 'x-clerk-auth-status': 'signed-out' }, (url) =>
      cli(['check', '--url', url, '--json']),
    )
    const { verdict, explanation } = JSON.parse(result.stdout)
    expect(verdict).toBe('protected')
    for (const part of ['Next.js: ', 'Express: ', 'Fastify: ', 'Hono: '])
      expect(explanation).toContain(part)
  })
})

describe('clerk-sync trigger and check on a store that was never migrated', () => {
  it('names the migration to run from the answer’s STORE_NOT_MIGRATED code', async () => {
    const secret = generateSigningSecret()
    // The error drizzleStore and prismaStore throw for a missing table (tested in their packages).
    class UnmigratedStore extends MemoryStore {
      override async upsertUser(): Promise<never> {
        throw new ClerkSyncError(ErrorCode.STORE_NOT_MIGRATED, 'Table clerk_sync_events is missing')
      }
    }
    const sync = createClerkSync({
      signingSecret: secret,
      store: new UnmigratedStore(),
      logger: silentLogger,
    })
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const result = await sync.processWebhook({
        body: Buffer.concat(chunks),
        headers: req.headers,
      })
      res
        .writeHead(result.status, { 'content-type': 'application/json' })
        .end(JSON.stringify(webhookResponseBody(result)))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`
    try {
      const triggered = await cli(['trigger', 'user.created', '--url', url, '--secret', secret])
      expect(triggered.code).toBe(1)
      expect(triggered.stdout).toContain('STORE_NOT_MIGRATED')
      expect(triggered.stdout).toContain('run applyMigrations(db)')
      expect(triggered.stdout).toContain('0000_clerk_sync, then any newer')
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('clerk-sync check --secret asks the store whether it was migrated', () => {
  // The CLI does not depend on a database driver; the Drizzle store's own package has them.
  const requireFromDrizzle = createRequire(
    new URL('../../store-drizzle/package.json', import.meta.url),
  )
  const Database = requireFromDrizzle('better-sqlite3') as new (
    path: string,
  ) => {
    close(): void
  }
  const { drizzle } = requireFromDrizzle('drizzle-orm/better-sqlite3') as {
    drizzle(client: unknown): Parameters<typeof drizzleStore>[0]
  }

  it('names the migration while the tables are missing, and says ready once they exist', async () => {
    const secret = generateSigningSecret()
    const sqlite = new Database(':memory:')
    const db = drizzle(sqlite)
    const sync = createClerkSync({
      signingSecret: secret,
      store: drizzleStore(db),
      logger: silentLogger,
    })
    const server = createServer((req, res) => handleNodeWebhook(sync, req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`
    try {
      const unsigned = await cli(['check', '--url', url])
      expect(unsigned.code).toBe(0)

      const before = await cli(['check', '--url', url, '--secret', secret, '--json'])
      expect(before.code).toBe(1)
      const said = JSON.parse(before.stdout)
      expect(said).toMatchObject({ ok: false, verdict: 'clerk-sync-error' })
      expect(said.explanation).toContain('500 STORE_NOT_MIGRATED')
      expect(said.explanation).toContain('run applyMigrations(db)')

      const wrongSecret = await cli(['check', '--url', url, '--secret', generateSigningSecret()])
      expect(wrongSecret.code).toBe(1)
      expect(wrongSecret.stdout).toContain('SIGNATURE_INVALID')

      await applyMigrations(db)
      const after = await cli(['check', '--url', url, '--secret', secret])
      expect(after.code).toBe(0)
      expect(after.stdout).toContain('clerk-sync is ready')
    } finally {
      await new Promise((resolve) => server.close(resolve))
      sqlite.close()
    }
  })
})
