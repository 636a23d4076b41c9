import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prismaStore } from '../src/index.js'
import { pgUpsertBlocker } from '../src/pg-writes.js'
import { parseModelFields } from '../src/user-model.js'
import { sqliteDatabase, type TestDatabase } from './support/connections.js'

describe('prismaStore at start-up', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await sqliteDatabase()
  })
  afterAll(async () => {
    await database?.close()
  })

  it('detects the provider from the client', () => {
    expect(prismaStore(database.prisma).provider).toBe('sqlite')
  })

  it('refuses what is not a PrismaClient', () => {
    expect(() => prismaStore({})).toThrow(/expected a PrismaClient/)
  })

  it('names an unknown model, an unknown field and a field of the wrong type', () => {
    expect(() =>
      prismaStore(database.prisma, { user: { model: 'account', fields: { id: 'id' } } }),
    ).toThrow(/no model for `account`/)
    expect(() =>
      prismaStore(database.prisma, { user: { model: 'user', fields: { id: 'clerkId' } } }),
    ).toThrow(/user\.fields\.id is "clerkId", which is not a scalar field of user/)
    expect(() =>
      prismaStore(database.prisma, {
        user: { model: 'user', fields: { id: 'id', email: 'email', createdAt: 'role' } },
      }),
    ).toThrow(/user\.fields\.createdAt \("role"\) is String; expected DateTime/)
  })

  it('names a required field without a default that clerk-sync would not write', () => {
    expect(() =>
      prismaStore(database.prisma, { user: { model: 'user', fields: { id: 'id' } } }),
    ).toThrow(
      'prismaStore: field "email" of user is required without a default, and clerk-sync does not write it. Make it optional, give it a @default, or map it in user.fields.',
    )
    expect(() =>
      prismaStore(database.prisma, {
        user: { model: 'user', fields: { id: 'id', email: 'email' } },
      }),
    ).not.toThrow()
  })

  it("refuses onDelete 'soft' without a deletedAt field, and a required or non-DateTime one", () => {
    const user = { model: 'user', fields: { id: 'id', email: 'email' } }
    const refusal = (options: Parameters<typeof prismaStore>[1]) => {
      try {
        prismaStore(database.prisma, options)
      } catch (error) {
        return error as { code?: string; message: string }
      }
      throw new Error('expected a configuration error')
    }
    const soft = refusal({ user, onDelete: 'soft' })
    expect(soft.code).toBe('CONFIG_INVALID')
    expect(soft.message).toMatch(/onDelete: 'soft' needs user\.fields\.deletedAt/)
    expect(refusal({ onDelete: 'soft' }).message).toMatch(/clerkSyncUser has none/)
    expect(
      refusal({
        user: { model: 'member', fields: { id: 'memberId', deletedAt: 'joinedAt' } },
        onDelete: 'soft',
      }).message,
    ).toMatch(/deletedAt \("joinedAt"\) is required; make it optional/)
    expect(
      refusal({
        user: { model: 'member', fields: { id: 'memberId', deletedAt: 'plan' } },
        onDelete: 'soft',
      }).message,
    ).toMatch(/deletedAt \("plan"\) is String; expected DateTime/)
    expect(refusal({ onDelete: 'purge' as never }).code).toBe('CONFIG_INVALID')
  })

  it("refuses onDelete 'anonymize' over required personal fields, naming them", () => {
    expect(() =>
      prismaStore(database.prisma, {
        user: { model: 'user', fields: { id: 'id', email: 'email', firstName: 'firstName' } },
        onDelete: 'anonymize',
      }),
    ).toThrow(
      /onDelete: 'anonymize' sets the user's personal fields to null, but "email" of user is required/,
    )
    expect(prismaStore(database.prisma, { onDelete: 'anonymize' }).provider).toBe('sqlite')
  })

  it('qualifies its raw SQL with a Postgres schema when given one', async () => {
    const { bookkeeping } = await import('../src/bookkeeping.js')
    const calls: string[] = []
    const client = {
      $executeRawUnsafe: async (sql: string) => {
        calls.push(sql)
        return 0
      },
      $queryRawUnsafe: async () => [],
    }
    await bookkeeping('postgresql', 'tenant_a').pruneEvents(client as never, new Date())
    expect(calls[0]).toMatch(/^DELETE FROM "tenant_a"\.clerk_sync_events WHERE/)
  })

  it('writes on Postgres in one statement only what a raw INSERT fills as the delegate would', () => {
    const schema = `model Account {
  id        String   @id
  email     String?  @map("email_address")
  token     String   @default(cuid(2))
  ref       String?  @default(uuid(7))
  touchedAt DateTime @updatedAt @map("touched_at")
  plan      String   @default("free")
  joinedAt  DateTime @default(now())
  @@map("accounts")
}`
    const parsed = parseModelFields(schema, 'Account')!
    expect(parsed.map((f) => [f.name, f.clientDefault, f.updatedAt])).toEqual([
      ['id', false, false],
      ['email', false, false],
      ['token', true, false],
      ['ref', true, false],
      ['touchedAt', false, true],
      ['plan', false, false],
      ['joinedAt', false, false],
    ])
    const scalar = (name: string, type = 'String') => ({ name, kind: 'scalar', type })
    const model = {
      dbName: 'accounts',
      fields: ['id', 'email', 'token', 'ref', 'plan'].map((n) => scalar(n)),
    }
    model.fields.push(scalar('touchedAt', 'DateTime'), scalar('joinedAt', 'DateTime'))
    const without = (name: string) => parsed.filter((f) => f.name !== name)
    expect(pgUpsertBlocker(model, parsed, new Set(['id', 'token', 'ref']))).toBe(
      'field touchedAt is @updatedAt',
    )
    expect(pgUpsertBlocker(model, without('touchedAt'), new Set(['id', 'email']))).toBe(
      'field token has a default Prisma computes in the client',
    )
    // Mapped, the client-side defaults are written by clerk-sync; SQL defaults fill the rest.
    expect(pgUpsertBlocker(model, without('touchedAt'), new Set(['id', 'token', 'ref']))).toBeNull()
    expect(pgUpsertBlocker(model, undefined, new Set(['id']))).toBe(
      'the client does not expose its schema',
    )
    expect(pgUpsertBlocker(undefined, parsed, new Set(['id']))).not.toBeNull()
  })

  it('reads a model’s fields from a schema', () => {
    const fields = parseModelFields(
      `model Account {\n  id String @id\n  email String @unique\n  nick String?\n  plan String @default("free")\n  posts Post[]\n  // comment\n  @@map("accounts")\n}`,
      'Account',
    )
    expect(fields).toEqual([
      {
        name: 'id',
        required: true,
        unique: false,
        id: true,
        hasDefault: false,
        clientDefault: false,
        updatedAt: false,
        relation: false,
      },
      {
        name: 'email',
        required: true,
        unique: true,
        id: false,
        hasDefault: false,
        clientDefault: false,
        updatedAt: false,
        relation: false,
      },
      {
        name: 'nick',
        required: false,
        unique: false,
        id: false,
        hasDefault: false,
        clientDefault: false,
        updatedAt: false,
        relation: false,
      },
      {
        name: 'plan',
        required: true,
        unique: false,
        id: false,
        hasDefault: true,
        clientDefault: false,
        updatedAt: false,
        relation: false,
      },
      {
        name: 'posts',
        required: false,
        unique: false,
        id: false,
        hasDefault: false,
        clientDefault: false,
        updatedAt: false,
        relation: true,
      },
    ])
  })
})
