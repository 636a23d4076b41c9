import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { describeSqliteExample } from '../../../test-support/sqlite-example-suite.js'

// src/main.ts runs in its own process against the emulator; the suite says what it checks.
describeSqliteExample({
  name: 'Hono',
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  openDatabase: (path) => new Database(path, { readonly: true }),
})
