/**
 * Apps' own users tables, as they exist before clerk-sync arrives, in each dialect:
 * - `users`: the seed app's (email NOT NULL UNIQUE, a password column clerk-sync must not touch),
 *   with `workouts` referencing it ON DELETE CASCADE;
 * - `members`: every synced field under the app's own column names, plus an extra column, so the
 *   whole conformance suite can run in existing-table mode.
 */
import {
  datetime as myDatetime,
  int as myInt,
  mysqlTable,
  varchar as myVarchar,
} from 'drizzle-orm/mysql-core'
import { pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core'
import { integer, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core'
import type { UsersTableOption } from '../../src/index.js'

export { appDdl } from '../../../../test-support/seed-app.js'

const pgTime = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' })
const myTime = (name: string) => myDatetime(name, { mode: 'date', fsp: 3 })
const liteTime = (name: string) => integer(name, { mode: 'timestamp_ms' })

/** The seed app's users table columns. */
const pgUserColumns = () => ({
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  firstName: text('first_name'),
  lastName: text('last_name'),
  role: text('role').notNull().default('client'),
  password: text('password'),
  createdAt: pgTime('created_at').notNull().defaultNow(),
  updatedAt: pgTime('updated_at').notNull().defaultNow(),
})

/** The members table's columns (a function: each table gets its own column builders). */
const pgMemberColumns = () => ({
  memberId: text('member_id').primaryKey(),
  emailAddress: text('email_address'),
  givenName: text('given_name'),
  familyName: text('family_name'),
  handle: text('handle'),
  phoneNumber: text('phone_number'),
  avatarUrl: text('avatar_url'),
  accessRole: text('access_role').notNull(),
  joinedAt: pgTime('joined_at').notNull(),
  changedAt: pgTime('changed_at').notNull(),
  plan: text('plan'),
  password: text('password'),
})

export const pgApp = {
  users: pgTable('users', pgUserColumns()),
  /** users after `ALTER TABLE users ADD deleted_at` (deletedAtDdl): for onDelete 'soft'. */
  usersLeaving: pgTable('users', { ...pgUserColumns(), deletedAt: pgTime('deleted_at') }),
  workouts: pgTable('workouts', {
    id: serial('id').primaryKey(),
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
  }),
  members: pgTable('members', pgMemberColumns()),
  /** members after `ALTER TABLE members ADD left_at` (leftAtDdl): for onDelete 'soft'. */
  membersLeaving: pgTable('members', { ...pgMemberColumns(), leftAt: pgTime('left_at') }),
}

/** The seed app's users table columns. */
const mysqlUserColumns = () => ({
  id: myVarchar('id', { length: 191 }).primaryKey(),
  email: myVarchar('email', { length: 255 }).notNull().unique(),
  firstName: myVarchar('first_name', { length: 255 }),
  lastName: myVarchar('last_name', { length: 255 }),
  role: myVarchar('role', { length: 32 }).notNull().default('client'),
  password: myVarchar('password', { length: 255 }),
  createdAt: myTime('created_at').notNull(),
  updatedAt: myTime('updated_at').notNull(),
})

/** The members table's columns (a function: each table gets its own column builders). */
const mysqlMemberColumns = () => ({
  memberId: myVarchar('member_id', { length: 191 }).primaryKey(),
  emailAddress: myVarchar('email_address', { length: 255 }),
  givenName: myVarchar('given_name', { length: 255 }),
  familyName: myVarchar('family_name', { length: 255 }),
  handle: myVarchar('handle', { length: 255 }),
  phoneNumber: myVarchar('phone_number', { length: 32 }),
  avatarUrl: myVarchar('avatar_url', { length: 2048 }),
  accessRole: myVarchar('access_role', { length: 32 }).notNull(),
  joinedAt: myTime('joined_at').notNull(),
  changedAt: myTime('changed_at').notNull(),
  plan: myVarchar('plan', { length: 32 }),
  password: myVarchar('password', { length: 255 }),
})

export const mysqlApp = {
  users: mysqlTable('users', mysqlUserColumns()),
  /** users after `ALTER TABLE users ADD deleted_at` (deletedAtDdl): for onDelete 'soft'. */
  usersLeaving: mysqlTable('users', { ...mysqlUserColumns(), deletedAt: myTime('deleted_at') }),
  workouts: mysqlTable('workouts', {
    id: myInt('id').autoincrement().primaryKey(),
    userId: myVarchar('user_id', { length: 191 }).notNull(),
    name: myVarchar('name', { length: 255 }).notNull(),
  }),
  members: mysqlTable('members', mysqlMemberColumns()),
  /** members after `ALTER TABLE members ADD left_at` (leftAtDdl): for onDelete 'soft'. */
  membersLeaving: mysqlTable('members', { ...mysqlMemberColumns(), leftAt: myTime('left_at') }),
}

/** The seed app's users table columns. */
const sqliteUserColumns = () => ({
  id: sqliteText('id').primaryKey(),
  email: sqliteText('email').notNull().unique(),
  firstName: sqliteText('first_name'),
  lastName: sqliteText('last_name'),
  role: sqliteText('role').notNull().default('client'),
  password: sqliteText('password'),
  createdAt: liteTime('created_at').notNull(),
  updatedAt: liteTime('updated_at').notNull(),
})

/** The members table's columns (a function: each table gets its own column builders). */
const sqliteMemberColumns = () => ({
  memberId: sqliteText('member_id').primaryKey(),
  emailAddress: sqliteText('email_address'),
  givenName: sqliteText('given_name'),
  familyName: sqliteText('family_name'),
  handle: sqliteText('handle'),
  phoneNumber: sqliteText('phone_number'),
  avatarUrl: sqliteText('avatar_url'),
  accessRole: sqliteText('access_role').notNull(),
  joinedAt: liteTime('joined_at').notNull(),
  changedAt: liteTime('changed_at').notNull(),
  plan: sqliteText('plan'),
  password: sqliteText('password'),
})

export const sqliteApp = {
  users: sqliteTable('users', sqliteUserColumns()),
  /** users after `ALTER TABLE users ADD deleted_at` (deletedAtDdl): for onDelete 'soft'. */
  usersLeaving: sqliteTable('users', { ...sqliteUserColumns(), deletedAt: liteTime('deleted_at') }),
  workouts: sqliteTable('workouts', {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: sqliteText('user_id').notNull(),
    name: sqliteText('name').notNull(),
  }),
  members: sqliteTable('members', sqliteMemberColumns()),
  /** members after `ALTER TABLE members ADD left_at` (leftAtDdl): for onDelete 'soft'. */
  membersLeaving: sqliteTable('members', { ...sqliteMemberColumns(), leftAt: liteTime('left_at') }),
}

type AppTables = typeof pgApp | typeof mysqlApp | typeof sqliteApp

/** The seed app's mapping: the fields its table has. */
export function seedUsersOption(app: AppTables): UsersTableOption {
  const u = app.users
  return {
    table: u,
    columns: {
      id: u.id,
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      role: u.role,
      createdAt: u.createdAt,
      updatedAt: u.updatedAt,
    },
  }
}

/** Every field mapped, under the app's own names. */
export function membersOption(app: AppTables): UsersTableOption {
  const m = app.members
  return {
    table: m,
    columns: {
      id: m.memberId,
      email: m.emailAddress,
      firstName: m.givenName,
      lastName: m.familyName,
      username: m.handle,
      phone: m.phoneNumber,
      imageUrl: m.avatarUrl,
      role: m.accessRole,
      createdAt: m.joinedAt,
      updatedAt: m.changedAt,
      extra: { plan: m.plan },
    },
  }
}

/** Adds the nullable column membersLeaving maps as deletedAt. */
export const leftAtDdl = {
  pg: 'ALTER TABLE members ADD COLUMN left_at timestamp(3) with time zone',
  mysql: 'ALTER TABLE members ADD COLUMN left_at datetime(3) NULL',
  sqlite: 'ALTER TABLE members ADD COLUMN left_at integer',
}

/** Every field mapped, and `left_at` as deletedAt (the table needs leftAtDdl). */
export function membersLeavingOption(app: AppTables): UsersTableOption {
  const m = app.membersLeaving
  return {
    table: m,
    columns: {
      id: m.memberId,
      email: m.emailAddress,
      firstName: m.givenName,
      lastName: m.familyName,
      username: m.handle,
      phone: m.phoneNumber,
      imageUrl: m.avatarUrl,
      role: m.accessRole,
      createdAt: m.joinedAt,
      updatedAt: m.changedAt,
      extra: { plan: m.plan },
      deletedAt: m.leftAt,
    },
  }
}

/** Adds the nullable column usersLeaving maps as deletedAt. */
export const deletedAtDdl = {
  pg: 'ALTER TABLE users ADD COLUMN deleted_at timestamp(3) with time zone',
  mysql: 'ALTER TABLE users ADD COLUMN deleted_at datetime(3) NULL',
  sqlite: 'ALTER TABLE users ADD COLUMN deleted_at integer',
}

/** The seed app's mapping with `deleted_at` as deletedAt (the table needs deletedAtDdl). */
export function seedUsersLeavingOption(app: AppTables): UsersTableOption {
  const u = app.usersLeaving
  return {
    table: u,
    columns: {
      id: u.id,
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      role: u.role,
      createdAt: u.createdAt,
      updatedAt: u.updatedAt,
      deletedAt: u.deletedAt,
    },
  }
}
