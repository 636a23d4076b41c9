import { join } from 'node:path'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { bcrypt } from 'hash-wasm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeAppDir, SQLITE_CONFIG } from './support/app-dir.js'
import { runCli } from './support/run-cli.js'
import { openSqliteStore } from './support/sqlite-store.js'

const APP_USERS_TABLE = `CREATE TABLE IF NOT EXISTS app_users (
  id TEXT PRIMARY KEY, email TEXT NOT NULL, email_verified INTEGER NOT NULL,
  first_name TEXT, password_digest TEXT, clerk_id TEXT)`

/** The SQLite config plus legacyUsers: the app's own users table, through drizzleLegacyUsers. */
const LEGACY_CONFIG = SQLITE_CONFIG.replace(
  "import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'",
  `import { applyMigrations, drizzleLegacyUsers, drizzleStore } from '@clerk-sync/drizzle'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

const appUsers = sqliteTable('app_users', {
  id: text('id').primaryKey(),
  email: text('email').notNull(),
  emailVerified: integer('email_verified', { mode: 'boolean' }).notNull(),
  firstName: text('first_name'),
  passwordDigest: text('password_digest'),
  clerkId: text('clerk_id'),
})`,
).replace(
  '  return { sync, clerk, close: () => sqlite.close() }',
  `  sqlite.exec(\`${APP_USERS_TABLE}\`)
  const legacyUsers = drizzleLegacyUsers(db, {
    table: appUsers,
    columns: {
      appId: appUsers.id,
      clerkId: appUsers.clerkId,
      email: appUsers.email,
      emailVerified: appUsers.emailVerified,
      firstName: appUsers.firstName,
      passwordDigest: appUsers.passwordDigest,
    },
  })
  return { sync, clerk, legacyUsers, close: () => sqlite.close() }`,
)

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe('clerk-sync import-legacy', { timeout: 180_000 }, () => {
  let emulator: ClerkEmulator
  beforeAll(async () => {
    emulator = await startClerkEmulator({ signingSecret: generateSigningSecret() })
  })
  afterAll(() => emulator?.close())

  it('a dry run by default; --apply creates and links; conflicts are listed, exit 1', async () => {
    const app = makeAppDir()
    app.write('clerk-sync.config.ts', LEGACY_CONFIG)
    const database = join(app.dir, 'store.db')
    const env = {
      TEST_SQLITE_FILE: database,
      CLERK_API_URL: emulator.apiUrl,
      CLERK_SECRET_KEY: emulator.secretKey,
      CLERK_WEBHOOK_SIGNING_SECRET: emulator.signingSecret,
    }
    const cli = (args: string[]) => runCli(args, { cwd: app.dir, env })
    emulator.seedUsers([{ emails: ['taken@example.com'] }])
    const digest = await bcrypt({
      password: 'correct horse',
      salt: new Uint8Array(16).fill(7),
      costFactor: 4,
      outputType: 'encoded',
    })
    const opened = await openSqliteStore(database, emulator.signingSecret)
    opened.sqlite.exec(APP_USERS_TABLE)
    const insert = opened.sqlite.prepare(
      'INSERT INTO app_users (id, email, email_verified, first_name, password_digest) VALUES (?, ?, ?, ?, ?)',
    )
    insert.run('app_1', 'ada@example.com', 1, 'Ada', digest)
    insert.run('app_2', 'grace@example.com', 0, 'Grace', null)
    insert.run('app_3', 'taken@example.com', 1, null, null)
    insert.run(
      'app_4',
      'argon@example.com',
      1,
      null,
      '$argon2d$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$Vj0Dhk4xQJ0mY5c0QW2RUQ',
    )
    const clerkUsersBefore = emulator.users().length
    const linked = () =>
      opened.sqlite
        .prepare('SELECT id, clerk_id FROM app_users WHERE clerk_id IS NOT NULL ORDER BY id')
        .all() as Array<{ id: string; clerk_id: string }>

    const dryRun = await cli(['import-legacy', '--json'])
    expect(dryRun.code).toBe(1)
    const dryLines = jsonLines(dryRun.stdout)
    expect(dryLines.slice(0, -1)).toEqual(
      expect.arrayContaining([
        { kind: 'item', appId: 'app_1', outcome: 'would_create' },
        { kind: 'item', appId: 'app_2', outcome: 'would_create' },
        expect.objectContaining({ kind: 'item', appId: 'app_3', outcome: 'conflict' }),
        expect.objectContaining({ kind: 'item', appId: 'app_4', outcome: 'rejected_hash' }),
      ]),
    )
    expect(dryLines.at(-1)).toMatchObject({
      kind: 'summary',
      ok: false,
      dryRun: true,
      scanned: 4,
      created: 0,
      conflicts: 2,
    })
    expect(emulator.users()).toHaveLength(clerkUsersBefore)
    expect(linked()).toEqual([])

    const plainDryRun = await cli(['import-legacy'])
    expect(plainDryRun.stdout).toMatch(/^would create {5}app_1$/m)
    expect(plainDryRun.stdout).toMatch(
      /^Dry run: 4 app users read in [\d.]+s: 2 would be created in Clerk, 0 already imported, 2 not importable\. Run again with --apply to create them\.$/m,
    )

    const applied = await cli(['import-legacy', '--apply'])
    expect(applied.code).toBe(1)
    const created = new Map(
      emulator
        .users()
        .filter((u) => u.external_id)
        .map((u) => [u.external_id as string, u.id]),
    )
    expect([...created.keys()].sort()).toEqual(['app_1', 'app_2'])
    expect(applied.stdout).toContain(`created          app_1 → ${created.get('app_1')}`)
    expect(applied.stdout).toMatch(
      /^conflict {9}app_3: the email address already belongs to another Clerk user/m,
    )
    expect(applied.stdout).toMatch(/^rejected hash {4}app_4: /m)
    expect(applied.stdout).toMatch(
      /2 created in Clerk \(2 linked back\), 0 already imported, 2 not importable\.$/m,
    )
    expect(linked()).toEqual([
      { id: 'app_1', clerk_id: created.get('app_1') },
      { id: 'app_2', clerk_id: created.get('app_2') },
    ])
    expect(emulator.passwordDigest(created.get('app_1')!)).toEqual({ digest, hasher: 'bcrypt' })

    // Safe to run again: the linked users are not read again, nothing is created twice.
    const again = await cli(['import-legacy', '--apply', '--json'])
    expect(jsonLines(again.stdout).at(-1)).toMatchObject({ scanned: 2, created: 0, conflicts: 2 })
    expect(emulator.users()).toHaveLength(clerkUsersBefore + 2)
    opened.close()
  })

  it('a config without legacyUsers is a usage error naming the ready sources', async () => {
    const app = makeAppDir()
    app.write('clerk-sync.config.ts', SQLITE_CONFIG)
    const run = await runCli(['import-legacy'], {
      cwd: app.dir,
      env: {
        TEST_SQLITE_FILE: join(app.dir, 'store.db'),
        CLERK_API_URL: emulator.apiUrl,
        CLERK_SECRET_KEY: emulator.secretKey,
        CLERK_WEBHOOK_SIGNING_SECRET: emulator.signingSecret,
      },
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('the config returns no `legacyUsers`')
    expect(run.stderr).toContain('drizzleLegacyUsers(db, { table, columns })')
  })
})
