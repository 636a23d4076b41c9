import type { PgBossJobInsert, PgBossLike } from './pg-boss-like.js'

type InsertTen = (jobs: Array<PgBossJobInsert & { name: string }>) => Promise<unknown>
type InsertTwelve = (name: string, jobs: PgBossJobInsert[]) => Promise<unknown>

/**
 * Stores `jobs` in `queue` with one statement of pg-boss's own (`insert`), skipping any whose id
 * is taken. 12 takes the queue first and throws on an unknown one; 10 takes it on each job and
 * stores nothing for an unknown one (the statement joins the queue table). 12 is told apart by
 * `findJobs`, which 10 lacks. Unlike `send`, neither checks the jobs' options: the ones passed here
 * are the adapter's own, already validated.
 */
export async function insertJobs(
  boss: PgBossLike,
  queue: string,
  jobs: PgBossJobInsert[],
): Promise<void> {
  if (boss.findJobs) {
    await (boss.insert as unknown as InsertTwelve).call(boss, queue, jobs)
    return
  }
  await (boss.insert as unknown as InsertTen).call(
    boss,
    jobs.map((job) => ({ ...job, name: queue })),
  )
}
