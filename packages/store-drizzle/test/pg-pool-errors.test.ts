import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { postgresUnavailable, postgresUrl } from '../../../test-support/databases.js'
import { drizzleStore } from '../src/index.js'

const skip = await postgresUnavailable()

describe.skipIf(Boolean(skip))(
  'drizzleStore and a node-postgres Pool without an error listener',
  () => {
    it('warns once at start-up, naming pool.on(error), and not for a pool that has one', async () => {
      const bare = new pg.Pool({ connectionString: postgresUrl, max: 1 })
      const handled = new pg.Pool({ connectionString: postgresUrl, max: 1 })
      handled.on('error', () => {})
      try {
        const { lines, logger } = captureLogger()
        drizzleStore(drizzle(bare), { logger })
        drizzleStore(drizzle(bare), { logger })
        drizzleStore(drizzle(handled), { logger })
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(
          /^warn drizzleStore: the node-postgres Pool has no 'error' listener/,
        )
        expect(lines[0]).toContain("pool.on('error',")
      } finally {
        await bare.end()
        await handled.end()
      }
    })

    it('warns about a single pg.Client the same way', async () => {
      const client = new pg.Client({ connectionString: postgresUrl })
      const { lines, logger } = captureLogger()
      drizzleStore(drizzle(client), { logger })
      expect(lines).toEqual([expect.stringContaining("client.on('error',")])
    })

    it('the listener it asks for receives the error of an idle connection the server drops', async () => {
      // Why the warning matters: this error has no caller to reject; it goes to the Pool's emitter.
      const pool = new pg.Pool({ connectionString: postgresUrl, max: 1 })
      const admin = new pg.Client({ connectionString: postgresUrl })
      const dropped = new Promise<Error>((resolve) => pool.on('error', resolve))
      try {
        await admin.connect()
        const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
        expect((await dropped).message).toMatch(/terminat/i)
        // The pool goes on with a fresh connection.
        expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      } finally {
        await admin.end()
        await pool.end()
      }
    })
  },
)
