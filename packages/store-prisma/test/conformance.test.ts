import { storeConformance } from '@clerk-sync/testing/conformance'
import { afterAll, beforeAll } from 'vitest'
import { mysqlUnavailable, postgresUnavailable } from '../../../test-support/databases.js'
import { sqlHarness } from '../../../test-support/sql-harness.js'
import { type PrismaStoreOptions, prismaStore } from '../src/index.js'
import {
  mariadbDatabase,
  postgresDatabase,
  sqliteDatabase,
  type TestDatabase,
} from './support/connections.js'

const targets = [
  {
    name: 'PostgreSQL 15 · @prisma/adapter-pg',
    open: postgresDatabase,
    skip: await postgresUnavailable(),
  },
  {
    name: 'MariaDB · @prisma/adapter-mariadb',
    open: mariadbDatabase,
    skip: await mysqlUnavailable(),
  },
  {
    name: 'SQLite file · @prisma/adapter-better-sqlite3',
    open: sqliteDatabase,
    skip: false as const,
  },
]

const membersModel: PrismaStoreOptions['user'] = {
  model: 'member',
  fields: {
    id: 'memberId',
    email: 'emailAddress',
    firstName: 'givenName',
    lastName: 'familyName',
    username: 'handle',
    phone: 'phoneNumber',
    imageUrl: 'avatarUrl',
    role: 'accessRole',
    createdAt: 'joinedAt',
    updatedAt: 'changedAt',
    extra: { plan: 'plan' },
  },
}

for (const target of targets) {
  let database: TestDatabase
  beforeAll(async () => {
    if (!target.skip) database = await target.open()
  })
  afterAll(async () => {
    await database?.close()
  })

  storeConformance({
    name: `prisma · ClerkSyncUser · ${target.name}`,
    skip: target.skip,
    setup: () =>
      sqlHarness({
        store: prismaStore(database.prisma, database.storeOptions),
        raw: database.raw,
        faults: database.faults,
        usersTable: 'clerk_sync_users',
        idColumn: 'id',
      }),
  })
  storeConformance({
    name: `prisma · the app’s own model · ${target.name}`,
    skip: target.skip,
    setup: () =>
      sqlHarness({
        store: prismaStore(database.prisma, { ...database.storeOptions, user: membersModel }),
        raw: database.raw,
        faults: database.faults,
        usersTable: 'members',
        idColumn: 'member_id',
      }),
  })
}
