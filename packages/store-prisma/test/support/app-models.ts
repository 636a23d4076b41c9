/** Prisma's SQLite stores DateTime as ISO text by default, so its app tables differ from Drizzle's. */
export const sqliteAppDdl = [
  `CREATE TABLE users (id text PRIMARY KEY, email text NOT NULL UNIQUE, first_name text, last_name text,
    role text NOT NULL DEFAULT 'client', password text, created_at datetime NOT NULL, updated_at datetime NOT NULL)`,
  'CREATE TABLE workouts (id integer PRIMARY KEY AUTOINCREMENT, user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE, name text NOT NULL)',
  `CREATE TABLE members (member_id text PRIMARY KEY, email_address text, given_name text, family_name text, handle text,
    phone_number text, avatar_url text, access_role text NOT NULL, joined_at datetime NOT NULL, changed_at datetime NOT NULL,
    plan text, password text)`,
]

/** The nullable column Member's `leftAt` maps, added after the seed app's tables. */
export const leftAtDdl = {
  postgresql: 'ALTER TABLE members ADD COLUMN left_at timestamp(3) with time zone',
  mysql: 'ALTER TABLE members ADD COLUMN left_at datetime(3) NULL',
  sqlite: 'ALTER TABLE members ADD COLUMN left_at datetime',
}
