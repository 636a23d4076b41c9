/**
 * The seed app's tables as its own migrations created them, before clerk-sync arrives: `users`
 * (email NOT NULL UNIQUE, a password clerk-sync must not touch), `workouts` referencing it ON DELETE
 * CASCADE, and `members`, every synced field under the app's own names plus an extra column.
 * SQLite dates are epoch-ms integers here (Drizzle's timestamp_ms); Prisma's SQLite variant is in
 * store-prisma's tests.
 */
export const appDdl = {
  pg: [
    `CREATE TABLE users (id text PRIMARY KEY, email text NOT NULL UNIQUE, first_name text, last_name text,
      role text NOT NULL DEFAULT 'client', password text,
      created_at timestamp(3) with time zone NOT NULL DEFAULT now(), updated_at timestamp(3) with time zone NOT NULL DEFAULT now())`,
    'CREATE TABLE workouts (id serial PRIMARY KEY, user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE, name text NOT NULL)',
    `CREATE TABLE members (member_id text PRIMARY KEY, email_address text, given_name text, family_name text, handle text,
      phone_number text, avatar_url text, access_role text NOT NULL, joined_at timestamp(3) with time zone NOT NULL,
      changed_at timestamp(3) with time zone NOT NULL, plan text, password text)`,
  ],
  mysql: [
    `CREATE TABLE users (id varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY, email varchar(255) NOT NULL UNIQUE,
      first_name varchar(255), last_name varchar(255), role varchar(32) NOT NULL DEFAULT 'client', password varchar(255),
      created_at datetime(3) NOT NULL, updated_at datetime(3) NOT NULL) ENGINE=InnoDB`,
    `CREATE TABLE workouts (id int AUTO_INCREMENT PRIMARY KEY, user_id varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      name varchar(255) NOT NULL, FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE) ENGINE=InnoDB`,
    `CREATE TABLE members (member_id varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY, email_address varchar(255),
      given_name varchar(255), family_name varchar(255), handle varchar(255), phone_number varchar(32), avatar_url varchar(2048),
      access_role varchar(32) NOT NULL, joined_at datetime(3) NOT NULL, changed_at datetime(3) NOT NULL, plan varchar(32),
      password varchar(255)) ENGINE=InnoDB`,
  ],
  sqlite: [
    `CREATE TABLE users (id text PRIMARY KEY, email text NOT NULL UNIQUE, first_name text, last_name text,
      role text NOT NULL DEFAULT 'client', password text, created_at integer NOT NULL, updated_at integer NOT NULL)`,
    'CREATE TABLE workouts (id integer PRIMARY KEY AUTOINCREMENT, user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE, name text NOT NULL)',
    `CREATE TABLE members (member_id text PRIMARY KEY, email_address text, given_name text, family_name text, handle text,
      phone_number text, avatar_url text, access_role text NOT NULL, joined_at integer NOT NULL, changed_at integer NOT NULL,
      plan text, password text)`,
  ],
}
