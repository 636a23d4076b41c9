export type { PgBossQueueOptions } from './options.js'
export type {
  PgBossDb,
  PgBossFetchedJob,
  PgBossJobAttempt,
  PgBossJobRow,
  PgBossLike,
  PgBossQueueConfig,
  PgBossSendOptions,
} from './pg-boss-like.js'
export { pgBossQueue } from './pg-boss-queue.js'
