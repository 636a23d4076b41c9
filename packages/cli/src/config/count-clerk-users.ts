import type { CliClerkClient } from './cli-config.js'

/**
 * How many users Clerk has, for a bar and an ETA: one request per run, never one per page (a
 * development instance allows 100 requests per 10 s). Null when the client cannot say.
 */
export async function countClerkUsers(clerk: CliClerkClient): Promise<number | null> {
  if (typeof clerk.users.getCount !== 'function') return null
  try {
    const count = await clerk.users.getCount()
    return Number.isFinite(count) ? count : null
  } catch {
    return null
  }
}
