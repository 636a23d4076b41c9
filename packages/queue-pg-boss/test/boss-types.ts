// Compile-time proof that a PgBoss of either supported major is a PgBossLike (checked by tsc).
import type PgBoss10 from 'pg-boss'
import type { PgBoss as PgBoss12 } from 'pg-boss-12'
import type { PgBossLike } from '../src/index.js'

export const bossTen = (boss: PgBoss10): PgBossLike => boss
export const bossTwelve = (boss: PgBoss12): PgBossLike => boss
