import { randomUUID } from 'node:crypto'

/**
 * The job-data field that names the insert which stored a job. pg-boss 10's `insert` answers
 * nothing about which of its rows it skipped (`ON CONFLICT DO NOTHING` on the id), so each grouped
 * insert writes a fresh token into its jobs and reads it back: a job carrying this insert's token
 * was stored by it, any other held the id already. The worker ignores the field.
 */
export const ENQUEUE_TOKEN = 'enqueueToken'

export function newEnqueueToken(): string {
  return randomUUID()
}
