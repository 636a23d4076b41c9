/**
 * Reads the database through the store itself (getUser, listUsers, countUsersByRole) and prints
 * JSON on stdout: the store's own view, built exactly as the servers build it, for the checks.
 * Ids to look up come on stdin, one JSON array.
 */
import { openStore, storeConfigFromEnv } from './store.js'

const MAX_PAGES = 10_000

const chunks: Buffer[] = []
for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
const ids = JSON.parse(Buffer.concat(chunks).toString('utf8')) as string[]

const { store, close } = await openStore({ ...storeConfigFromEnv(process.env), migrate: false })
try {
  const users: Record<string, unknown> = {}
  for (const id of ids) users[id] = await store.getUser(id)
  const listed: string[] = []
  let cursor: string | null = null
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await store.listUsers({ limit: 1000, cursor })
    listed.push(...result.users.map((user) => user.id))
    cursor = result.nextCursor
    if (!cursor) break
  }
  if (cursor) throw new Error(`listUsers still had pages after ${MAX_PAGES}`)
  const countsByRole = await store.countUsersByRole()
  process.stdout.write(JSON.stringify({ users, listed, countsByRole }))
} finally {
  await close()
}
