import type { HeldWrite } from '@clerk-sync/testing/conformance'
import type { RawDatabase } from './raw-database.js'

/**
 * Holds (and optionally fails) the next write of one user inside the database itself: a trigger
 * on the users table that sleeps, then raises. It fires after the store has claimed the event and
 * read (and locked) the user's state, and before the user's row is written: the window in which a
 * store that decides without holding a lock would let a concurrent delete slip through. The hold is used up through something a
 * rollback does not undo (a Postgres sequence, a MyISAM table, a JS function for SQLite), so the
 * retry that follows a failed write goes through.
 */
/** A users table the store writes, and the column holding Clerk's user id. */
export interface UsersTable {
  table: string
  id: string
}

export interface FaultInjector {
  /** Puts the hold on writes (insert, update, delete) to these users tables. */
  install(usersTables: UsersTable[]): Promise<void>
  reset(): Promise<void>
  hold(userId: string, delayMs: number, fail: boolean): Promise<HeldWrite>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function pollUntil(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return
    await sleep(10)
  }
  throw new Error('the held write never reached its hold')
}

export function pgFaults(raw: RawDatabase): FaultInjector {
  let n = 0
  return {
    async install(usersTables) {
      await raw.query(
        'CREATE TABLE clerk_sync_test_faults (user_id text PRIMARY KEY, delay_ms integer NOT NULL, fail boolean NOT NULL, seq text NOT NULL)',
      )
      await raw.query(`CREATE FUNCTION clerk_sync_test_fault_hit(uid text) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
        DECLARE f record;
        BEGIN
          SELECT * INTO f FROM clerk_sync_test_faults WHERE user_id = uid;
          IF FOUND AND nextval(f.seq::regclass) = 1 THEN
            PERFORM pg_sleep(f.delay_ms / 1000.0);
            IF f.fail THEN RAISE EXCEPTION 'injected write failure for %', uid; END IF;
          END IF;
        END $$`)
      for (const { table, id } of usersTables) {
        await raw.query(`CREATE FUNCTION clerk_sync_test_fault_${table}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
          BEGIN
            IF TG_OP = 'DELETE' THEN
              PERFORM clerk_sync_test_fault_hit(OLD.${id});
              RETURN OLD;
            END IF;
            PERFORM clerk_sync_test_fault_hit(NEW.${id});
            RETURN NEW;
          END $$`)
        await raw.query(
          `CREATE TRIGGER clerk_sync_test_fault BEFORE INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION clerk_sync_test_fault_${table}()`,
        )
      }
    },
    async reset() {
      await raw.query('TRUNCATE clerk_sync_test_faults')
    },
    async hold(userId, delayMs, fail) {
      const seq = `clerk_sync_test_fault_${++n}`
      await raw.query(`CREATE SEQUENCE ${seq}`)
      await raw.query(
        'INSERT INTO clerk_sync_test_faults VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET delay_ms = EXCLUDED.delay_ms, fail = EXCLUDED.fail, seq = EXCLUDED.seq',
        [userId, delayMs, fail, seq],
      )
      // Sequences are not transactional: is_called flips the moment the trigger fires.
      return {
        entered: pollUntil(
          async () => (await raw.query(`SELECT is_called FROM ${seq}`))[0]?.is_called === true,
        ),
      }
    },
  }
}

export function mysqlFaults(raw: RawDatabase): FaultInjector {
  return {
    async install(usersTables) {
      // A sequence is not transactional: a hit the trigger takes survives the rollback it causes.
      // (A MyISAM counter would be too, but triggers prelock it for every insert: all writers
      // would queue on one table lock, invisible to InnoDB's deadlock detector.)
      await raw.query('CREATE SEQUENCE clerk_sync_test_fault_hits NOCACHE')
      await raw.query(
        'CREATE TABLE clerk_sync_test_faults (user_id varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY, delay_ms int NOT NULL, fail tinyint NOT NULL, fire_at bigint NOT NULL)',
      )
      await raw.query(`CREATE PROCEDURE clerk_sync_test_fault_hit(uid varchar(191))
        BEGIN
          DECLARE d INT DEFAULT NULL;
          DECLARE f TINYINT DEFAULT 0;
          DECLARE at_hit BIGINT DEFAULT 0;
          SELECT delay_ms, fail, fire_at INTO d, f, at_hit FROM clerk_sync_test_faults WHERE user_id = uid;
          IF d IS NOT NULL AND NEXTVAL(clerk_sync_test_fault_hits) = at_hit THEN
            DO SLEEP(d / 1000);
            IF f THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected write failure'; END IF;
          END IF;
        END`)
      for (const { table, id } of usersTables) {
        for (const [op, row] of [
          ['INSERT', 'NEW'],
          ['UPDATE', 'NEW'],
          ['DELETE', 'OLD'],
        ] as const) {
          await raw.query(
            `CREATE TRIGGER clerk_sync_test_fault_${table}_${op.toLowerCase()} BEFORE ${op} ON ${table} FOR EACH ROW CALL clerk_sync_test_fault_hit(${row}.${id})`,
          )
        }
      }
    },
    async reset() {
      await raw.query('DELETE FROM clerk_sync_test_faults')
    },
    async hold(userId, delayMs, fail) {
      // The user's next write takes the value after this one. One hold at a time.
      const [row] = await raw.query('SELECT NEXTVAL(clerk_sync_test_fault_hits) AS v')
      const fireAt = Number(row?.v) + 1
      await raw.query('REPLACE INTO clerk_sync_test_faults VALUES (?, ?, ?, ?)', [
        userId,
        delayMs,
        fail ? 1 : 0,
        fireAt,
      ])
      return {
        entered: pollUntil(async () => {
          const [seq] = await raw.query(
            'SELECT next_not_cached_value AS next FROM clerk_sync_test_fault_hits',
          )
          return Number(seq?.next) > fireAt
        }),
      }
    },
  }
}

interface SqliteClient {
  function(name: string, fn: (userId: string) => number): unknown
  exec(sql: string): unknown
}

/** better-sqlite3: the trigger calls back into JS, which blocks the thread for the hold. */
export function sqliteFaults(
  client: SqliteClient,
  /** Other connections to the same file, which fire the same triggers (e.g. one for raw reads). */
  others: SqliteClient[] = [],
): FaultInjector {
  const held = new Map<string, { delayMs: number; fail: boolean; enter: () => void }>()
  const blocker = new Int32Array(new SharedArrayBuffer(4))
  return {
    async install(usersTables) {
      const hit = (userId: string) => {
        const hold = held.get(userId)
        if (!hold) return 0
        held.delete(userId)
        hold.enter()
        Atomics.wait(blocker, 0, 0, hold.delayMs)
        return hold.fail ? 1 : 0
      }
      for (const connection of [client, ...others])
        connection.function('clerk_sync_test_fault', hit)
      for (const { table, id } of usersTables) {
        for (const [op, row] of [
          ['INSERT', 'NEW'],
          ['UPDATE', 'NEW'],
          ['DELETE', 'OLD'],
        ] as const) {
          client.exec(`CREATE TRIGGER clerk_sync_test_fault_${table}_${op.toLowerCase()} BEFORE ${op} ON ${table}
            WHEN clerk_sync_test_fault(${row}.${id}) = 1
            BEGIN SELECT RAISE(ABORT, 'injected write failure'); END`)
        }
      }
    },
    async reset() {
      held.clear()
    },
    async hold(userId, delayMs, fail) {
      let enter!: () => void
      const entered = new Promise<void>((resolve) => (enter = resolve))
      held.set(userId, { delayMs, fail, enter })
      return { entered }
    },
  }
}
