export type { PgBossQueueOptions } from './options.js'
export type {
  PgBossDb,
  PgBossFetchedJob,
  PgBossJobAttempt,
  PgBossJobInsert,
  PgBossJobRow,
  PgBossLike,
  PgBossQueueConfig,
} from './pg-boss-like.js'
export { pgBossQueue } from './pg-boss-queue.js'
