/**
 * `prismaLegacyUsers` over a real Prisma client (the store's generated test clients) and a real
 * database, feeding `importLegacyUsers` against the emulator through `@clerk/backend`. The seed
 * app's `Member` model stands in for an app's own users: `memberId` its own id, `handle` (an
 * optional String) the Clerk id column, `password` the hash.
 */
import { randomBytes } from 'node:crypto'
import { createClerkClient } from '@clerk/backend'
import { importLegacyUsers } from '@clerk-sync/core'
import { isEmailVerified } from '@clerk-sync/core/store-kit'
import { prismaLegacyUsers } from '@clerk-sync/prisma'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { bcrypt, bcryptVerify } from 'hash-wasm'
import { afterEach, describe, expect, it } from 'vitest'
import {
  mariadbDatabase,
  postgresDatabase,
  sqliteDatabase,
  type TestDatabase,
} from '../../packages/store-prisma/test/support/connections.js'
import { mysqlUnavailable, postgresUnavailable } from '../../test-support/databases.js'

const targets = [
  { name: 'PostgreSQL', open: () => postgresDatabase(), skip: await postgresUnavailable() },
  { name: 'MariaDB', open: () => mariadbDatabase(), skip: await mysqlUnavailable() },
  { name: 'SQLite', open: () => sqliteDatabase(), skip: false as const },
]

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe
  suite(`prismaLegacyUsers · ${target.name}`, () => {
    let database: TestDatabase | undefined
    let emulator: ClerkEmulator | undefined
    afterEach(async () => {
      await emulator?.close()
      await database?.close()
      database = emulator = undefined
    })

    it('imports the unlinked records page by page, links each once, and a re-run is a no-op', async () => {
      database = await target.open()
      emulator = await startClerkEmulator()
      const now = target.name === 'SQLite' ? new Date().toISOString() : new Date()
      const digest = await bcrypt({
        password: 'member password',
        salt: new Uint8Array(randomBytes(16)),
        costFactor: 4,
        outputType: 'encoded',
      })
      const insert =
        'INSERT INTO members (member_id, email_address, given_name, access_role, joined_at, changed_at, handle, password) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
      for (let i = 1; i <= 7; i++) {
        // m2 and m5 were linked by an earlier run: the source must not list them.
        const handle = i === 2 || i === 5 ? `user_earlier_${i}` : null
        await database.raw.query(insert, [
          `m${i}`,
          `member${i}@example.com`,
          `Member ${i}`,
          i === 1 ? 'admin' : 'client',
          now,
          now,
          handle,
          i === 1 ? digest : null,
        ])
      }
      const source = prismaLegacyUsers(database.prisma, {
        model: 'member',
        fields: {
          appId: 'memberId',
          clerkId: 'handle',
          email: 'emailAddress',
          firstName: 'givenName',
          role: 'accessRole',
          passwordDigest: 'password',
        },
        pageSize: 2,
      })
      const clerk = createClerkClient({
        apiUrl: emulator.apiUrl,
        secretKey: emulator.secretKey,
        telemetry: { disabled: true },
      })

      const result = await importLegacyUsers({ clerk, source, apply: true })
      expect(result).toMatchObject({ scanned: 5, created: 5, linked: 5, conflicts: 0 })
      expect(result.items.map((i) => i.appId)).toEqual(['m1', 'm3', 'm4', 'm6', 'm7'])

      const rows = await database.raw.query(
        'SELECT member_id, handle FROM members ORDER BY member_id',
      )
      for (const row of rows) {
        const clerkUser = emulator.users().find((u) => u.external_id === row.member_id)
        if (row.member_id === 'm2' || row.member_id === 'm5') {
          expect(row.handle).toMatch(/^user_earlier_/)
          expect(clerkUser).toBeUndefined()
        } else {
          expect(row.handle).toBe(clerkUser?.id)
        }
      }
      const m1 = emulator.users().find((u) => u.external_id === 'm1')
      expect(m1).toMatchObject({ first_name: 'Member 1', public_metadata: { role: 'admin' } })
      const stored = emulator.passwordDigest(m1?.id ?? '')
      expect(await bcryptVerify({ password: 'member password', hash: stored?.digest ?? '' })).toBe(
        true,
      )

      // link only fills an empty Clerk id: a second link (say, from a late webhook) changes nothing.
      await source.link('m1', 'user_someone_else')
      const [m1Row] = await database.raw.query('SELECT handle FROM members WHERE member_id = ?', [
        'm1',
      ])
      expect(m1Row?.handle).toBe(m1?.id)

      const again = await importLegacyUsers({ clerk, source, apply: true })
      expect(again).toMatchObject({ scanned: 0, created: 0, linked: 0 })
      expect(emulator.users()).toHaveLength(5)
    })

    it('refuses a model or mapping that cannot work', async () => {
      database = await target.open()
      expect(() =>
        prismaLegacyUsers(database?.prisma, {
          model: 'nothing',
          fields: { appId: 'id', clerkId: 'clerkId', email: 'email' },
        }),
      ).toThrow(/no model delegate `nothing`/)
      expect(() =>
        prismaLegacyUsers(database?.prisma, {
          model: 'member',
          fields: { appId: 'memberId', clerkId: 'clerkUserId', email: 'emailAddress' },
        }),
      ).toThrow(/not a scalar field of member/)
      expect(() =>
        prismaLegacyUsers(database?.prisma, {
          model: 'member',
          fields: { appId: 'memberId', clerkId: 'accessRole', email: 'emailAddress' },
        }),
      ).toThrow(/must be optional/)
    })
  })
}

describe('prismaLegacyUsers: which "email verified" values count as verified', () => {
  let database: TestDatabase | undefined
  afterEach(async () => {
    await database?.close()
    database = undefined
  })

  /** Whether each record reads as verified when `emailVerified` is mapped to `field`. */
  async function verifiedBy(field: 'plan' | 'joinedAt' | 'leftAt', values: unknown[]) {
    database = await sqliteDatabase()
    const now = new Date().toISOString()
    for (const [i, value] of values.entries()) {
      const row: Record<string, unknown> = {
        member_id: `m${i}`,
        email_address: `member${i}@example.com`,
        access_role: 'client',
        joined_at: now,
        changed_at: now,
      }
      row[{ plan: 'plan', joinedAt: 'joined_at', leftAt: 'left_at' }[field]] = value
      const names = Object.keys(row)
      await database.raw.query(
        `INSERT INTO members (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
        Object.values(row),
      )
    }
    const source = prismaLegacyUsers(database.prisma, {
      model: 'member',
      fields: { appId: 'memberId', clerkId: 'handle', email: 'emailAddress', emailVerified: field },
    })
    const verified: boolean[] = []
    for await (const user of source) verified.push(user.emailVerified === true)
    return verified
  }

  it('a String field: only a date or a datetime counts; "0", "false", "", "1" and a zero date do not', async () => {
    const yes = ['2024-01-02', '2024-01-02 03:04:05', '2024-01-02T03:04:05.123Z']
    const no = ['0', 'false', '', '1', 'true', '0000-00-00 00:00:00', null]
    // member_id orders as text: m0..m9 keep the insertion order.
    expect(await verifiedBy('plan', [...yes, ...no])).toEqual([
      ...yes.map(() => true),
      ...no.map(() => false),
    ])
  })

  it('a DateTime field: a date counts, null does not', async () => {
    expect(await verifiedBy('joinedAt', [new Date().toISOString()])).toEqual([true])
    await database?.close()
    expect(await verifiedBy('leftAt', [null])).toEqual([false])
  })

  it('the rule itself: true, 1, 1n, a valid Date, a timestamp text; nothing else (0n: a BigInt field)', () => {
    const yes: unknown[] = [true, 1, 1n, new Date('2024-01-02T03:04:05Z'), '2024-01-02 03:04:05']
    const no: unknown[] = [
      false,
      0,
      0n,
      2n,
      Number.NaN,
      new Date(Number.NaN),
      null,
      undefined,
      '0',
      'false',
      '',
      {},
    ]
    for (const value of yes) expect(isEmailVerified(value), String(value)).toBe(true)
    for (const value of no) expect(isEmailVerified(value), String(value)).toBe(false)
  })
})
