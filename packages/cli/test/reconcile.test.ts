import { createClerkClient } from '@clerk/backend'
import type { ClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BackfillApp, backfillApp, seededEmulator } from './support/backfill-fixture.js'
import { runCli, startCliOnTerminal } from './support/run-cli.js'

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

// Each test runs the CLI (a Node process loading TypeScript) several times.
describe('clerk-sync reconcile', { timeout: 180_000 }, () => {
  let emulator: ClerkEmulator
  let app: BackfillApp
  const cli = (args: string[]) => runCli(args, { cwd: app.dir, env: app.env })

  beforeAll(async () => {
    emulator = await seededEmulator({ paced: false })
    app = backfillApp(emulator)
    expect((await cli(['backfill'])).code).toBe(0)
  })
  afterAll(() => emulator?.close())

  it('exit 0 without drift; lists each kind, exit 1, until --apply repairs it (exit 0)', async () => {
    const clean = await cli(['reconcile'])
    expect(clean.code).toBe(0)
    expect(clean.stdout).toMatch(
      /120 Clerk users and 120 local users compared in [\d.]+s: 0 missing, 0 different, 0 gone\. No drift\.$/m,
    )

    // Drift as missed webhooks leave it: deleted, created and changed in Clerk, none delivered.
    const [gone, changed] = emulator.users()
    emulator.deleteUsers([gone!.id])
    const [missing] = emulator.seedUsers([{ emails: ['late@example.com'] }])
    const clerk = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
    await clerk.users.updateUser(changed!.id, { firstName: 'Renamed' })

    const dryRun = await cli(['reconcile', '--json'])
    expect(dryRun.code).toBe(1)
    const lines = jsonLines(dryRun.stdout)
    expect(lines.slice(0, -1)).toEqual(
      expect.arrayContaining([
        { kind: 'missing', userId: missing!.id, repaired: false },
        {
          kind: 'different',
          userId: changed!.id,
          fields: expect.arrayContaining(['firstName']),
          repaired: false,
        },
        { kind: 'gone', userId: gone!.id, repaired: false },
      ]),
    )
    expect(lines).toHaveLength(4)
    expect(lines.at(-1)).toMatchObject({
      kind: 'summary',
      ok: false,
      apply: false,
      missing: 1,
      different: 1,
      gone: 1,
      repaired: 0,
    })

    const applied = await cli(['reconcile', '--apply'])
    expect(applied.code).toBe(0)
    expect(applied.stdout).toContain(
      `missing   ${missing!.id}  in Clerk, missing from your store → repaired`,
    )
    expect(applied.stdout).toMatch(
      new RegExp(`different ${changed!.id}  differs \\(.*firstName.*\\) → repaired`),
    )
    expect(applied.stdout).toContain(
      `gone      ${gone!.id}  in your store, deleted in Clerk → repaired`,
    )
    expect(applied.stdout).toMatch(/1 missing, 1 different, 1 gone; 3 repaired\.$/m)

    expect((await cli(['reconcile'])).code).toBe(0)
    await app.expectStoreEqualsEmulator()
  })

  it('refuses to tombstone past the limit (exit 3) until --force', async () => {
    const ids = emulator
      .users()
      .slice(0, 12)
      .map((user) => user.id)
    emulator.deleteUsers(ids)
    const refused = await cli(['reconcile', '--apply', '--json'])
    expect(refused.code).toBe(3)
    const summary = jsonLines(refused.stdout).at(-1)!
    // It stops looking once past the limit: "at least" that many.
    expect(summary).toMatchObject({ kind: 'summary', ok: false, repaired: 0 })
    expect(summary.gone).toBeGreaterThan(10)
    expect(summary.refused).toMatchObject({ wouldTombstone: summary.gone, limit: 10 })

    const plain = await cli(['reconcile', '--apply'])
    expect(plain.code).toBe(3)
    expect(plain.stdout).toMatch(/Refused to tombstone: at least 1\d of \d+ stored users are gone/)

    const forced = await cli(['reconcile', '--apply', '--force'])
    expect(forced.code).toBe(0)
    expect(forced.stdout).toMatch(/12 gone; 12 repaired\.$/m)
    await app.expectStoreEqualsEmulator()
  })

  it('on a terminal: each item on its own line above the live bar, which clears it first', async () => {
    const [missing] = emulator.seedUsers([{ emails: ['later@example.com'] }])
    const run = await startCliOnTerminal(['reconcile', '--page-size', '20'], {
      cwd: app.dir,
      env: app.env,
    }).result()
    expect(run.code).toBe(1)
    const eraseLine = `\r${String.fromCharCode(27)}[2K`
    expect(run.stdout).toContain(
      `${eraseLine}missing   ${missing!.id}  in Clerk, missing from your store\r\n`,
    )
    expect(run.stdout).toMatch(
      /1 missing, 0 different, 0 gone\. Run again with --apply to repair them\./,
    )
    expect((await cli(['reconcile', '--apply'])).code).toBe(0)
  })

  it("a secret key Clerk refuses: exit 1 with clerk-sync's error, no stack trace", async () => {
    const run = await runCli(['reconcile'], {
      cwd: app.dir,
      env: { ...app.env, CLERK_SECRET_KEY: 'sk_test_not_this_instance' },
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^clerk-sync reconcile: CLERK_API_FAILED: /)
    expect(run.stderr).not.toMatch(/^\s+at /m)
  })
})
