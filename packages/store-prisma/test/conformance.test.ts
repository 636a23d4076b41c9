import type { DeletePolicy } from '@clerk-sync/core'
import { storeConformance } from '@clerk-sync/testing/conformance'
import { afterAll, beforeAll } from 'vitest'
import { mysqlUnavailable, postgresUnavailable } from '../../../test-support/databases.js'
import { sqlHarness, type UserRowColumns } from '../../../test-support/sql-harness.js'
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

/** Member with its `leftAt` field as deletedAt, for onDelete 'soft' and 'anonymize'. */
const membersLeavingModel: PrismaStoreOptions['user'] = {
  model: 'member',
  fields: { ...membersModel!.fields, deletedAt: 'leftAt' },
}

const readyRowColumns: UserRowColumns = {
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  username: 'username',
  phone: 'phone',
  imageUrl: 'image_url',
}
const membersRowColumns: UserRowColumns = {
  deletedAt: 'left_at',
  email: 'email_address',
  firstName: 'given_name',
  lastName: 'family_name',
  username: 'handle',
  phone: 'phone_number',
  imageUrl: 'avatar_url',
}

for (const target of targets) {
  let database: TestDatabase
  beforeAll(async () => {
    if (!target.skip) database = await target.open()
  })
  afterAll(async () => {
    await database?.close()
  })

  const readyHarness = (onDelete?: DeletePolicy) =>
    sqlHarness({
      store: prismaStore(database.prisma, { ...database.storeOptions, onDelete }),
      raw: database.raw,
      faults: database.faults,
      usersTable: 'clerk_sync_users',
      idColumn: 'id',
      rowColumns: readyRowColumns,
    })
  const membersHarness = (onDelete?: DeletePolicy) =>
    sqlHarness({
      store: prismaStore(database.prisma, {
        ...database.storeOptions,
        user: onDelete ? membersLeavingModel : membersModel,
        onDelete,
      }),
      raw: database.raw,
      faults: database.faults,
      usersTable: 'members',
      idColumn: 'member_id',
      rowColumns: membersRowColumns,
    })
  storeConformance({
    name: `prisma · ClerkSyncUser · ${target.name}`,
    skip: target.skip,
    setup: () => readyHarness(),
    setupWithDeletePolicy: async (policy) =>
      policy === 'soft'
        ? "ClerkSyncUser has no deletedAt field: onDelete 'soft' is for the app's own model"
        : readyHarness(policy),
    deletePolicies: ['anonymize'],
  })
  storeConformance({
    name: `prisma · the app’s own model · ${target.name}`,
    skip: target.skip,
    setup: () => membersHarness(),
    setupWithDeletePolicy: (policy) => membersHarness(policy),
  })
}
