import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { ClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckpointFile } from '../src/backfill/checkpoint-file.js'
import { backfillApp, SEEDED_USERS, seededEmulator } from './support/backfill-fixture.js'
import { runCli, startCli, startCliOnTerminal } from './support/run-cli.js'

const PAGE = 10
const ESC = String.fromCharCode(27)
const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown> & { kind: string })

// Each test runs the CLI (a Node process loading TypeScript) two to five times.
describe('clerk-sync backfill', { timeout: 120_000 }, () => {
  let fast: ClerkEmulator
  let paced: ClerkEmulator
  beforeAll(async () => {
    ;[fast, paced] = await Promise.all([
      seededEmulator({ paced: false }),
      seededEmulator({ paced: true }),
    ])
  })
  afterAll(async () => {
    await Promise.all([fast?.close(), paced?.close()])
  })

  it('through a pipe: plain progress lines, a summary, every user in the store, no checkpoint left', async () => {
    const app = backfillApp(fast)
    const run = await runCli(['backfill', '--page-size', '20'], { cwd: app.dir, env: app.env })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain(ESC)
    const lines = run.stdout.trim().split('\n')
    expect(lines[0]).toMatch(
      new RegExp(`^Backfill: 20 / ${SEEDED_USERS} users · [\\d,]+ users/s · ETA [\\d.]+`),
    )
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^Backfill done\\. ${SEEDED_USERS} users read from Clerk in [\\d.]+s \\([\\d,]+ users/s\\): ${SEEDED_USERS} written, 0 already newer in your store, 0 failed\\.$`,
      ),
    )
    expect(existsSync(app.checkpointFile)).toBe(false)
    await app.expectStoreEqualsEmulator()
  })

  it('on a terminal: a live bar with users/s and an ETA', async () => {
    const app = backfillApp(paced)
    const cli = startCliOnTerminal(['backfill', '--page-size', String(PAGE)], {
      cwd: app.dir,
      env: app.env,
    })
    const run = await cli.result()
    expect(run.code).toBe(0)
    // Redrawn in place: cursor movement and erasing, and the bar's counts as they grow.
    expect(run.stdout).toMatch(new RegExp(`${ESC}\\[\\d*[GJK]`))
    const counts = [
      ...run.stdout.matchAll(/(\d+) \/ 120 users · [\d,]+ users\/s · ETA [\d.]+s/g),
    ].map((match) => Number(match[1]))
    expect(counts.length).toBeGreaterThan(1)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    expect(run.stdout).toMatch(/Backfill done\. 120 users read from Clerk/)
    await app.expectStoreEqualsEmulator()
  })

  it('Ctrl-C on a terminal stops at a page boundary and prints the command that resumes; the next run resumes, re-reading at most one page', async () => {
    const app = backfillApp(paced)
    const cli = startCliOnTerminal(['backfill', '--page-size', String(PAGE)], {
      cwd: app.dir,
      env: app.env,
    })
    await cli.waitFor(/users\/s/)
    cli.child.stdin!.write('\x03')
    const stopped = await cli.result()
    expect(stopped.code).toBe(130)
    expect(stopped.stdout).toContain('SIGINT: stopping once the page in flight is written')
    expect(stopped.stdout).toMatch(/Interrupted\. \d+ users read from Clerk/)
    expect(stopped.stdout).toMatch(/Resume with:\r?\n {2}clerk-sync backfill --page-size 10/)
    const saved = app.readCheckpoint()
    expect(saved.scanned).toBeGreaterThan(0)
    expect(saved.scanned).toBeLessThan(SEEDED_USERS)

    const resumed = await runCli(['backfill', '--page-size', String(PAGE), '--json'], {
      cwd: app.dir,
      env: app.env,
    })
    expect(resumed.code).toBe(0)
    expect(resumed.stderr).toContain(
      `Resuming the backfill interrupted at ${saved.savedAt}: ${saved.scanned} users were read before.`,
    )
    const summary = jsonLines(resumed.stdout).at(-1)!
    expect(summary).toMatchObject({
      kind: 'summary',
      ok: true,
      aborted: false,
      done: expect.any(Number),
    })
    expect(summary.scanned).toBeLessThanOrEqual(SEEDED_USERS - saved.scanned + PAGE)
    expect(summary.scanned).toBeGreaterThanOrEqual(SEEDED_USERS - saved.scanned)
    expect(existsSync(app.checkpointFile)).toBe(false)
    await app.expectStoreEqualsEmulator()
  })

  it('SIGTERM through a pipe stops at a page boundary too (exit 130), in plain lines', async () => {
    const app = backfillApp(paced)
    const cli = startCli(['backfill', '--page-size', String(PAGE)], { cwd: app.dir, env: app.env })
    await cli.waitFor(/^Backfill: /m)
    cli.child.kill('SIGTERM')
    const stopped = await cli.result()
    expect(stopped.code).toBe(130)
    expect(stopped.stdout).not.toContain(ESC)
    expect(stopped.stdout).toMatch(
      /^SIGTERM: stopping once the page in flight is written \(again to quit now\)\.\nInterrupted\. (\d+) users read/m,
    )
    expect(stopped.stdout).toMatch(/Resume with:\n {2}clerk-sync backfill --page-size 10\n$/)
    const read = Number(stopped.stdout.match(/Interrupted\. (\d+) users read/)![1])
    expect(app.readCheckpoint().scanned).toBe(read)
    expect(read).toBeLessThan(SEEDED_USERS)
  })

  it('SIGKILL mid-run, then resume: the checkpoint on disk is at least as far as the last progress line', async () => {
    const app = backfillApp(paced)
    const cli = startCli(['backfill', '--page-size', String(PAGE), '--json'], {
      cwd: app.dir,
      env: app.env,
    })
    await cli.waitFor(/"kind":"progress".*\n.*"kind":"progress"/)
    cli.child.kill('SIGKILL')
    const killed = await cli.result()
    expect(killed.signal).toBe('SIGKILL')
    const progress = jsonLines(killed.stdout).filter((line) => line.kind === 'progress')
    const saved = app.readCheckpoint()
    expect(saved.scanned).toBeGreaterThanOrEqual(progress.at(-1)!.done as number)
    expect(saved.scanned).toBeLessThan(SEEDED_USERS)

    const resumed = await runCli(['backfill', '--page-size', String(PAGE), '--json'], {
      cwd: app.dir,
      env: app.env,
    })
    expect(resumed.code).toBe(0)
    const lines = jsonLines(resumed.stdout)
    // Progress counts on from where the killed run got to, against one count of Clerk's users.
    expect(lines[0]).toMatchObject({ kind: 'progress', total: SEEDED_USERS })
    expect(lines[0]!.done as number).toBeGreaterThan(saved.scanned)
    const summary = lines.at(-1)!
    expect(summary).toMatchObject({ kind: 'summary', ok: true, failed: 0 })
    expect(summary.scanned).toBeLessThanOrEqual(SEEDED_USERS - saved.scanned + PAGE)
    await app.expectStoreEqualsEmulator()
  })

  it('resumes from a checkpoint it finds; --restart ignores it; --resume without one is a usage error', async () => {
    const app = backfillApp(fast)
    const noCheckpoint = await runCli(['backfill', '--resume'], { cwd: app.dir, env: app.env })
    expect(noCheckpoint.code).toBe(2)
    expect(noCheckpoint.stderr).toContain('--resume: there is no checkpoint to resume from')

    // The store as a run interrupted after the first half leaves it holds users (core refuses a
    // checkpoint over an empty store); a full run first stands in for that half.
    expect((await runCli(['backfill'], { cwd: app.dir, env: app.env })).code).toBe(0)
    // As a run interrupted after the first half would have left it.
    const users = fast.users().sort((a, b) => a.created_at - b.created_at)
    const half = SEEDED_USERS / 2
    const last = users[half - 1]!
    const checkpoint: CheckpointFile = {
      version: 1,
      savedAt: new Date().toISOString(),
      scanned: half,
      checkpoint: {
        version: 1,
        createdAt: last.created_at,
        seenAtCreatedAt: users
          .slice(0, half)
          .filter((user) => user.created_at === last.created_at)
          .map((user) => user.id),
      },
    }
    const save = () => {
      mkdirSync(dirname(app.checkpointFile), { recursive: true })
      writeFileSync(app.checkpointFile, JSON.stringify(checkpoint))
    }
    save()
    const resumed = await runCli(['backfill', '--resume', '--json'], { cwd: app.dir, env: app.env })
    expect(resumed.code).toBe(0)
    expect(resumed.stderr).toContain(`${half} users were read before`)
    const resumedSummary = jsonLines(resumed.stdout).at(-1)!
    expect(resumedSummary).toMatchObject({ kind: 'summary', ok: true })
    expect(resumedSummary.scanned).toBeGreaterThanOrEqual(SEEDED_USERS - half)
    expect(resumedSummary.scanned).toBeLessThan(SEEDED_USERS)

    save()
    const restarted = await runCli(['backfill', '--restart', '--json'], {
      cwd: app.dir,
      env: app.env,
    })
    expect(restarted.code).toBe(0)
    expect(restarted.stderr).not.toContain('Resuming')
    expect(jsonLines(restarted.stdout).at(-1)).toMatchObject({ scanned: SEEDED_USERS, ok: true })
    expect(existsSync(app.checkpointFile)).toBe(false)
    await app.expectStoreEqualsEmulator()

    writeFileSync(app.checkpointFile, '{"version":1}')
    const damaged = await runCli(['backfill'], { cwd: app.dir, env: app.env })
    expect(damaged.code).toBe(2)
    expect(damaged.stderr).toContain(
      'is not a clerk-sync backfill checkpoint (delete it or pass --restart)',
    )
    expect(damaged.stderr).not.toMatch(/^\s+at /m)

    // A checkpoint from another instance (its users exist nowhere here): core refuses it before
    // reading a page, and the CLI says to start over, not to resume (which would fail forever).
    const foreign = {
      version: 1,
      savedAt: new Date().toISOString(),
      scanned: 500,
      checkpoint: {
        version: 1,
        createdAt: Date.UTC(2030, 0, 1),
        seenAtCreatedAt: ['user_elsewhere'],
      },
    }
    writeFileSync(app.checkpointFile, JSON.stringify(foreign))
    const refused = await runCli(['backfill'], { cwd: app.dir, env: app.env })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('does not belong here')
    expect(refused.stderr).toContain('Start over with: clerk-sync backfill --restart')
    expect(refused.stderr).not.toContain('resume with')
  })

  it('--max-rate reaches sync.backfill: it waits after the first page until SIGTERM, and the resume command keeps the cap', async () => {
    const app = backfillApp(fast)
    const refused = await runCli(['backfill', '--max-rate', '0'], { cwd: app.dir, env: app.env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--max-rate must be a positive number of users per second')

    // 10 users at 0.01 users/s: a 1,000 s wait after the first page, which only the signal ends.
    const cli = startCli(
      ['backfill', '--page-size', String(PAGE), '--max-rate', '0.01', '--json'],
      {
        cwd: app.dir,
        env: app.env,
      },
    )
    await cli.waitFor(/"kind":"progress"/)
    cli.child.kill('SIGTERM')
    const stopped = await cli.result()
    expect(stopped.code).toBe(130)
    expect(jsonLines(stopped.stdout).at(-1)).toMatchObject({
      kind: 'summary',
      aborted: true,
      scanned: PAGE,
      resume: 'clerk-sync backfill --page-size 10 --max-rate 0.01',
    })
    expect(app.readCheckpoint().scanned).toBe(PAGE)
  })

  it("a secret key Clerk refuses: exit 1 with clerk-sync's error, nothing to resume", async () => {
    const app = backfillApp(fast)
    const run = await runCli(['backfill', '--json'], {
      cwd: app.dir,
      env: { ...app.env, CLERK_SECRET_KEY: 'sk_test_not_this_instance' },
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^clerk-sync backfill: CLERK_API_FAILED: /)
    expect(run.stderr).not.toContain('resume with')
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      kind: 'summary',
      ok: false,
      error: expect.stringMatching(/^CLERK_API_FAILED: /),
    })
    expect(existsSync(app.checkpointFile)).toBe(false)
  })
})
