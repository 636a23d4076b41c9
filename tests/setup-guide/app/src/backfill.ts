// #region backfill
// src/backfill.ts: after the webhook endpoint is on, write the users Clerk already has.
import { clerk } from './clerk.js'
import { pool } from './db.js'
import { sync } from './sync.js'

const backfill = await sync.backfill({ clerk })
console.log(`backfill: ${backfill.applied} applied, ${backfill.failed} failed`)

// Finds and repairs drift (missed deliveries); run it again on a schedule.
const reconcile = await sync.reconcile({ clerk, apply: true })
console.log(
  `reconcile: ${reconcile.missing} missing, ${reconcile.different} different, ${reconcile.gone} gone`,
)
await pool.end()
// #endregion backfill
