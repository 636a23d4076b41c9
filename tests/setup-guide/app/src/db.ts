// The existing app's database: Drizzle over a node-postgres Pool.
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'

export const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
// Without an 'error' listener, a dropped idle connection ends the process.
pool.on('error', (error) => console.error('postgres connection error', error))
export const db = drizzle(pool)
